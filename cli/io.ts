/**
 * File I/O at the edge: reading scenario and trace files, writing files atomically.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { parseScenarioText, type Scenario } from '../format/scenario.js';
import { parseTraceLines, type Trace } from '../format/trace.js';
import { InputError } from '../common/errors.js';

export { InputError } from '../common/errors.js';

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Files named on the command line, directories expanded (recursively, sorted) to files with `ext`. */
export function expandFiles(args: readonly string[], exts: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string, top: boolean) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new InputError(`${p}: no such file or directory`);
    }
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) {
        if (e.startsWith('.')) continue;
        walk(join(p, e), false);
      }
    } else if (top || exts.some((x) => p.endsWith(x))) out.push(p);
  };
  for (const a of args) walk(a, true);
  return out;
}

export interface LoadedScenario {
  file: string;
  scenario: Scenario;
}

export function readScenarioFile(file: string): Scenario {
  return parseScenarioText(readText(file), file);
}

export function readScenarios(args: readonly string[]): LoadedScenario[] {
  return expandFiles(args, ['.json']).map((file) => ({ file, scenario: readScenarioFile(file) }));
}

export function readTraceFile(file: string): Trace[] {
  return parseTraceLines(readText(file), file);
}

/** Writes a file atomically: a temporary file in the same directory, then rename. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  mkdirSync(dirname(file) || '.', { recursive: true });
  const tmp = join(dirname(file) || '.', `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
