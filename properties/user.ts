/**
 * Properties that users write (`check --property ./mine.ts`): the same PropertyDef as the built-ins
 * (properties/invariants.ts), with friendlier optional fields. A user property states an
 * invariant of one evaluated scenario (kind "state-local": decided by one step's outcome, checked
 * by random, exhaustive and simulation modes) or of a scenario and a variant of it ("metamorphic":
 * random mode). Pure: validation only; loading is the CLI's.
 */
import type { Semantics, Verdict } from '../model/hooks.js';
import { PROPERTIES, type CheckInput, type PropertyDef, type Violation } from './invariants.js';

export interface UserProperty {
  name: string;
  statement: string;
  /** Default "state-local". */
  kind?: 'state-local' | 'metamorphic';
  /** Model evaluations per scenario (default 1; 2 for a metamorphic property that evaluates a variant). */
  cost?: number;
  /** The expected verdict: one for every semantics, one per semantics name (others: "holds"), or a function (default "holds"). */
  expect?: Verdict | Readonly<Record<string, Verdict>> | ((sem: Semantics, errata: number) => Verdict);
  check: (input: CheckInput) => Violation | null;
}

const NAME = /^[a-z][a-z0-9-]{0,63}$/;

/** Why `x` is not a property, or null. */
export function propertyProblems(x: unknown): string | null {
  const p = x as Partial<UserProperty> | undefined;
  if (!p || typeof p !== 'object') return 'not an object';
  const problems: string[] = [];
  if (typeof p.name !== 'string' || !NAME.test(p.name)) problems.push('name must match ^[a-z][a-z0-9-]{0,63}$');
  else if (PROPERTIES.some((b) => b.name === p.name)) problems.push(`name "${p.name}" is a built-in property's`);
  if (typeof p.statement !== 'string' || !p.statement) problems.push('statement must be a non-empty string');
  if (typeof p.check !== 'function') problems.push('check must be a function');
  if (p.kind !== undefined && p.kind !== 'state-local' && p.kind !== 'metamorphic') problems.push('kind must be "state-local" or "metamorphic"');
  if (p.cost !== undefined && !(typeof p.cost === 'number' && p.cost > 0)) problems.push('cost must be a positive number');
  const e = p.expect;
  if (e !== undefined && e !== 'holds' && e !== 'violated' && typeof e !== 'function' && !(typeof e === 'object' && e && Object.values(e).every((v) => v === 'holds' || v === 'violated')))
    problems.push('expect must be "holds", "violated", a function, or an object of them by semantics name');
  return problems.length ? problems.join('; ') : null;
}

/** A valid user property as a PropertyDef. */
export function toPropertyDef(p: UserProperty): PropertyDef {
  const e = p.expect ?? 'holds';
  const expect = typeof e === 'function' ? e : typeof e === 'string' ? () => e : (sem: Semantics) => e[sem.name] ?? 'holds';
  return { name: p.name, statement: p.statement, kind: p.kind ?? 'state-local', cost: p.cost ?? (p.kind === 'metamorphic' ? 2 : 1), expect, check: p.check };
}
