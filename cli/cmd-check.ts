/**
 * scopecheck check: the property × semantics matrix, with shrunk counterexamples saved under
 * counterexamples/ and a replay command for each.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Option, type Command } from 'commander';
import { COUNTEREXAMPLE_FORMAT, type CounterexampleFile } from '../format/counterexample.js';
import { renderOutcomes } from '../format/render.js';
import { BUILTIN_SEMANTICS } from '../model/semantics/index.js';
import type { Semantics } from '../model/semantics/types.js';
import { checkCell, DEFAULT_RUNS, DEFAULT_SEED, type CellResult } from '../properties/check.js';
import { PROPERTIES, propertyByName, type PropertyDef } from '../properties/invariants.js';
import { InputError, writeFileAtomic } from './io.js';
import { errataOption, semanticsOption, type Io } from './main.js';
import { loadSemantics } from './semantics.js';

export const intOption = (flag: string, what: string, min = 0) =>
  new Option(flag, what).argParser((v: string) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new InputError(`${flag.split(' ')[0]}: "${v}" is not an integer >= ${min}`);
    return n;
  });

export function semanticsDirName(s: Semantics): string {
  return s.name.replace(/[^A-Za-z0-9._+=-]/g, '_');
}

export function counterexamplePath(dir: string, sem: Semantics, property: string): string {
  return join(dir, semanticsDirName(sem), `${property}.json`);
}

function verdictCell(r: CellResult): string {
  if (r.verdict === r.expected) return r.verdict === 'holds' ? 'holds' : 'violated*';
  return r.verdict === 'holds' ? 'HOLDS!' : 'VIOLATED!';
}

export interface CheckRun {
  seed: number;
  runs: number;
  cells: CellResult[];
}

export function registerCheck(program: Command, io: Io, setExit: (c: number) => void): void {
  program
    .command('check')
    .description('check every property under every semantics (the main job); exit 1 on any unexpected verdict')
    .addOption(semanticsOption(true))
    .addOption(new Option('-p, --property <name...>', `properties (default: all): ${PROPERTIES.map((p) => p.name).join(', ')}`))
    .addOption(intOption('-n, --runs <n>', `scenarios per property and semantics (default ${DEFAULT_RUNS})`, 1))
    .addOption(intOption('--seed <n>', `run seed (default ${DEFAULT_SEED})`))
    .addOption(intOption('--max-steps <n>', 'most generated actions per scenario (default 24)', 1))
    .addOption(errataOption())
    .option('--json', 'print one JSON object with every verdict')
    .option('--out <dir>', 'where counterexamples are saved', 'counterexamples')
    .option('--no-save', 'do not write counterexample files')
    .action(async (o: { semantics?: string[]; property?: string[]; runs?: number; seed?: number; maxSteps?: number; errata?: number; json?: boolean; out: string; save: boolean }) => {
      const seed = o.seed ?? DEFAULT_SEED;
      const runs = o.runs ?? DEFAULT_RUNS;
      const sems = o.semantics?.length ? await Promise.all(o.semantics.map((s) => loadSemantics(s, o.errata))) : BUILTIN_SEMANTICS.map((s) => (o.errata === undefined ? s : { ...s, name: `${s.name}+errata=${o.errata}`, errata: o.errata }));
      const props: PropertyDef[] = o.property?.length
        ? o.property.map((n) => propertyByName(n) ?? (() => { throw new InputError(`unknown property "${n}"; known: ${PROPERTIES.map((p) => p.name).join(', ')}`); })())
        : [...PROPERTIES];
      const total = sems.length * props.length;
      const cells: CellResult[] = [];
      const t0 = performance.now();
      let done = 0;
      for (const sem of sems)
        for (const p of props) {
          if (io.isTTY && !o.json) io.err(`\r[${++done}/${total}] ${sem.name} × ${p.name}`.padEnd(70).replace(/\n$/, ''));
          cells.push(checkCell(p, sem, { seed, runs, errata: o.errata, maxActions: o.maxSteps }));
        }
      const secs = (performance.now() - t0) / 1000;
      if (io.isTTY && !o.json) io.err(`\r${' '.repeat(70)}\r`);
      const argv = (extra: string) =>
        `scopecheck check --seed ${seed}${o.runs ? ` --runs ${runs}` : ''}${o.maxSteps ? ` --max-steps ${o.maxSteps}` : ''}${o.errata !== undefined ? ` --errata ${o.errata}` : ''}${extra}`;
      const saved = new Map<CellResult, string>();
      if (o.save)
        cells.forEach((c, i) => {
          if (!c.counterexample) return;
          const sem = sems[Math.floor(i / props.length)]!;
          const file = counterexamplePath(o.out, sem, c.property);
          const semArg = BUILTIN_SEMANTICS.some((b) => b.name === sem.name) ? sem.name : (o.semantics?.[Math.floor(i / props.length)] ?? sem.name);
          const body: CounterexampleFile = {
            format: COUNTEREXAMPLE_FORMAT,
            property: c.property,
            semantics: semArg,
            errata: o.errata ?? sem.errata,
            seed,
            cellSeed: c.cellSeed,
            runs: c.runs,
            expected: c.expected,
            extra: c.extra!,
            violation: { step: c.violation!.step, message: c.violation!.message },
            check: argv(` --semantics ${semArg} --property ${c.property}`),
            replay: `scopecheck replay ${file}`,
            scenario: { ...c.counterexample, name: `${c.property}-${semanticsDirName(sem)}` },
            results: c.outcomes!.map((x) => x.result),
          };
          const text = `${JSON.stringify(body, null, 2)}\n`;
          if (!existsSync(file) || readFileSync(file, 'utf8') !== text) writeFileAtomic(file, text);
          saved.set(c, file);
        });
      const unexpected = cells.filter((c) => c.verdict !== c.expected);
      if (o.json) {
        io.out(
          JSON.stringify({
            seed,
            results: cells.map((c) => ({
              property: c.property,
              semantics: c.semantics,
              verdict: c.verdict,
              expected: c.expected,
              counterexample: c.counterexample,
              runs: c.runs,
            })),
          }),
        );
      } else {
        io.out(`scopecheck check: seed ${seed}, up to ${runs} scenarios per cell, ${props.length} properties × ${sems.length} semantics`);
        io.out(`replay this run: ${argv('')}${o.semantics ? ` --semantics ${o.semantics.join(' ')}` : ''}${o.property ? ` --property ${o.property.join(' ')}` : ''}\n`);
        const w = Math.max(...props.map((p) => p.name.length)) + 2;
        const cw = sems.map((s) => Math.max(11, s.name.length + 2));
        io.out(`${'property'.padEnd(w)}${sems.map((s, si) => s.name.padEnd(cw[si]!)).join('')}`.trimEnd());
        props.forEach((p, pi) => {
          io.out(`${p.name.padEnd(w)}${sems.map((_, si) => verdictCell(cells[si * props.length + pi]!).padEnd(cw[si]!)).join('')}`.trimEnd());
        });
        io.out(`\nholds = no counterexample in the runs; violated* = violated as expected (a documented gap or limitation); VIOLATED! / HOLDS! = unexpected`);
        for (const c of cells) {
          if (!c.counterexample) continue;
          io.out(`\n── ${c.property} under ${c.semantics}: ${c.verdict === c.expected ? 'violated, as expected' : 'VIOLATED, unexpectedly'} (${c.counterexample.steps.length} steps, shrunk from ${c.foundSize}; found after ${c.runs} scenarios)`);
          io.out(`   ${c.violation!.message}`);
          io.out(renderOutcomes(c.counterexample, c.outcomes!));
          if (c.violation!.variant) io.out(`   compared with the variant: ${c.violation!.variant.label}`);
          const file = saved.get(c);
          if (file) io.out(`   saved: ${file}    replay: scopecheck replay ${file}`);
        }
        for (const c of unexpected.filter((x) => x.verdict === 'holds'))
          io.out(`\n── ${c.property} under ${c.semantics}: expected a violation, none found in ${c.runs} scenarios (try more --runs)`);
        io.out(`\n${cells.length} cells, ${cells.filter((c) => c.verdict === c.expected).length} as expected, ${unexpected.length} unexpected`);
      }
      const scen = cells.reduce((s, c) => s + c.runs, 0);
      io.err(`checked ${scen} scenarios in ${secs.toFixed(2)} s (${Math.round(scen / secs)} scenarios/s)`);
      if (unexpected.length) setExit(1);
    });
}

export { basename };
