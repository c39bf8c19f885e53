import { describe, expect, test } from 'vitest';
import { abi11, abi7, pathnameScopePatch } from '../model/semantics/index.js';
import { compareSemantics } from './compare.js';

describe('compare', () => {
  const r = compareSemantics(pathnameScopePatch, abi11, { seed: 20261128, runs: 60000 });
  const has = (re: RegExp) => r.classes.find((c) => re.test(c.class));
  test('rediscovers the known differences between the seed patch and RESOLVE_UNIX as separate classes', () => {
    expect(has(/^(connect|sendto) pathname: EPERM \(pathname_unix_socket\/unix_(stream_connect|may_send)\) → EACCES \(resolve_unix\/unix_find\)$/)).toBeTruthy();
    expect(has(/^connect pathname: ECONNREFUSED \(af_unix\) → EACCES \(resolve_unix/)).toBeTruthy();
    expect(has(/^sendto pathname to the current peer: ok \(allowed\) → EACCES \(resolve_unix/)).toBeTruthy();
    expect(has(/^(connect|sendto) pathname: EPERM \(pathname_unix_socket\/unix_(stream_connect|may_send)\) → ok \(allowed\)$/)).toBeTruthy();
  });
  test('each example really shows its class', () => {
    for (const c of r.classes) expect(c.a[c.step]).not.toBe(c.b[c.step]);
  });
  test('identical semantics do not differ', () => {
    expect(compareSemantics(abi7, abi7, { seed: 1, runs: 2000 }).classes).toEqual([]);
  });
});
