// Byte equality for large arrays without vitest's deep compare (slow on
// hundreds of kilobytes): the first position where two arrays differ.

/** The first position where `a` and `b` differ (or where the shorter ends), -1 when equal. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (Buffer.compare(a, b) === 0) return -1;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
