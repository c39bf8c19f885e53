/**
 * npm run bench: rates and ratios measured in one run (medians of several repetitions), each
 * against a baseline measured in the same run, since the machines are noisy.
 *
 *   node dist/bench/bench.js [--reps N] [--quick] [--vm VERSION]
 */
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { main, type Io } from '../cli/main.js';
import { landlockAvailable, replayScenarios } from '../kernel/replayer.js';
import { domainIsScoped, mergeRuleset, type MaybeDomain } from '../model/domain.js';
import { abi7 } from '../model/semantics/index.js';
import { buildScenario, genInputArb, profilesOf, sampleInputs } from '../properties/arbitrary.js';
import { checkCell } from '../properties/check.js';
import { exploreUnit, parseBound, unitCount, type Bound } from '../properties/exhaustive.js';
import type { Step } from '../ops/index.js';
import { runWalks, walk } from '../properties/simulate.js';
import { newWorld } from '../model/state.js';
import { step as applyStep } from '../ops/engine.js';
import { propertyByName } from '../properties/invariants.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const reps = Number(args[args.indexOf('--reps') + 1]) || (quick ? 3 : 5);
const vmVersion = args.includes('--vm') ? args[args.indexOf('--vm') + 1] : undefined;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function time(f: () => void): number {
  const t = performance.now();
  f();
  return (performance.now() - t) / 1000;
}
async function timeAsync(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return (performance.now() - t) / 1000;
}
const rows: [string, string, string][] = [];
const row = (what: string, value: string, goal: string) => {
  rows.push([what, value, goal]);
  console.log(`${what.padEnd(58)} ${value.padEnd(26)} ${goal}`);
};
const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(1));

console.log(`scopecheck bench: median of ${reps} repetitions; node ${process.version}\n`);

// 1. Scope decisions per second (domain_is_scoped over a forest of domains).
{
  const ds: MaybeDomain[] = [null];
  let id = 1;
  for (let i = 0; i < 200; i++) {
    const p = ds[(i * 7919) % ds.length]!;
    const d = mergeRuleset(p, id++, { scope: i % 4, fs: 0, rules: [] });
    if (d) ds.push(d);
  }
  const N = 2_000_000;
  let sink = 0;
  const rates = Array.from({ length: reps }, () => N / time(() => {
    for (let i = 0; i < N; i++) sink += domainIsScoped(ds[i % ds.length]!, ds[(i * 31) % ds.length]!, 1 + (i & 1));
  }));
  row('scope decisions (domain_is_scoped) per second', `${fmt(median(rates))}/s`, '-');
  if (sink === 42) console.log('');
}

// 2. Random checking vs raw fast-check generation of the same arbitrary.
{
  const runs = quick ? 2000 : 5000;
  const p = propertyByName('outside-unreachable')!;
  const gen = Array.from({ length: reps }, (_, r) => runs / time(() => fc.assert(fc.property(genInputArb(), (g) => buildScenario(g.actions, profilesOf(abi7)).steps.length >= 0), { seed: r, numRuns: runs })));
  const chk = Array.from({ length: reps }, (_, r) => runs / time(() => checkCell(p, abi7, { seed: r, runs })));
  row('raw generation (fast-check, same arbitrary + build)', `${fmt(median(gen))} scenarios/s`, '-');
  row('random checking (outside-unreachable, abi7)', `${fmt(median(chk))} scenarios/s`, '-');
  row('  ratio checking / raw generation', `${(median(chk) / median(gen)).toFixed(2)}×`, '≥ 0.5×');
}

// 3. Exhaustive distinct states per second (one core).
{
  const b = parseBound(quick ? 'tasks=3,layers=2,sockets=2,steps=4' : 'tasks=3,layers=2,sockets=2,steps=5');
  const n = unitCount(abi7, b);
  const runs = Array.from({ length: Math.min(reps, 3) }, () => {
    let states = 0;
    let scenarios = 0;
    const s = time(() => {
      for (let u = 0; u < n; u++) {
        const r = exploreUnit(abi7, b, u);
        states += r.states;
        scenarios += r.scenarios;
      }
    });
    return [states / s, scenarios / s] as const;
  });
  row('exhaustive: distinct states extended per second (1 core, abi7)', `${fmt(median(runs.map((r) => r[0])))} states/s`, '≥ 1 M/s per core');
  row('exhaustive: scenarios checked per second (1 core, abi7)', `${fmt(median(runs.map((r) => r[1])))} scenarios/s`, '-');
}

// 3a. The exhaustive reductions (sleep sets, the read-from past, the check memo; properties/
// exhaustive.ts) against the full search (--no-por: every successor of every state, the same
// state key): states extended and scenarios checked, v1 alphabet, one semantics (abi7), the time
// it takes; and distinct states extended per second against bare model steps per second on the
// same states (their paths replayed with the engine alone).
{
  const bound = quick ? 'tasks=3,layers=3,sockets=3,steps=4' : 'tasks=3,layers=3,sockets=3,steps=6';
  const explore = (b: Bound, onState?: (s: readonly Step[]) => void) => {
    let states = 0;
    let scenarios = 0;
    let reached = 0;
    let memoHits = 0;
    const n = unitCount(abi7, b);
    for (let u = 0; u < n; u++) {
      const r = exploreUnit(abi7, b, u, onState ? { onState } : {});
      states += r.states;
      scenarios += r.scenarios;
      reached += r.reached;
      memoHits += r.memoHits;
    }
    return { states, scenarios, reached, memoHits };
  };
  const base = { ...parseBound(bound), alphabet: 'v1' as const };
  const full = { states: 0, scenarios: 0, reached: 0, memoHits: 0, s: [] as number[] };
  const por = { states: 0, scenarios: 0, reached: 0, memoHits: 0, s: [] as number[] };
  for (let r = 0; r < Math.min(reps, 2); r++) {
    full.s.push(time(() => Object.assign(full, explore({ ...base, por: false }))));
    por.s.push(time(() => Object.assign(por, explore(base))));
  }
  row(`exhaustive v1 ${bound} abi7, full search (baseline)`, `${full.states} states, ${full.scenarios} scen.`, `${median(full.s).toFixed(1)} s`);
  row(`exhaustive v1 ${bound} abi7, reduced`, `${por.states} states, ${por.scenarios} scen.`, `${median(por.s).toFixed(1)} s; ${por.reached} reached, ${por.memoHits} memo hits`);
  row('  ratio reduced / full: states, scenarios, time', `${(por.states / full.states).toFixed(2)}, ${(por.scenarios / full.scenarios).toFixed(2)}, ${(median(por.s) / median(full.s)).toFixed(2)}`, '≤ 0.1 (states, scenarios)');
  // States per second in the search vs bare model steps per second on the same states.
  const paths: (readonly Step[])[] = [];
  const b11 = parseBound(quick ? 'tasks=3,layers=2,sockets=2,steps=4' : 'tasks=3,layers=2,sockets=2,steps=5');
  explore(b11, (p) => paths.push(p));
  const search: number[] = [];
  const searchSteps: number[] = [];
  const bare: number[] = [];
  for (let r = 0; r < Math.min(reps, 3); r++) {
    let states = 0;
    let scenarios = 0;
    const t = time(() => void ({ states, scenarios } = explore(b11)));
    search.push(states / t);
    searchSteps.push(scenarios / t);
    let steps = 0;
    bare.push(
      (1 / time(() => {
        for (const p of paths) {
          const w = newWorld(abi7);
          for (const st of p) applyStep(w, st);
          steps += p.length;
        }
      })) * steps,
    );
    steps = 0;
  }
  row('exhaustive: distinct states extended/s ÷ bare model steps/s (same states)', `${(median(search) / median(bare)).toFixed(3)} (${fmt(median(search))} vs ${fmt(median(bare))})`, '≥ 0.3');
  // Extending a state takes every step the reductions leave (scenarios / states of them): the
  // ratio above is at most states / scenarios even if the search cost nothing beyond its steps.
  // Per step taken (the copy, the step, the keys, the memos, the checks), against the bare step:
  row('  per step: search steps/s (scenarios checked) ÷ bare model steps/s', `${(median(searchSteps) / median(bare)).toFixed(3)} (${fmt(median(searchSteps))} vs ${fmt(median(bare))}; ${(median(searchSteps) / median(search)).toFixed(1)} steps per state extended)`, '-');
}

// 3b. Simulation: walk steps per second (successors, the draw, the step, every property) against
// bare model steps per second on the same steps (the same walks replayed with the engine alone).
{
  const walks = quick ? 100 : 300;
  const o = { seed: 1, depth: 250, bound: parseBound('tasks=3,layers=2,sockets=2'), swarm: true };
  const sim: number[] = [];
  const bare: number[] = [];
  for (let r = 0; r < Math.min(reps, 3); r++) {
    let steps = 0;
    sim.push(1 / time(() => void (steps = runWalks(abi7, 0, walks, o).steps)) * steps);
    const paths = Array.from({ length: walks }, (_, k) => walk(abi7, k, o).steps);
    bare.push(
      (1 / time(() => {
        for (const p of paths) {
          const w = newWorld(abi7);
          for (const st of p) applyStep(w, st);
        }
      })) * steps,
    );
  }
  row('simulation: walk steps per second (1 core, abi7, swarm)', `${fmt(median(sim))} steps/s`, '-');
  row('  ratio walk steps / bare model steps (same steps)', `${(median(sim) / median(bare)).toFixed(2)}×`, '-');
}

// 4. Speed-up with 2 workers over 1: the main job (77 cells), as `check --workers N` runs it.
{
  const io: Io = { out: () => {}, err: () => {}, isTTY: false };
  const runs = quick ? '2000' : '10000';
  const one: number[] = [];
  const two: number[] = [];
  for (let r = 0; r < Math.min(reps, 3); r++) {
    one.push(await timeAsync(() => main(['check', '--no-save', '--runs', runs, '--workers', '1'], io)));
    two.push(await timeAsync(() => main(['check', '--no-save', '--runs', runs, '--workers', '2'], io)));
  }
  row(`check --runs ${runs}: 2 workers vs 1 (speed-up; ${median(one).toFixed(1)} s vs ${median(two).toFixed(1)} s)`, `${(median(one) / median(two)).toFixed(2)}×`, '≥ 1.85×');
  const ex = quick ? 'tasks=3,layers=2,sockets=2,steps=4' : 'tasks=3,layers=2,sockets=2,steps=5';
  const eone: number[] = [];
  const etwo: number[] = [];
  for (let r = 0; r < Math.min(reps, 3); r++) {
    eone.push(await timeAsync(() => main(['check', '--exhaustive', '--bound', ex, '--no-save', '--workers', '1'], io)));
    etwo.push(await timeAsync(() => main(['check', '--exhaustive', '--bound', ex, '--no-save', '--workers', '2'], io)));
  }
  row(`check --exhaustive ${ex}: 2 workers vs 1 (${median(eone).toFixed(1)} s vs ${median(etwo).toFixed(1)} s)`, `${(median(eone) / median(etwo)).toFixed(2)}×`, '≥ 1.85×');
}

// 4a. What this machine gives two workers: a loop that only computes, and one that allocates
// short-lived objects (as the model does), in 2 worker threads against 1 (throughput ratio).
{
  const code = `const { parentPort, workerData } = require('node:worker_threads');
    let x = 0; const keep = [];
    for (let i = 0; i < workerData.n; i++) { x = (x * 31 + i) | 0; if (workerData.alloc) { const o = { a: i, b: [i, x], c: 'k' + (i & 1023) }; if ((i & 255) === 0) keep.push(o); if (keep.length > 10000) keep.length = 0; } }
    parentPort.postMessage(x);`;
  const run = (k: number, alloc: boolean) =>
    timeAsync(() => Promise.all(Array.from({ length: k }, () => new Promise<void>((resolve) => {
      const w = new Worker(code, { eval: true, workerData: { n: alloc ? (quick ? 15e6 : 40e6) : quick ? 3e8 : 8e8, alloc } });
      w.on('message', () => void w.terminate().then(() => resolve()));
    }))));
  for (const alloc of [false, true]) {
    const ratios: number[] = [];
    for (let r = 0; r < Math.min(reps, 3); r++) {
      const one = await run(1, alloc);
      ratios.push((2 * one) / (await run(2, alloc)));
    }
    row(`  this machine: ${alloc ? 'an allocating' : 'a computing'} loop, 2 workers vs 1`, `${median(ratios).toFixed(2)}× throughput`, '-');
  }
}

// 5. Live-kernel replayer.
if (landlockAvailable()) {
  const scenarios = sampleInputs(4000, 11).map((g) => buildScenario(g.actions, profilesOf(abi7)));
  const steps = scenarios.reduce((a, s) => a + s.steps.length, 0) / scenarios.length;
  const rates = [];
  for (let r = 0; r < Math.min(reps, 3); r++) rates.push(scenarios.length / (await timeAsync(() => replayScenarios(scenarios))));
  row(`live replayer (${steps.toFixed(1)} steps/scenario avg)`, `${fmt(median(rates))} scenarios/s`, '≥ 2,000/s');
} else row('live replayer', 'skipped: no Landlock', '≥ 2,000/s');

// 6. Scenarios per boot-second in a VM (only with --vm VERSION: it boots a kernel).
if (vmVersion) {
  const vm = (await import('../kernel/vm.js' as string)) as { replayInVm: (s: unknown[], o: object) => Promise<{ bootSeconds: number }> };
  const scenarios = sampleInputs(2000, 12).map((g) => buildScenario(g.actions, profilesOf(abi7)));
  const t = await timeAsync(async () => vm.replayInVm(scenarios, { kernel: vmVersion }));
  row(`VM ${vmVersion}: scenarios per boot-second (2,000 in one boot)`, `${fmt(scenarios.length / t)} /s (${t.toFixed(1)} s)`, '-');
} else row('VM scenarios per boot-second', 'skipped (--vm 7.3 to measure)', '-');

// The main job, for the record.
{
  const io: Io = { out: () => {}, err: () => {}, isTTY: false };
  const s = await timeAsync(() => main(['check', '--no-save', ...(quick ? ['--runs', '2000'] : [])], io));
  row(`scopecheck check${quick ? ' --runs 2000' : ''} (all properties × all semantics)`, `${s.toFixed(1)} s`, '< 60 s');
}
