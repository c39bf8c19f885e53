import { describe, expect, it } from 'vitest';
import { ExactTable, FingerprintTable, murmur3x86_128 } from './fingerprint.js';
import { exploreUnit, parseBound, unitCount } from './exhaustive.js';
import { abi6, abi7 } from '../model/semantics/index.js';

const hex = (s: string) => {
  const o = new Uint32Array(4);
  murmur3x86_128(s, o);
  return [...o].map((x) => x.toString(16).padStart(8, '0')).join(',');
};

describe('MurmurHash3_x86_128 of UTF-16LE code units', () => {
  // Vectors from Debian's libmurmurhash-dev (lmmh_x86_128, seed 0, on the strings' UTF-16LE
  // bytes); the short ones also agree with libdigest-murmurhash3-pureperl-perl, which
  // sign-extends tail bytes of 0x80 and above and so differs on é.
  it.each([
    ['', '00000000,00000000,00000000,00000000'],
    ['a', '033bb196,ccef4fe1,ccef4fe1,ccef4fe1'],
    ['ab', '260fb953,af22b6fd,af22b6fd,af22b6fd'],
    ['hello world', '8fbe58e5,56ee3f7d,af2876b5,e2608236'],
    ['P0:1L1.0|-{}', '07ee0a02,8d58ad2d,91fd2706,65970081'],
    ['x'.repeat(37), '3faef66b,b3406f76,74d7a31e,d257b4df'],
    ['abcdefgh', '6c357655,8df898a1,a76d230d,42147114'],
    ['abcdefghi', '17a3d732,37eee486,04d39ee1,ee7f6ddc'],
    ['\u00e9', '4becd5e4,9acc7ba4,9acc7ba4,9acc7ba4'],
    ['\u0080', 'ea6a6552,2af4a555,2af4a555,2af4a555'],
    ['é∂\u0000z', '0d7f9fa4,ef48c3b7,e30cb411,e30cb411'],
  ])('%j', (s, want) => expect(hex(s)).toBe(want));
});

describe('fingerprint tables', () => {
  it('answer like a Map through many growths, and an absent key is absent', () => {
    const f = new FingerprintTable(16);
    const m = new Map<string, number>();
    for (let i = 0; i < 50_000; i++) {
      const k = `state ${i * 7919} {${i % 13}}`;
      f.set(k, i);
      m.set(k, i);
      if (i % 3 === 0) {
        f.set(k, i + 1); // an update keeps one entry
        m.set(k, i + 1);
      }
    }
    expect(f.size).toBe(m.size);
    for (const [k, v] of m) expect(f.get(k)).toBe(v);
    for (let i = 0; i < 1000; i++) expect(f.get(`absent ${i}`)).toBeUndefined();
    expect(f.collisionBound()).toBeGreaterThan(0);
    expect(f.collisionBound()).toBeLessThan(1e-19);
    expect(new ExactTable().collisionBound()).toBe(0);
  });

  it('a key hashing to the empty marker is still kept', () => {
    const f = new FingerprintTable();
    f.set('', 5); // '' hashes to all zeros
    expect(f.get('')).toBe(5);
    expect(f.size).toBe(1);
  });
});

describe('exhaustive mode with fingerprinted memos', () => {
  // Fingerprints may only differ from exact memos by a collision: none at these sizes.
  it.each([
    ['abi7', 'tasks=3,layers=2,sockets=2,steps=4', '1.1', abi7],
    ['abi6', 'tasks=3,layers=3,sockets=3,steps=5', 'v1', abi6],
  ] as const)('%s %s %s: the same counts and findings as exact memos', (_name, bound, alphabet, sem) => {
    const b = { ...parseBound(bound), alphabet };
    for (let u = 0; u < unitCount(sem, b); u++) {
      const f = exploreUnit(sem, b, u);
      const x = exploreUnit(sem, { ...b, exact: true }, u);
      expect(x.collisions).toBe(0);
      expect(f.collisions).toBeGreaterThan(0);
      expect({ ...f, collisions: 0 }).toEqual(x);
    }
  });
});
