/**
 * Every op of the registry (ops/index.ts) is handled by every consumer: the file format, the
 * renaming, `run`'s text, the replayer's wire format and its C parser (replayer/ops.h), the model,
 * the generator, the exhaustive alphabet, and each exporter (C, kselftest, shell, the diagrams).
 * The compiler already refuses an OpDef with a piece missing; this test catches a consumer that
 * has the piece but ignores it. With a new op, the failures here name what still needs it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { exportC, exportKselftest, exportMermaid, exportShell, type ExportInput } from '../format/export/index.js';
import { stepText } from '../format/render.js';
import { parseScenario, structuralErrors, type Scenario, type Step } from '../format/scenario.js';
import { encodeScenario, landlockAvailable, replayScenarios } from '../kernel/replayer.js';
import { LISTEN_BACKLOG } from '../model/af_unix.js';
import { abi7, abi11, BUILTIN_SEMANTICS } from '../model/semantics/index.js';
import { newWorld } from '../model/state.js';
import { evaluate, step } from '../ops/engine.js';
import { OPS, REGISTRY, namesOf, type Op } from '../ops/index.js';
import { buildScenario, profilesOf, sampleInputs } from '../properties/arbitrary.js';
import { parseBound, successors } from '../properties/exhaustive.js';
import { canonicalNames } from '../properties/shrink.js';
import { readScenarios } from '../cli/io.js';

const ROOT = join(import.meta.dirname, '..');
const files = readScenarios([join(ROOT, 'scenarios')]);

/** For each op, the first scenario file that uses it and the step's index. */
const example = new Map<Op, { file: string; scenario: Scenario; i: number }>();
for (const { file, scenario } of files) scenario.steps.forEach((st, i) => void (example.has(st.op) || example.set(st.op, { file, scenario, i })));

const input = (scenario: Scenario): ExportInput => ({ scenario, outcomes: evaluate(scenario, abi11), semantics: 'abi11', opsHeader: readFileSync(join(ROOT, 'replayer/ops.h'), 'utf8') });

describe.each(OPS)('op %s', (op) => {
  const def = REGISTRY[op];
  test('is named as its registry key, and a scenario file under scenarios/ uses it', () => {
    expect(def.op).toBe(op);
    expect(example.get(op), `no scenario under scenarios/ uses ${op}`).toBeDefined();
  });
  test('file format, names and renaming', () => {
    const { scenario, i } = example.get(op)!;
    const st = scenario.steps[i]!;
    expect(parseScenario(JSON.parse(JSON.stringify(scenario))).steps[i]).toEqual(st);
    expect(def.schema.safeParse({ ...st, colour: 1 }).success, 'unknown fields are refused').toBe(false);
    const renamed = canonicalNames(scenario);
    expect(structuralErrors(renamed)).toEqual([]);
    expect(namesOf(renamed.steps[i]!).length).toBe(namesOf(st).length);
  });
  test('text for run, and the wire line', () => {
    const { scenario, i } = example.get(op)!;
    const st = scenario.steps[i]!;
    expect(stepText(st).startsWith(`${st.by} ${op}`)).toBe(true);
    expect(` ${encodeScenario(scenario)} `).toContain(` ${op} `);
  });
  test('the model performs it under every semantics', () => {
    const { scenario, i } = example.get(op)!;
    for (const sem of BUILTIN_SEMANTICS) expect(evaluate(scenario, sem)[i]!.result).toMatch(/^(ok|E[A-Z0-9]+)$/);
  });
  test('every exporter writes it', () => {
    const { scenario, i } = example.get(op)!;
    const x = input(scenario);
    expect(exportC(x)).toContain(`/* ${i} */ { .op = OP_${op.toUpperCase()}`);
    // An op without a kselftest translation makes the export refuse the scenario, naming the step.
    let kself: string | Error;
    try {
      kself = exportKselftest(x);
    } catch (e) {
      kself = e as Error;
    }
    if (kself instanceof Error && scenario.capabilities === 'all') expect(kself.message).toMatch(/capabilities/);
    else if (kself instanceof Error) {
      const m = /^step (\d+) \((\w+)\): no kselftest translation: /.exec(kself.message);
      expect(m, kself.message).not.toBeNull();
      expect(scenario.steps[Number(m![1])]!.op).toBe(m![2]);
    } else expect(kself).toContain(`/* #${i} ${stepText(scenario.steps[i]!)}`);
    expect(exportShell(x)).toContain(`# #${i} ${stepText(scenario.steps[i]!)}`);
    // The diagrams draw an arrow for every step that reaches something by address or by signal.
    // (A group signal or kill(-1) draws one per recipient: none when there was no candidate.)
    const reached = x.outcomes[i]!.reach !== undefined || (x.outcomes[i]!.deliveries?.length ?? 0) > 0;
    if ((def.reaches === 'address' || def.reaches === 'signal') && reached) expect(exportMermaid(x)).toContain(`#${i} ${op}:`);
  });
  test('the generator builds it (registry weight > 0)', () => {
    expect(def.gen.weight).toBeGreaterThan(0);
    const seen = sampleInputs(500, 1).some((g) => buildScenario(g.actions, profilesOf(abi11)).steps.some((s) => s.op === op));
    expect(seen, `500 generated scenarios never use ${op}`).toBe(true);
  });
  test('the exhaustive alphabet has it exactly when its `exhaustive` is set', () => {
    // Every world reached within a small bound, and the ops their successors use.
    const b = parseBound('tasks=3,layers=1,sockets=2,steps=3');
    const seen = new Set<string>();
    const walk = (steps: Step[]) => {
      const w = newWorld(abi7);
      for (const s of steps) step(w, s);
      const next = successors(w, abi7, b);
      for (const s of next) seen.add(s.op);
      if (steps.length < 3) for (const s of next) walk([...steps, s]);
    };
    walk([]);
    expect(seen.has(op)).toBe(def.exhaustive !== null);
  });
});

describe('the C replayer', () => {
  const opsH = readFileSync(join(ROOT, 'replayer/ops.h'), 'utf8');
  test('lists exactly the registry\'s ops (replayer/ops.h SCOPECHECK_OPS)', () => {
    const list = /#define SCOPECHECK_OPS\(X\)([\s\S]*?)\n\n/.exec(opsH)![1]!;
    const names = [...list.matchAll(/X\((\w+),/g)].map((m) => m[1]);
    expect([...names].sort()).toEqual([...OPS].sort());
  });
  test('listens with the model\'s backlog', () => {
    expect(/#define SCOPECHECK_LISTEN_BACKLOG (\d+)/.exec(opsH)?.[1]).toBe(String(LISTEN_BACKLOG));
  });
  const live = landlockAvailable();
  if (!live) console.warn('SKIPPED: the replayer run of one scenario per op: Landlock is not available on this kernel');
  test.skipIf(!live)('runs a scenario of every op to completion on the live kernel', async () => {
    const scenarios = OPS.map((op) => example.get(op)!.scenario);
    const r = await replayScenarios(scenarios);
    expect(r.outcomes.map((o) => o.error ?? 'done')).toEqual(OPS.map(() => 'done'));
  });
});
