/**
 * The recorded traces (traces/) agree with the model under the semantics of each kernel's ABI,
 * and the diff does find disagreements when judged under the wrong semantics.
 */
import { describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { main, type Io } from '../cli/main.js';

const TRACES = join(import.meta.dirname, '..', 'traces');
const capture = (): Io & { text: () => string } => {
  const buf: string[] = [];
  return { out: (s) => buf.push(s), err: (s) => buf.push(s), isTTY: false, text: () => buf.join('\n') };
};

describe('scopecheck diff traces/', () => {
  test('every recorded kernel agrees with its semantics', async () => {
    const io = capture();
    const code = await main(['diff', TRACES], io);
    expect(io.text()).toMatch(/ 0 disagree with the model/);
    expect(code).toBe(0);
  }, 120_000);
  test('the kernel disagreements found and fixed are kept as regression traces, and agree now', async () => {
    const io = capture();
    const code = await main(['diff', join(import.meta.dirname, '..', 'counterexamples', 'kernel')], io);
    expect(io.text()).toMatch(/ 0 disagree with the model/);
    expect(code).toBe(0);
  });
  test('without the listen quirk, abi8 disagrees with Debian 7.0.13', async () => {
    const io = capture();
    const f = join(import.meta.dirname, '..', 'counterexamples', 'kernel', '7.0.13', 'listen-on-connected.jsonl');
    expect(await main(['diff', f, '--semantics', 'abi8'], io)).toBe(1);
    expect(io.text()).toMatch(/model EINVAL, kernel ok/);
  });
  test('the 6.18 traces disagree with abi11 (tsync, resolve_unix)', async () => {
    const io = capture();
    const code = await main(['diff', join(TRACES, '6.18.44', 'tests.results.jsonl.gz'), '--semantics', 'abi11', '--json'], io);
    expect(code).toBe(1);
    const j = JSON.parse(io.text().split('\n')[0]!);
    expect(j.disagreements.length).toBeGreaterThan(10);
  });
});
