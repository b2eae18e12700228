// A map from positions to positions for the block copier's memo (issue 16):
// open addressing over two Float64Arrays. A JS Map of numbers cost most of a
// compaction's time (measured: about 1.2 s of a 2.6 s copy of a 200,000-key
// map, its keys boxed doubles) and holds at most 2^24 entries; this table
// allocates nothing per entry and grows by doubling.

/** Load past which the table doubles. */
const LOAD_MAX = 0.5;
const CAPACITY_MIN = 1024;

/** Positions (below 2^53) to numbers; `undefined` for a position never set. */
export class PositionMap {
  /** Key + 1 per slot; 0 marks a free slot. */
  private keys: Float64Array;
  private values: Float64Array;
  private mask: number;
  private count = 0;

  constructor() {
    this.keys = new Float64Array(CAPACITY_MIN);
    this.values = new Float64Array(CAPACITY_MIN);
    this.mask = CAPACITY_MIN - 1;
  }

  /** Entries held. */
  get size(): number {
    return this.count;
  }

  /** The value of `position`, or undefined. */
  get(position: number): number | undefined {
    const keys = this.keys;
    const key = position + 1;
    for (let i = slotOf(position) & this.mask; ; i = (i + 1) & this.mask) {
      const found = keys[i] as number;
      if (found === key) return this.values[i];
      if (found === 0) return undefined;
    }
  }

  /** Sets the value of `position`. */
  set(position: number, value: number): void {
    const keys = this.keys;
    const key = position + 1;
    for (let i = slotOf(position) & this.mask; ; i = (i + 1) & this.mask) {
      const found = keys[i] as number;
      if (found === key) {
        this.values[i] = value;
        return;
      }
      if (found === 0) {
        keys[i] = key;
        this.values[i] = value;
        if (++this.count > this.keys.length * LOAD_MAX) this.grow();
        return;
      }
    }
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    this.keys = new Float64Array(keys.length * 2);
    this.values = new Float64Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as number;
      if (key === 0) continue;
      for (let j = slotOf(key - 1) & this.mask; ; j = (j + 1) & this.mask) {
        if (this.keys[j] === 0) {
          this.keys[j] = key;
          this.values[j] = values[i] as number;
          break;
        }
      }
    }
  }
}

/** A well-mixed 32-bit hash of a position (both halves). */
function slotOf(position: number): number {
  const lo = position >>> 0;
  const hi = (position / 4294967296) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
  h ^= h >>> 15;
  return h >>> 0;
}
