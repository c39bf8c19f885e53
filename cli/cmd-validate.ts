/**
 * scopecheck validate: a proposed patch checked against its intended semantics in one command.
 *
 *   1. the kernel: built from --source (cached by the tree's content), or --kernel-image, or --live;
 *   2. the tests corpus and a random corpus generated for the proposal's own uAPI, recorded on it
 *      (one boot) and diffed against the proposal; each disagreement shrunk on the kernel;
 *   3. differential fuzzing for a time budget;
 *   4. `compare BASE proposal`: what the proposal changes;
 *   5. `check` under the base and the proposal: which property verdicts change;
 *   6. one report: the terminal, --json, --html; every disagreement exported as C and as a
 *      kselftest under --out. Exit 1 when the kernel disagrees with the intended semantics.
 */
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { InputError } from '../common/errors.js';
import { exportC, exportKselftest } from '../format/export/index.js';
import { renderOutcomes } from '../format/render.js';
import type { Scenario } from '../format/scenario.js';
import type { KernelInfo } from '../format/trace.js';
import { buildKernelCached } from '../kernel/build-kernel.js';
import { readOpsHeader, repoRoot } from '../kernel/build-replayer.js';
import { checkKernelImage, failedOutcomes, runOnKernel, type KernelTarget } from '../kernel/target.js';
import { differs, fuzz, shrinkOnKernel, type FuzzFinding } from '../oracle/fuzz.js';
import { evaluate } from '../ops/engine.js';
import { buildScenario, profilesOf, sampleInputs } from '../properties/arbitrary.js';
import { checkCell, DEFAULT_SEED } from '../properties/check.js';
import { compareSemantics } from '../properties/compare.js';
import { PROPERTIES } from '../properties/invariants.js';
import { scenarioShrinker } from '../properties/shrink.js';
import { checkOutput, writeFileAtomic } from './io.js';
import { intOption, type Io } from './options.js';
import { progressFor } from './progress.js';
import { loadSemantics } from './semantics.js';
import { readCorpus } from './store.js';

/** The tests corpus (every scenario file of scenarios/), shipped with the package. */
const testsCorpus = () => join(repoRoot(), 'traces', 'corpus', 'tests.corpus.jsonl.gz');

interface Disagreement {
  source: 'tests corpus' | 'random corpus' | 'fuzz';
  original: number;
  scenario: Scenario;
  kernel: string[];
  model: string[];
  steps: number[];
  files: string[];
}


export function registerValidate(program: Command, io: Io, setExit: (c: number) => void): void {
  program
    .command('validate')
    .description('check a patched kernel against the semantics it intends: record, diff, fuzz, compare with a base, check; one report; exit 1 when the kernel disagrees')
    .requiredOption('-s, --semantics <module>', 'the intended semantics of the patch (a module, or a built-in name)')
    .option('--source <tree>', 'the patched Linux tree: built with `kernel build` (cached by the tree\'s content)')
    .option('--kernel-image <bzImage>', 'a kernel image already built')
    .option('--live', 'the running kernel (for a patch you booted)')
    .option('--base <semantics>', 'what the proposal is compared with', 'abi11')
    .addOption(intOption('--seed <n>', `seed of the random corpus, the fuzzing and the checks (default ${DEFAULT_SEED})`))
    .addOption(intOption('--random <n>', 'random scenarios recorded for the proposal\'s uAPI (default 2000)', 0, 100_000))
    .addOption(intOption('--fuzz-seconds <n>', 'time budget of the differential fuzzing (default 60; 0: none)', 0, 86_400))
    .addOption(intOption('--runs <n>', 'scenarios per property in the checks (default 2000)', 1, 1_000_000))
    .addOption(intOption('--max-shrink <n>', 'disagreements to shrink on the kernel and export (default 5)', 0, 100))
    .option('--out <dir>', 'where the disagreements are written (as C programs and kselftests)', 'validate-out')
    .option('--json', 'print one JSON object')
    .addOption(new Option('--html <file>', 'also write the report as a self-contained HTML page'))
    .action(async (o: { semantics: string; source?: string; kernelImage?: string; live?: boolean; base: string; seed?: number; random?: number; fuzzSeconds?: number; runs?: number; maxShrink?: number; out: string; json?: boolean; html?: string }) => {
      const targets = [o.source, o.kernelImage, o.live].filter(Boolean).length;
      if (targets !== 1) throw new InputError('say which kernel: --source <tree>, --kernel-image <bzImage> or --live');
      if (o.kernelImage) checkKernelImage(o.kernelImage);
      if (o.html) checkOutput(o.html, '--html');
      const proposal = await loadSemantics(o.semantics);
      const base = await loadSemantics(o.base);
      const seed = o.seed ?? DEFAULT_SEED;
      const log = (s: string) => void (o.json ? undefined : io.err(s));
      const t0 = performance.now();
      const phase: Record<string, number> = {};
      const timed = async <T>(name: string, f: () => Promise<T> | T): Promise<T> => {
        const t = performance.now();
        const r = await f();
        phase[name] = (performance.now() - t) / 1000;
        return r;
      };

      // 1. The kernel.
      let image = o.kernelImage;
      if (o.source) {
        const src = o.source;
        const b = await timed('build', () => buildKernelCached({ source: src, log }));
        image = b.image;
        log(`kernel: ${b.cached ? 'the build of this tree content is cached' : 'built'}: ${image}`);
      }
      const target: KernelTarget = image ? { kernelImage: image } : {};
      const run = async (batch: Scenario[]) => {
        const r = await runOnKernel(batch, target);
        return { kernel: r.kernel, results: r.outcomes.map((x) => (x.error ? null : x.results)) };
      };

      // 2. Record the tests corpus and a random corpus of the proposal's uAPI, in one run; diff.
      const tests = readCorpus(testsCorpus()).corpus.scenarios;
      const random = sampleInputs(o.random ?? 2000, seed).map((g) => buildScenario(g.actions, profilesOf(proposal)));
      const all = [...tests, ...random];
      const bar = progressFor(io, Boolean(o.json));
      bar.start(all.length, 'scenarios');
      bar.worker(0, `recording on ${image ?? 'the live kernel'}`);
      let rec;
      try {
        rec = await timed('record', () => runOnKernel(all, { ...target, onProgress: (d) => bar.update(d) }));
      } finally {
        bar.stop();
      }
      const failed = failedOutcomes(rec.outcomes);
      if (failed.length) throw new InputError(`${failed.length} scenario(s) did not complete on the kernel: ${failed[0]}`);
      const kernel: KernelInfo = rec.kernel;
      const found: Disagreement[] = [];
      all.forEach((s, i) => {
        const kr = rec.outcomes[i]!.results;
        const mr = evaluate(s, proposal).map((x) => x.result);
        if (differs(kr, mr)) found.push({ source: i < tests.length ? 'tests corpus' : 'random corpus', original: s.steps.length, scenario: s, kernel: kr, model: mr, steps: mr.flatMap((x, j) => (x !== kr[j] ? [j] : [])), files: [] });
      });
      const diffed = found.length;
      // Shrink the first few on the kernel itself (each round: one replayer run, or one boot).
      const shrinkN = o.maxShrink ?? 5;
      await timed('shrink', async () => {
        for (const d of found.slice(0, shrinkN)) {
          const model = (s: Scenario) => evaluate(s, proposal).map((x) => x.result);
          const { result: shrunk, kernelResults } = await shrinkOnKernel(scenarioShrinker(d.scenario), (x) => x, { scenario: d.scenario, kernelResults: d.kernel }, run, (s, row) => differs(row.results, model(s)));
          d.scenario = shrunk;
          d.kernel = kernelResults;
          d.model = model(shrunk);
          d.steps = d.model.flatMap((x, j) => (x !== d.kernel[j] ? [j] : []));
        }
      });

      // 3. Fuzz for the time budget: rounds of 1,000 scenarios until it runs out.
      const budget = (o.fuzzSeconds ?? 60) * 1000;
      let fuzzed = 0;
      let fuzzDisagreeing = 0;
      const fuzzFindings: FuzzFinding[] = [];
      await timed('fuzz', async () => {
        const start = performance.now();
        for (let round = 0; budget > 0 && performance.now() - start < budget; round++) {
          const rep = await fuzz({ seed: seed + 1 + round, runs: 1000, batch: 1000, maxShrink: Math.max(0, shrinkN - fuzzFindings.length), profiles: profilesOf(proposal), semantics: proposal }, run);
          fuzzed += rep.scenarios;
          fuzzDisagreeing += rep.disagreeing;
          fuzzFindings.push(...rep.findings);
        }
      });
      for (const f of fuzzFindings) found.push({ source: 'fuzz', original: f.original.steps.length, scenario: f.scenario, kernel: f.kernelResults, model: f.modelResults, steps: f.steps, files: [] });

      // Every shrunk disagreement as a C program and a kselftest.
      found.forEach((d, i) => {
        if (i >= shrinkN && d.source !== 'fuzz') return;
        const name = `disagreement-${i}`;
        const input = { scenario: { ...d.scenario, name }, outcomes: evaluate(d.scenario, proposal), semantics: proposal.name, errata: proposal.errata, opsHeader: readOpsHeader() };
        for (const [ext, text] of [['c', exportC(input)], ['kselftest.c', exportKselftest(input)]] as const) {
          const file = join(o.out, `${name}.${ext}`);
          writeFileAtomic(file, text, '--out');
          d.files.push(file);
        }
      });

      // 4. What the proposal changes relative to the base.
      const cmp = await timed('compare', () => compareSemantics(base, proposal, { seed, runs: 20000 }));
      // 5. Which property verdicts change.
      const runs = o.runs ?? 2000;
      const verdicts = await timed('check', () =>
        PROPERTIES.map((p) => {
          const vb = checkCell(p, base, { seed, runs });
          const vp = checkCell(p, proposal, { seed, runs });
          return { property: p.name, base: vb.verdict, proposal: vp.verdict, expected: vp.expected };
        }),
      );
      const seconds = (performance.now() - t0) / 1000;

      const summary = {
        kernel,
        semantics: proposal.name,
        base: base.name,
        recorded: { tests: tests.length, random: random.length, disagreeing: diffed },
        fuzz: { scenarios: fuzzed, disagreeing: fuzzDisagreeing, seconds: phase.fuzz ?? 0 },
        disagreements: found.map((d) => ({ source: d.source, scenario: d.scenario, kernel: d.kernel, model: d.model, steps: d.steps, shrunkFrom: d.original, files: d.files })),
        changes: cmp.classes.map((c) => ({ class: c.class, count: c.count, example: c.example })),
        properties: verdicts,
        seconds: { ...phase, total: seconds },
      };
      const agree = diffed === 0 && fuzzDisagreeing === 0;
      if (o.json) io.out(JSON.stringify(summary));
      else {
        io.out(`scopecheck validate: ${proposal.name} against kernel ${kernel.release} (Landlock ABI ${kernel.abi}, errata ${kernel.errata}); base ${base.name}; seed ${seed}`);
        io.out(`replay: scopecheck validate --semantics ${o.semantics} ${o.source ? `--source ${o.source}` : o.kernelImage ? `--kernel-image ${o.kernelImage}` : '--live'} --base ${o.base} --seed ${seed}`);
        io.out(`\nkernel vs ${proposal.name}: ${agree ? 'AGREE' : 'DISAGREE'}`);
        io.out(`  recorded ${tests.length} test scenarios and ${random.length} random ones for the proposal's uAPI: ${diffed} disagree`);
        io.out(`  fuzzed ${fuzzed} scenarios in ${(phase.fuzz ?? 0).toFixed(1)} s: ${fuzzDisagreeing} disagree`);
        const shown = found.filter((d, i) => i < shrinkN || d.source === 'fuzz');
        for (const d of shown) {
          const i = found.indexOf(d);
          io.out(`\n── disagreement ${i} (${d.source}; ${d.scenario.steps.length} steps, shrunk from ${d.original}): steps ${d.steps.map((x) => `#${x}`).join(', ')}`);
          io.out(renderOutcomes(d.scenario, evaluate(d.scenario, proposal), { other: { label: 'kernel', results: d.kernel } }));
          if (d.files.length) io.out(`   as C and as a kselftest: ${d.files.join(', ')}`);
        }
        if (found.length > shown.length) io.out(`\n… and ${found.length - shown.length} more disagreeing corpus scenarios, not shrunk (--max-shrink; all of them in --json)`);
        io.out(`\nwhat ${proposal.name} changes relative to ${base.name}: ${cmp.classes.length} class(es)`);
        for (const c of cmp.classes) io.out(`  ${c.class}   (${c.count} scenario(s); smallest ${c.example.steps.length} steps)`);
        const changed = verdicts.filter((v) => v.base !== v.proposal);
        io.out(`\nproperty verdicts that change (${runs} scenarios each, seed ${seed}): ${changed.length ? '' : 'none'}`);
        for (const v of changed) io.out(`  ${v.property}: ${base.name} ${v.base}, ${proposal.name} ${v.proposal} (expected ${v.expected})`);
        for (const v of verdicts.filter((x) => x.proposal !== x.expected)) io.out(`  ${v.property} under ${proposal.name}: ${v.proposal.toUpperCase()}!, expected ${v.expected}`);
        io.out(`\ntime: ${Object.entries(phase).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')}; total ${seconds.toFixed(1)} s`);
      }
      if (o.html) writeFileAtomic(o.html, htmlOf(summary), '--html');
      if (!agree) setExit(1);
    });
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A self-contained page of the report. */
function htmlOf(s: { kernel: KernelInfo; semantics: string; base: string; recorded: { tests: number; random: number; disagreeing: number }; fuzz: { scenarios: number; disagreeing: number }; disagreements: { source: string; scenario: Scenario; kernel: string[]; model: string[]; steps: number[] }[]; changes: { class: string; count: number }[]; properties: { property: string; base: string; proposal: string; expected: string }[] }): string {
  const rows = (xs: string[][]) => xs.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('');
  const agree = s.recorded.disagreeing === 0 && s.fuzz.disagreeing === 0;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>scopecheck validate: ${esc(s.semantics)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:24px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.bad{color:#9b1111}.good{color:#1d5e1d}pre{background:#f5f5f5;padding:8px}</style></head><body>
<h1>scopecheck validate: ${esc(s.semantics)} against ${esc(s.kernel.release)}</h1>
<p class="${agree ? 'good' : 'bad'}">kernel vs intended semantics: <b>${agree ? 'agree' : 'DISAGREE'}</b> — recorded ${s.recorded.tests} + ${s.recorded.random} scenarios (${s.recorded.disagreeing} disagree); fuzzed ${s.fuzz.scenarios} (${s.fuzz.disagreeing} disagree)</p>
<h2>Disagreements (${s.disagreements.length})</h2>
${s.disagreements.map((d, i) => `<h3>${i}: ${esc(d.source)}, steps ${d.steps.join(', ')}</h3><table><tr><th>#</th><th>step</th><th>kernel</th><th>model</th></tr>${rows(d.scenario.steps.map((st, j) => [String(j), JSON.stringify(st), d.kernel[j] ?? '?', d.model[j] ?? '?']))}</table>`).join('\n')}
<h2>What ${esc(s.semantics)} changes relative to ${esc(s.base)}</h2>
<table><tr><th>class</th><th>scenarios</th></tr>${rows(s.changes.map((c) => [c.class, String(c.count)]))}</table>
<h2>Property verdicts</h2>
<table><tr><th>property</th><th>${esc(s.base)}</th><th>${esc(s.semantics)}</th><th>expected</th></tr>${rows(s.properties.map((p) => [p.property, p.base, p.proposal, p.expected]))}</table>
</body></html>
`;
}
