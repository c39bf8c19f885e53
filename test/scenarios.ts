/**
 * Test helper: the scenario corpus under scenarios/, with the semantics each group's
 * "expect" fields hold under (test/scenario-groups.json).
 */
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseScenarioText, type Scenario } from '../format/scenario.js';
import { BUILTIN_SEMANTICS } from '../model/semantics/index.js';

export const SCENARIO_ROOT = join(import.meta.dirname, '..', 'scenarios');

export interface CorpusEntry {
  file: string;
  group: string;
  scenario: Scenario;
  semantics: string[];
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((e) => {
      const p = join(dir, e);
      return statSync(p).isDirectory() ? walk(p) : p.endsWith('.json') ? [p] : [];
    });
}

export function loadCorpus(): CorpusEntry[] {
  const index = JSON.parse(readFileSync(join(import.meta.dirname, 'scenario-groups.json'), 'utf8')) as {
    groups: { dir: string; semantics: string[] }[];
  };
  const all = BUILTIN_SEMANTICS.map((s) => s.name);
  return index.groups.flatMap((g) =>
    walk(join(SCENARIO_ROOT, g.dir)).map((file) => ({
      file: relative(SCENARIO_ROOT, file),
      group: g.dir,
      scenario: parseScenarioText(readFileSync(file, 'utf8'), file),
      semantics: g.semantics.includes('*') ? all : g.semantics,
    })),
  );
}
