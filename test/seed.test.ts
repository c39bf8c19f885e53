/**
 * The seed patch's own demonstrations (scenarios/seed/): the escape under abi7, EPERM under the
 * seed patch, EACCES under abi11 (RESOLVE_UNIX).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseScenarioText } from '../format/scenario.js';
import { results } from '../ops/engine.js';
import { builtinSemantics } from '../model/semantics/index.js';
import { SCENARIO_ROOT } from './scenarios.js';

const load = (n: string) => parseScenarioText(readFileSync(join(SCENARIO_ROOT, 'seed', `${n}.json`), 'utf8'));
const last = (n: string, sem: string, back = 1) => {
  const r = results(load(n), builtinSemantics(sem)!);
  return r[r.length - back];
};

describe('seed demonstrations', () => {
  const cases: [string, number, Record<string, string>][] = [
    // tmux: the connect is the second-to-last step; the last one drives tmux (send).
    ['tmux-escape', 2, { abi6: 'ok', abi7: 'ok', abi8: 'ok', 'pathname-scope-patch': 'EPERM', abi9: 'EACCES', abi11: 'EACCES' }],
    ['socat-stream', 1, { abi7: 'ok', 'pathname-scope-patch': 'EPERM', abi11: 'EACCES' }],
    ['socat-dgram', 1, { abi7: 'ok', 'pathname-scope-patch': 'EPERM', abi11: 'EACCES' }],
  ];
  for (const [name, back, want] of cases)
    for (const [sem, r] of Object.entries(want))
      test(`${name} under ${sem}: ${r}`, () => expect(last(name, sem, back)).toBe(r));

  test('the tmux escape drives the server under abi7 only', () => {
    expect(last('tmux-escape', 'abi7')).toBe('ok');
    expect(last('tmux-escape', 'abi11')).toBe('ENOTCONN');
    expect(last('tmux-escape', 'pathname-scope-patch')).toBe('ENOTCONN');
  });
});
