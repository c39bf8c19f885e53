/**
 * The memos of exhaustive mode as fingerprint tables (hash compaction, as SPIN's -DHC; TLC, the
 * explicit-state checker of ../shared/docs/prior-art.md, keeps 64-bit fingerprints of its states
 * by default): a key is kept as 96 bits of its hash and a 32-bit value, four
 * words of one Uint32Array (open addressing, linear probing, at most half full), instead of the
 * key's string in a Map — 32 to 64 bytes per key instead of several hundred. Two keys with the
 * same fingerprint are taken for one: the search could then miss states. `collisionBound` gives
 * the probability that any two of a table's keys share one (at most n²/2^97 for n keys); a run
 * that wants none at all takes the exact tables (`exact`), the keys' strings in a Map.
 *
 * The hash is MurmurHash3_x86_128 (Austin Appleby, public domain; smhasher's MurmurHash3.cpp) of
 * the key's UTF-16LE code units, seed 0: its first three words. (Hand-written: the npm ports return
 * hex strings, and the point here is to allocate nothing per key.)
 */

/** A memo from keys to non-negative 32-bit values. */
export interface KeyTable {
  get(key: string): number | undefined;
  set(key: string, value: number): void;
  readonly size: number;
  /** The probability that two of its keys were taken for one (0 for an exact table). */
  collisionBound(): number;
}

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;
const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
/** A block word's mix before it joins its lane: k·a, rotated by r, ·b. */
const mixK = (k: number, a: number, r: number, b: number) => Math.imul(rotl(Math.imul(k, a), r), b);
const fmix = (h: number) => {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};

/** MurmurHash3_x86_128 of a string's UTF-16LE bytes (seed 0), its four words in `out`. */
export function murmur3x86_128(s: string, out: Uint32Array): void {
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let h4 = 0;
  const n = s.length;
  const blocks = n - (n & 7); // 8 code units = 16 bytes per block
  let i = 0;
  for (; i < blocks; i += 8) {
    h1 ^= mixK(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16), C1, 15, C2);
    h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
    h2 ^= mixK(s.charCodeAt(i + 2) | (s.charCodeAt(i + 3) << 16), C2, 16, C3);
    h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
    h3 ^= mixK(s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 16), C3, 17, C4);
    h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
    h4 ^= mixK(s.charCodeAt(i + 6) | (s.charCodeAt(i + 7) << 16), C4, 18, C1);
    h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }
  // The tail: up to 7 code units, little-endian into k1..k4 (a k with no bytes is 0 and mixes to 0).
  const t = (j: number) => (i + j < n ? s.charCodeAt(i + j) : 0);
  if (i < n) {
    h4 ^= mixK(t(6), C4, 18, C1);
    h3 ^= mixK(t(4) | (t(5) << 16), C3, 17, C4);
    h2 ^= mixK(t(2) | (t(3) << 16), C2, 16, C3);
    h1 ^= mixK(t(0) | (t(1) << 16), C1, 15, C2);
  }
  const len = n * 2;
  h1 ^= len;
  h2 ^= len;
  h3 ^= len;
  h4 ^= len;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  out[0] = h1;
  out[1] = h2;
  out[2] = h3;
  out[3] = h4;
}

/** A fingerprint table (module comment). */
export class FingerprintTable implements KeyTable {
  private words: Uint32Array;
  private mask: number;
  private count = 0;
  private readonly h = new Uint32Array(4);

  constructor(initialSlots = 1 << 10) {
    let slots = 16;
    while (slots < initialSlots) slots *= 2;
    this.words = new Uint32Array(slots * 4);
    this.mask = slots - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The slot of the hashed key (`this.h`): its own, or the empty one where it would go. */
  private slot(): number {
    const h = this.h;
    // An all-zero fingerprint marks an empty slot: a key hashing to it is moved off it.
    if ((h[0]! | h[1]! | h[2]!) === 0) h[2] = 1;
    const w = this.words;
    let i = h[0]! & this.mask;
    for (;;) {
      const o = i * 4;
      const a = w[o]!;
      const b = w[o + 1]!;
      const c = w[o + 2]!;
      if ((a | b | c) === 0 || (a === h[0] && b === h[1] && c === h[2])) return o;
      i = (i + 1) & this.mask;
    }
  }

  get(key: string): number | undefined {
    murmur3x86_128(key, this.h);
    const o = this.slot();
    const w = this.words;
    return (w[o]! | w[o + 1]! | w[o + 2]!) === 0 ? undefined : w[o + 3]!;
  }

  set(key: string, value: number): void {
    murmur3x86_128(key, this.h);
    let o = this.slot();
    const w = this.words;
    if ((w[o]! | w[o + 1]! | w[o + 2]!) === 0) {
      if ((this.count + 1) * 2 > this.mask + 1) {
        this.grow();
        o = this.slot();
      }
      this.count++;
      this.words[o] = this.h[0]!;
      this.words[o + 1] = this.h[1]!;
      this.words[o + 2] = this.h[2]!;
    }
    this.words[o + 3] = value;
  }

  private grow(): void {
    const old = this.words;
    const slots = (this.mask + 1) * 2;
    const w = new Uint32Array(slots * 4);
    const mask = slots - 1;
    for (let o = 0; o < old.length; o += 4) {
      const a = old[o]!;
      if ((a | old[o + 1]! | old[o + 2]!) === 0) continue;
      let i = a & mask;
      while ((w[i * 4]! | w[i * 4 + 1]! | w[i * 4 + 2]!) !== 0) i = (i + 1) & mask;
      w.set(old.subarray(o, o + 4), i * 4);
    }
    this.words = w;
    this.mask = mask;
  }

  collisionBound(): number {
    return Math.min(1, (this.count * this.count) / 2 ** 97);
  }
}

/** The exact table: the keys' strings in a Map. */
export class ExactTable implements KeyTable {
  private readonly m = new Map<string, number>();
  get size(): number {
    return this.m.size;
  }
  get(key: string): number | undefined {
    return this.m.get(key);
  }
  set(key: string, value: number): void {
    this.m.set(key, value);
  }
  collisionBound(): number {
    return 0;
  }
}
