/**
 * Traces: a scenario plus the result of every step as observed on one real kernel
 * (scopecheck-trace/1, JSON Lines). Pure: schema and parsing; files are read by the CLI.
 */
import { InputError } from '../common/errors.js';
import { z } from 'zod';
import { result } from '../ops/fields.js';
import { MAX_LINE_BYTES } from '../ops/limits.js';
import { parseJson } from './json.js';
import { parseScenario, type Scenario, ScenarioValidationError, type ScenarioError } from './scenario.js';

export const TRACE_FORMAT = 'scopecheck-trace/1';

/** A kernel release, an architecture, a recorder's name or version: printable, one word. */
export const word = z.string().regex(/^[A-Za-z0-9._+~:-]{1,100}$/, 'must be one word of [A-Za-z0-9._+~:-], at most 100 characters');

export interface KernelInfo {
  release: string;
  abi: number;
  errata: number;
  arch: string;
}

export interface Trace {
  format: typeof TRACE_FORMAT;
  kernel: KernelInfo;
  recorder: { name: string; version: string };
  scenario: Scenario;
  results: string[];
}


export const traceSchema = z.strictObject({
  format: z.literal(TRACE_FORMAT, { error: `must be "${TRACE_FORMAT}"` }),
  kernel: z.strictObject({
    release: word,
    abi: z.number().int().min(0).max(1000),
    errata: z.number().int().min(0).max(2 ** 31 - 1),
    arch: word,
  }),
  recorder: z.strictObject({ name: word, version: word }),
  scenario: z.unknown(),
  results: z.array(result),
});

export class TraceValidationError extends InputError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly errors: ScenarioError[],
  ) {
    const e = errors[0]!;
    super(
      `${file}:${line}: ${e.step === null ? '' : `step ${e.step}: `}${e.field}: ${e.message}${errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : ''}`,
    );
    this.name = 'TraceValidationError';
  }
}

/** Parses one trace object (one line of a .jsonl file). */
export function parseTrace(raw: unknown, file = '<trace>', line = 1): Trace {
  const r = traceSchema.safeParse(raw);
  if (!r.success) {
    throw new TraceValidationError(
      file,
      line,
      r.error.issues.map((iss) => {
        if (iss.path[0] === 'results' && typeof iss.path[1] === 'number')
          return { step: iss.path[1], field: 'results', message: iss.message };
        return { step: null, field: iss.path.map(String).join('.') || '(line)', message: iss.message };
      }),
    );
  }
  let scenario: Scenario;
  try {
    scenario = parseScenario(r.data.scenario);
  } catch (e) {
    if (e instanceof ScenarioValidationError)
      throw new TraceValidationError(
        file,
        line,
        e.errors.map((x) => ({ ...x, field: x.step === null ? `scenario.${x.field}` : x.field })),
      );
    throw e;
  }
  if (r.data.results.length !== scenario.steps.length)
    throw new TraceValidationError(file, line, [
      {
        step: null,
        field: 'results',
        message: `has ${r.data.results.length} results for ${scenario.steps.length} steps`,
      },
    ]);
  return { ...r.data, format: TRACE_FORMAT, scenario };
}

/** Parses a whole .jsonl text (at least one trace); blank lines are skipped. */
export function parseTraceLines(text: string, file = '<trace>'): Trace[] {
  const out: Trace[] = [];
  text.split('\n').forEach((l, i) => {
    if (l.trim() === '') return;
    if (l.length > MAX_LINE_BYTES) throw new TraceValidationError(file, i + 1, [{ step: null, field: '(line)', message: `longer than ${MAX_LINE_BYTES} bytes` }]);
    const j = parseJson(l);
    if (!j.ok) throw new TraceValidationError(file, i + 1, [{ step: null, field: '(line)', message: j.why }]);
    out.push(parseTrace(j.value, file, i + 1));
  });
  if (!out.length) throw new TraceValidationError(file, 1, [{ step: null, field: '(file)', message: 'no trace in the file' }]);
  return out;
}

/** One trace per scenario, from one kernel's results. */
export function tracesOf(scenarios: readonly Scenario[], kernel: KernelInfo, recorder: Trace['recorder'], results: readonly string[][]): Trace[] {
  return scenarios.map((scenario, i) => ({ format: TRACE_FORMAT, kernel, recorder: { ...recorder }, scenario, results: results[i]! }));
}
