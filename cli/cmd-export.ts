/**
 * scopecheck export <file> --as FORMAT: a scenario (or a counterexample's, or a trace's) as a
 * standalone C program, a kselftest, shell steps, a mermaid flowchart, a Graphviz graph or an SVG
 * diagram laid out by Graphviz.
 */
import { Option, type Command } from 'commander';
import { COUNTEREXAMPLE_FORMAT, parseCounterexample } from '../format/counterexample.js';
import { readOpsHeader } from '../kernel/build-replayer.js';
import { EXPORT_FORMATS, exportScenario, isExportFormat, type ExportInput, type Layout } from '../format/export/index.js';
import { parseScenario, type Scenario } from '../format/scenario.js';
import { evaluate } from '../ops/engine.js';
import { DEFAULT_SEMANTICS } from '../model/semantics/index.js';
import type { Semantics } from '../model/semantics/types.js';
import { semanticsForKernel } from '../oracle/diff.js';
import { checkOutput, InputError, readText, readTraceFile, writeFileAtomic } from './io.js';
import { parseJson } from '../format/json.js';
import { errataOption, semanticsOption, type Io } from './options.js';
import { loadNamedSemantics, loadSemantics } from './semantics.js';
// export --as kselftest -o DIR/: many scenarios, one *_test.c
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { exportKselftestFile } from '../format/export/kselftest-file.js';
import { expandSome } from './io.js';

let graphviz: Promise<Layout> | undefined;

/**
 * The layout engine of the SVG export and the HTML report's diagrams: Graphviz's dot, loaded once
 * (asynchronously, on first use) from node_modules, no network.
 */
export function loadLayout(): Promise<Layout> {
  // @viz-js/viz: maintained (monthly releases, Graphviz 16), MIT, no dependencies, its WebAssembly inlined in one ES module (no fetch: works offline, Node 20).
  graphviz ??= import('@viz-js/viz').then(async ({ instance }) => {
    const viz = await instance();
    return (dot: string) => viz.renderString(dot, { format: 'svg', engine: 'dot' });
  });
  return graphviz;
}

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
      'export a scenario as a C program that runs it on this kernel, a kselftest, shell steps, a mermaid flowchart, a Graphviz (DOT) graph or an SVG diagram laid out by Graphviz; ' +
        `results are the model's under --semantics (default: a counterexample's own, a trace kernel's ABI, else ${DEFAULT_SEMANTICS})`,
    )
    .argument('<file...>', 'a scenario (.json), a counterexample (.json) or a trace (.jsonl, first line); with --as kselftest -o DIR/, many files and directories of them')
    .addOption(
      new Option('--as <format>', `output format: ${Object.keys(EXPORT_FORMATS).join(', ')}`).makeOptionMandatory(),
    )
    .addOption(semanticsOption(false))
    .addOption(errataOption())
    .option('-o, --out <file>', 'write to a file (atomically) instead of stdout')
    .action(async (files: string[], o: { as: string; semantics?: string; errata?: number; out?: string }) => {
      if (o.as === 'kselftest' && o.out && isDirectoryOut(o.out)) return exportKselftestDir(files, o.out, o, io);
      if (files.length !== 1) throw new InputError(`export: give one file (many only with --as kselftest -o DIR/), got ${files.length}`);
      const file = files[0]!;
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
        ...(o.as === 'svg' ? { layout: await loadLayout() } : {}),
      };
      const as = o.as;
      const text = withFile(file, () => exportScenario(as, input));
      const body = text.endsWith('\n') ? text : `${text}\n`;
      if (o.out) writeFileAtomic(o.out, body, '--out');
      else io.out(body);
    });
}

// ------------------------------------------------------------------------------------------
// export --as kselftest -o DIR/

/** An exporter's refusal (an op it cannot translate) names the file. */
function withFile<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof InputError && !e.message.startsWith(file)) throw new InputError(`${file}: ${e.message}`);
    throw e;
  }
}

/** KSELFTEST_FILE: the name of the test file `export --as kselftest -o DIR/` writes. */
export const KSELFTEST_FILE = 'scoped_scopecheck_test.c';

/** Whether -o names a directory: an existing one, or a path ending with "/". */
function isDirectoryOut(out: string): boolean {
  if (out.endsWith('/')) return true;
  try {
    return statSync(out).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Many scenarios, counterexamples or traces (directories expanded to their .json files) as one
 * test file for tools/testing/selftests/landlock/: scenarios of one shape grouped as
 * FIXTURE_VARIANTs (format/export/kselftest-file.ts). Writes DIR/scoped_scopecheck_test.c and
 * prints what it holds and how to build it.
 */
async function exportKselftestDir(args: string[], dir: string, o: { semantics?: string; errata?: number }, io: Io): Promise<void> {
  const files = expandSome(args, ['.json', '.jsonl'], 'scenario, counterexample or trace files');
  const inputs: ExportInput[] = [];
  for (const file of files) {
    const src = await loadExportSource(file, o.semantics, o.errata);
    inputs.push({ scenario: src.scenario, outcomes: evaluate(src.scenario, src.semantics), semantics: src.semantics.name, errata: src.semantics.errata, source: file });
  }
  for (const i of inputs) withFile(i.source!, () => exportKselftestFile([i]));
  const f = exportKselftestFile(inputs);
  const out = join(dir, KSELFTEST_FILE);
  writeFileAtomic(out, f.text, '--out');
  const fixtures = f.groups.filter((g) => g.fixture);
  io.out(
    `${out}: ${inputs.length} scenario(s) as ${fixtures.length} fixture(s) with ${fixtures.reduce((n, g) => n + g.members.length, 0)} variant(s) ` +
      `and ${f.groups.length - fixtures.length} single test(s)\n` +
      `${f.groups.map((g) => `  ${g.fixture ? `FIXTURE ${g.fixture}: ${g.members.map((m) => m.variant).join(', ')}` : `TEST ${g.test}`}\n`).join('')}` +
      'To build and run it in a kernel tree (tools/testing/selftests/landlock/Makefile builds every *_test.c, with -lcap -lpthread):\n' +
      `  cp ${out} tools/testing/selftests/landlock/\n` +
      '  make headers && make -C tools/testing/selftests/landlock\n' +
      `  sudo tools/testing/selftests/landlock/${KSELFTEST_FILE.replace(/\.c$/, '')}\n`,
  );
}
