/**
 * Units of work that can run anywhere (inline, in a worker thread, on another machine via
 * --shard) and always give the same result: a random-check cell, or an exhaustive unit.
 */
import { checkCell, type CellResult } from '../properties/check.js';
import { exploreUnit, type Bound, type UnitResult } from '../properties/exhaustive.js';
import { propertyByName } from '../properties/invariants.js';
import { loadSemantics } from './semantics.js';

export type Job =
  | { kind: 'cell'; property: string; semantics: string; errata?: number; seed: number; runs: number; maxActions?: number }
  | { kind: 'unit'; semantics: string; errata?: number; bound: Bound; unit: number; maxStates?: number; properties?: string[] };

export type JobResult = { kind: 'cell'; cell: CellResult } | { kind: 'unit'; unit: UnitResult };

export async function runJob(j: Job): Promise<JobResult> {
  const sem = await loadSemantics(j.semantics, j.errata);
  if (j.kind === 'cell')
    return { kind: 'cell', cell: checkCell(propertyByName(j.property)!, sem, { seed: j.seed, runs: j.runs, errata: j.errata, maxActions: j.maxActions }) };
  const properties = j.properties?.map((n) => propertyByName(n)!);
  return { kind: 'unit', unit: exploreUnit(sem, j.bound, j.unit, { errata: j.errata, maxStates: j.maxStates, properties }) };
}
