/**
 * Counterexample files (scopecheck-counterexample/1): a shrunk scenario that violates a property
 * under a semantics, with everything needed to replay it.
 */
import { z } from 'zod';
import { InputError } from '../common/errors.js';
import { result } from '../ops/fields.js';
import { MAX_STEPS } from '../ops/limits.js';
import { parseScenario, type Scenario } from './scenario.js';

export const COUNTEREXAMPLE_FORMAT = 'scopecheck-counterexample/1';

const verdict = z.enum(['holds', 'violated']);

export const counterexampleSchema = z.strictObject({
  format: z.literal(COUNTEREXAMPLE_FORMAT),
  property: z.string().min(1),
  semantics: z.string().min(1),
  errata: z.number().int().min(0),
  seed: z.number().int(),
  cellSeed: z.number().int(),
  runs: z.number().int().min(0),
  expected: verdict,
  extra: z.strictObject({ pos: z.number().int().min(0), who: z.number().int().min(0), profile: z.number().int().min(0), pick: z.number().int().min(0) }),
  violation: z.strictObject({ step: z.number().int().min(0), message: z.string() }),
  check: z.string(),
  replay: z.string(),
  scenario: z.unknown(),
  results: z.array(result).max(MAX_STEPS),
});

export type CounterexampleFile = Omit<z.infer<typeof counterexampleSchema>, 'scenario'> & { scenario: Scenario };

export function parseCounterexample(raw: unknown, file: string): CounterexampleFile {
  const r = counterexampleSchema.safeParse(raw);
  if (!r.success) {
    const [i, ...more] = r.error.issues;
    throw new InputError(`${file}: ${i!.path.join('.') || '(file)'}: ${i!.message}${more.length ? ` (and ${more.length} more problem${more.length > 1 ? 's' : ''})` : ''}`);
  }
  return { ...r.data, scenario: parseScenario(r.data.scenario, file) };
}
