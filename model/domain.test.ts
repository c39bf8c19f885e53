import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { commonPrefix, domainIsScoped, domainIsScopedWalk, mergeRuleset, type Domain, type MaybeDomain } from './domain.js';
import { applicableLayer } from './cred.js';
import { resolveUnixDeniedLayer } from './fs.js';
import { ACCESS_FS_RESOLVE_UNIX, SCOPE_SIGNAL } from './limits.js';

const S = SCOPE_SIGNAL;
let id = 100;
const push = (d: MaybeDomain, scope: number, fs = 0, rules: { path: string; access: number }[] = []): Domain =>
  mergeRuleset(d, id++, { scope, fs, rules })!;

describe('domain_is_scoped (security/landlock/task.c): worked examples', () => {
  const A = push(null, S);
  const Afs = push(null, 0, 1);
  test('#1 scoped client, unsandboxed server: deny', () => expect(domainIsScoped(A, null, S)).toBe(0));
  test('#2 no client domain: allow', () => expect(domainIsScoped(null, A, S)).toBe(-1));
  test('#3 fs-only client: allow', () => expect(domainIsScoped(Afs, null, S)).toBe(-1));
  test('#4 same domain: allow', () => expect(domainIsScoped(A, A, S)).toBe(-1));
  test('#5 server nested: allow', () => expect(domainIsScoped(A, push(A, 0, 1), S)).toBe(-1));
  test('#6 newest layer scoped, server in parent: deny at layer 1', () => expect(domainIsScoped(push(A, S), A, S)).toBe(1));
  test('#7 only the older layer scoped, server there: allow', () => expect(domainIsScoped(push(A, 0, 1), A, S)).toBe(-1));
  test('#8 older layer scoped, unsandboxed server: deny at layer 0', () => expect(domainIsScoped(push(A, 0, 1), null, S)).toBe(0));
  const P = push(null, 0, 1);
  test('#9 siblings, client layer scoped: deny', () => expect(domainIsScoped(push(P, S), push(P, 0, 1), S)).toBe(1));
  const Ps = push(null, S);
  test('#10 siblings, only the common parent scoped: allow', () => expect(domainIsScoped(push(Ps, 0, 1), push(Ps, 0, 1), S)).toBe(-1));
  test('#11 independent roots with the same ruleset: deny', () => expect(domainIsScoped(push(null, S), push(null, S), S)).toBe(0));
  const R = ACCESS_FS_RESOLVE_UNIX;
  const d1 = push(null, 0, R);
  test('#12 RESOLVE_UNIX: layer 0 shared, layer 1 has a rule: allow', () =>
    expect(resolveUnixDeniedLayer(push(d1, 0, R, [{ path: 'x', access: R }]), d1, R, 'x/s')).toBe(-1));
  test('#13 RESOLVE_UNIX: no rule in the differing layer: deny', () => expect(resolveUnixDeniedLayer(push(d1, 0, R), d1, R, 'x/s')).toBe(1));
  test('#14 RESOLVE_UNIX: same domain needs no rule', () => expect(resolveUnixDeniedLayer(d1, d1, R, 'x/s')).toBe(-1));
  test('rule on a sibling path does not match', () =>
    expect(resolveUnixDeniedLayer(push(d1, 0, R, [{ path: 'xy', access: R }]), d1, R, 'x/s')).toBe(1));
});

describe('domain_is_scoped: closed form = the kernel walk', () => {
  /** A forest of domains built by random restrict_self calls; pairs drawn from it. */
  const forest = fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 3 }), fc.boolean()), { minLength: 1, maxLength: 40 })
    .map((ops) => {
      const ds: MaybeDomain[] = [null];
      let n = 1;
      for (const [pick, scope, fs] of ops) {
        const parent = ds[pick % ds.length]!;
        const d = mergeRuleset(parent, n++, { scope, fs: fs ? 1 : 0, rules: [] });
        if (d) ds.push(d);
      }
      return ds;
    });
  test('agree on every pair and bit', () => {
    fc.assert(
      fc.property(forest, fc.nat(), fc.nat(), fc.constantFrom(1, 2), (ds, i, j, bit) => {
        const c = ds[i % ds.length]!;
        const s = ds[j % ds.length]!;
        if (!c) return domainIsScoped(c, s, bit) === -1;
        const closed = domainIsScoped(c, s, bit) >= 0;
        expect(closed).toBe(domainIsScopedWalk(c, s, bit));
        // the layer blamed is the youngest layer handling the bit (applicable subject)
        if (closed) expect(domainIsScoped(c, s, bit)).toBe(applicableLayer(c, 'scope', bit));
        // k is prefix-closed
        const k = commonPrefix(c, s);
        for (let x = 0; x < k; x++) expect(c.layers[x]!.node).toBe(s!.layers[x]!.node);
        return true;
      }),
      { seed: 42, numRuns: 2000 },
    );
  });
});

test('a 17th layer is refused', () => {
  let d: MaybeDomain = null;
  for (let i = 0; i < 16; i++) d = mergeRuleset(d, i + 1, { scope: S, fs: 0, rules: [] });
  expect(d!.layers.length).toBe(16);
  expect(mergeRuleset(d, 99, { scope: S, fs: 0, rules: [] })).toBeNull();
});
