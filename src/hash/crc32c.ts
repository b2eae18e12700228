// CRC-32C (Castagnoli, the reflected polynomial 0x82F63B78): the checksum of
// commit trailers (FORMAT.md §Commit trailer). Chosen over a 64-bit hash
// because it is the storage world's common check (iSCSI, ext4 metadata,
// LevelDB/RocksDB blocks), every language has it, and it streams: a commit's
// bytes are checked in chunks without holding them all. Slicing-by-16 tables:
// sixteen bytes per step from sixteen 256-entry tables (16 KiB). Against
// slicing-by-8 on this project's machine: 1.2-1.5x on a commit's 1.2 KB
// (bench/README.md, session 7).

/** Sixteen 256-entry tables; table k maps a byte to its CRC after k further zero bytes. */
const TABLES = buildTables(16);

function buildTables(count: number): Int32Array {
  const tables = new Int32Array(count * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    tables[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[n] as number;
    for (let t = 1; t < count; t++) {
      c = (tables[c & 0xff] as number) ^ (c >>> 8);
      tables[t * 256 + n] = c;
    }
  }
  return tables;
}

/**
 * Continues a CRC-32C over `bytes[start, end)`. Start a checksum with
 * `crc = 0`; the result of one call is the `crc` of the next, so a range can
 * be fed in chunks. Returns the CRC as an unsigned 32-bit number.
 *
 * @param crc - the CRC of the bytes before (0 for none)
 * @param bytes - the data
 * @param start - first byte (default 0)
 * @param end - past the last byte (default the length)
 */
export function crc32c(crc: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = TABLES;
  let c = ~crc;
  let i = start;
  for (; i + 16 <= end; i += 16) {
    // The first four bytes fold into the running CRC; the other twelve only look up.
    const low = c ^ ((bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24));
    c =
      (t[3840 + (low & 0xff)] as number) ^
      (t[3584 + ((low >>> 8) & 0xff)] as number) ^
      (t[3328 + ((low >>> 16) & 0xff)] as number) ^
      (t[3072 + (low >>> 24)] as number) ^
      (t[2816 + (bytes[i + 4] as number)] as number) ^
      (t[2560 + (bytes[i + 5] as number)] as number) ^
      (t[2304 + (bytes[i + 6] as number)] as number) ^
      (t[2048 + (bytes[i + 7] as number)] as number) ^
      (t[1792 + (bytes[i + 8] as number)] as number) ^
      (t[1536 + (bytes[i + 9] as number)] as number) ^
      (t[1280 + (bytes[i + 10] as number)] as number) ^
      (t[1024 + (bytes[i + 11] as number)] as number) ^
      (t[768 + (bytes[i + 12] as number)] as number) ^
      (t[512 + (bytes[i + 13] as number)] as number) ^
      (t[256 + (bytes[i + 14] as number)] as number) ^
      (t[bytes[i + 15] as number] as number);
  }
  for (; i < end; i++) c = (t[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}
