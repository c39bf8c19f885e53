/**
 * scopecheck record: runs scenarios on a real kernel (the live one, a Debian kernel under qemu, or
 * a kernel image the user built) and writes traces. Nothing is written unless every scenario ran.
 */
import type { Command } from 'commander';
import type { Scenario } from '../format/scenario.js';
import { tracesOf } from '../format/trace.js';
import { RECORDER } from '../kernel/replayer.js';
import { checkKernelImage, checkKernelVersion, failedOutcomes, runOnKernel, traceRowOf } from '../kernel/target.js';
import { MAX_TIMEOUT_MS } from '../ops/limits.js';
import { intOption } from './options.js';
import { checkOutput, InputError, writeFileAtomic } from './io.js';
import { progressFor } from './progress.js';
import type { Io } from './options.js';
import { corpusPathFor, CORPUS_EXT, readCorpus, readScenarioInputs, TRACESET_EXT, writeTraceset } from './store.js';

export function registerRecord(program: Command, io: Io, setExit: (c: number) => void): void {
  program
    .command('record')
    .description('run scenarios on a real kernel and write traces')
    .argument('<input...>', `scenario files, corpora (${CORPUS_EXT}) or directories of them`)
    .requiredOption('-o, --out <file>', `traces (.jsonl), or a trace set (${TRACESET_EXT}) for one corpus`)
    .option('--kernel <version>', 'boot this Debian kernel under qemu (6.12, 6.18, 7.0, 7.1, 7.2, 7.3) instead of the live kernel')
    .option('--kernel-image <bzImage>', 'boot this kernel image under qemu (a kernel you built)')
    .addOption(intOption('--timeout-ms <n>', `per-scenario time bound on the live kernel (default 2000, at most ${MAX_TIMEOUT_MS})`, 1, MAX_TIMEOUT_MS))
    .action(async (inputs: string[], o: { out: string; kernel?: string; kernelImage?: string; timeoutMs?: number }) => {
      checkOutput(o.out, '--out');
      const asSet = o.out.endsWith(TRACESET_EXT);
      if (!asSet && !o.out.endsWith('.jsonl')) throw new InputError(`--out: ${o.out}: must end in .jsonl or ${TRACESET_EXT}`);
      if (o.kernel && o.kernelImage) throw new InputError('--kernel and --kernel-image exclude each other');
      if (o.kernel !== undefined) checkKernelVersion(o.kernel);
      if (o.kernelImage !== undefined) checkKernelImage(o.kernelImage);
      let scenarios: Scenario[];
      let corpusFile = '';
      let corpusSha = '';
      if (asSet) {
        if (inputs.length !== 1 || !inputs[0]!.endsWith(CORPUS_EXT)) throw new InputError(`a trace set (${TRACESET_EXT}) records exactly one corpus (${CORPUS_EXT})`);
        corpusFile = inputs[0]!;
        corpusPathFor(o.out, corpusFile);
        const c = readCorpus(corpusFile);
        scenarios = c.corpus.scenarios;
        corpusSha = c.sha;
      } else scenarios = readScenarioInputs(inputs).map((x) => x.scenario);
      const t0 = performance.now();
      const bar = progressFor(io);
      bar.start(scenarios.length, 'scenarios');
      bar.worker(0, o.kernel ? `Debian ${o.kernel} under qemu (one boot)` : o.kernelImage ? `${o.kernelImage} under qemu (one boot)` : 'the live kernel');
      let r;
      try {
        r = await runOnKernel(scenarios, { kernel: o.kernel, kernelImage: o.kernelImage, timeoutMs: o.timeoutMs, onProgress: (d) => bar.update(d) });
      } finally {
        bar.stop();
      }
      const secs = (performance.now() - t0) / 1000;
      const failed = failedOutcomes(r.outcomes);
      if (failed.length) {
        io.err(`scopecheck record: ${failed.length} scenario(s) did not complete; nothing written:\n  ${failed.slice(0, 10).join('\n  ')}`);
        setExit(1);
        return;
      }
      const rows = r.outcomes.map((x, i) => traceRowOf(scenarios[i]!, x));
      if (asSet) writeTraceset(o.out, corpusFile, corpusSha, r.kernel, RECORDER, rows);
      else {
        const traces = tracesOf(scenarios, r.kernel, RECORDER, rows);
        writeFileAtomic(o.out, traces.map((t) => JSON.stringify(t)).join('\n') + '\n');
      }
      const withAudit = rows.filter((x) => x.audit).length;
      const nrec = rows.reduce((a, x) => a + (x.audit ?? []).reduce((b, st) => b + st.length, 0), 0);
      io.out(
        withAudit
          ? `audit records: ${nrec} collected (${rows.reduce((a, x) => a + (x.audit_freed ?? []).length, 0)} deallocations) in ${withAudit} scenario(s)`
          : 'audit records: not collected — the replayer owns the audit socket only as PID 1 of a VM (--kernel V); here it records results only',
      );
      io.out(
        `recorded ${scenarios.length} scenario(s) on ${r.kernel.release} (Landlock ABI ${r.kernel.abi}, errata ${r.kernel.errata}) in ${secs.toFixed(2)} s${r.bootSeconds !== undefined ? ` (boot ${r.bootSeconds.toFixed(1)} s)` : ''} → ${o.out}`,
      );
    });
}
