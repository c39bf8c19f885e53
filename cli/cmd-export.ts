/**
 * scopecheck export <file> --as FORMAT: a scenario (or a counterexample's, or a trace's) as a
 * standalone C program, a kselftest, shell steps, a mermaid flowchart or an SVG diagram.
 */
import { Option, type Command } from 'commander';
import { COUNTEREXAMPLE_FORMAT, parseCounterexample } from '../format/counterexample.js';
import { readOpsHeader } from '../kernel/build-replayer.js';
import { EXPORT_FORMATS, exportScenario, isExportFormat, type ExportInput } from '../format/export/index.js';
import { parseScenario, type Scenario } from '../format/scenario.js';
import { evaluate } from '../ops/engine.js';
import { DEFAULT_SEMANTICS } from '../model/semantics/index.js';
import type { Semantics } from '../model/semantics/types.js';
import { semanticsForKernel } from '../oracle/diff.js';
import { checkOutput, InputError, readText, readTraceFile, writeFileAtomic } from './io.js';
import { parseJson } from '../format/json.js';
import { errataOption, semanticsOption, type Io } from './options.js';
import { loadNamedSemantics, loadSemantics } from './semantics.js';

export interface ExportSource {
  scenario: Scenario;
  semantics: Semantics;
}

/**
 * Reads a scenario file (.json), a counterexample (scopecheck-counterexample/1) or a trace
 * (.jsonl: its first line) and resolves the semantics: the given one, else the counterexample's
 * (with its errata), else the trace kernel's ABI and errata, else the default.
 */
export async function loadExportSource(file: string, semantics?: string, errata?: number): Promise<ExportSource> {
  const given = semantics === undefined ? undefined : await loadSemantics(semantics, errata);
  if (file.endsWith('.jsonl')) {
    const traces = readTraceFile(file);
    const t = traces[0];
    if (!t) throw new InputError(`${file}: no trace in the file`);
    return { scenario: t.scenario, semantics: semanticsForKernel(t.kernel, given, errata) };
  }
  const j = parseJson(readText(file));
  if (!j.ok) throw new InputError(`${file}: ${j.why}`);
  const raw = j.value;
  // parseCounterexample / parseScenario: InputErrors naming the file, the step and the field
  if ((raw as { format?: unknown } | null)?.format === COUNTEREXAMPLE_FORMAT) {
    const ce = parseCounterexample(raw, file);
    return { scenario: ce.scenario, semantics: given ?? (await loadNamedSemantics(ce.semantics, file, [], errata ?? ce.errata)) };
  }
  return { scenario: parseScenario(raw, file), semantics: given ?? (await loadSemantics(DEFAULT_SEMANTICS, errata)) };
}

export function registerExport(program: Command, io: Io): void {
  program
    .command('export')
    .description(
      'export a scenario as a C program that runs it on this kernel, a kselftest, shell steps, a mermaid flowchart or an SVG diagram; ' +
        `results are the model's under --semantics (default: a counterexample's own, a trace kernel's ABI, else ${DEFAULT_SEMANTICS})`,
    )
    .argument('<file>', 'a scenario (.json), a counterexample (.json) or a trace (.jsonl, first line)')
    .addOption(
      new Option('--as <format>', `output format: ${Object.keys(EXPORT_FORMATS).join(', ')}`).makeOptionMandatory(),
    )
    .addOption(semanticsOption(false))
    .addOption(errataOption())
    .option('-o, --out <file>', 'write to a file (atomically) instead of stdout')
    .action(async (file: string, o: { as: string; semantics?: string; errata?: number; out?: string }) => {
      if (o.out) checkOutput(o.out, '--out');
      if (!isExportFormat(o.as))
        throw new InputError(`--as: unknown format "${o.as}"; known: ${Object.keys(EXPORT_FORMATS).join(', ')}`);
      const src = await loadExportSource(file, o.semantics, o.errata);
      const outcomes = evaluate(src.scenario, src.semantics);
      const input: ExportInput = {
        scenario: src.scenario,
        outcomes,
        semantics: src.semantics.name,
        errata: src.semantics.errata,
        source: file,
        ...(o.as === 'c' ? { opsHeader: readOpsHeader() } : {}),
      };
      const text = exportScenario(o.as, input);
      const body = text.endsWith('\n') ? text : `${text}\n`;
      if (o.out) writeFileAtomic(o.out, body, '--out');
      else io.out(body);
    });
}
