/**
 * Traces: a scenario plus the result of every step as observed on one real kernel
 * (scopecheck-trace/1, JSON Lines). Pure: schema and parsing; files are read by the CLI.
 */
import { InputError } from '../common/errors.js';
import { z } from 'zod';
import { result } from '../ops/fields.js';
import { MAX_LINE_BYTES } from '../ops/limits.js';
import { parseJson } from './json.js';
import { FREED_TEXT, RECORD_TEXT } from '../model/audit.js';
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
  /**
   * The audit records the kernel emitted for each step (model/audit.ts recordText), when the
   * recorder could collect them (a VM, where the replayer owns the audit socket); absent: not
   * collected, which says nothing about what the kernel logged.
   */
  audit?: string[][];
  /** With `audit`: the deallocation records of the logged domains, after the scenario ended (model/audit.ts freedText). */
  audit_freed?: string[];
  /** With `audit`: access records the runner's teardown caused (a parent-death signal of a killed task…); not the scenario's. */
  audit_teardown?: string[];
}


/** Per step, the records (model/audit.ts recordText). */
export const auditSchema = z.array(z.array(z.string().regex(RECORD_TEXT, 'must be an audit record as scopecheck writes it ("AUDIT_LANDLOCK_ACCESS domain=D1 blockers=…")')));
export const teardownSchema = z.array(z.string().regex(RECORD_TEXT, 'must be an audit record as scopecheck writes it'));
export const freedSchema = z.array(z.string().regex(FREED_TEXT, 'must be a deallocation record ("AUDIT_LANDLOCK_DOMAIN domain=D1 status=deallocated denials=N")'));

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
  audit: auditSchema.optional(),
  audit_freed: freedSchema.optional(),
  audit_teardown: teardownSchema.optional(),
});

/** What one trace holds of a kernel's run of its scenario: a trace set's row. */
export interface TraceRow {
  results: string[];
  audit?: string[][];
  audit_freed?: string[];
  audit_teardown?: string[];
}

/** The audit part of a row: absent, or both (audit_freed then defaults to none). */
export function auditOf(r: { audit?: string[][] | undefined; audit_freed?: string[] | undefined; audit_teardown?: string[] | undefined }): Pick<TraceRow, 'audit' | 'audit_freed' | 'audit_teardown'> {
  return r.audit ? { audit: r.audit, audit_freed: r.audit_freed ?? [], ...(r.audit_teardown?.length ? { audit_teardown: r.audit_teardown } : {}) } : {};
}

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
        if (iss.path[0] === 'audit' && typeof iss.path[1] === 'number')
          return { step: iss.path[1], field: `audit${iss.path.length > 2 ? `.${String(iss.path[2])}` : ''}`, message: iss.message };
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
  if (r.data.audit && r.data.audit.length !== r.data.results.length)
    throw new TraceValidationError(file, line, [{ step: null, field: 'audit', message: `has records for ${r.data.audit.length} steps, not ${r.data.results.length}` }]);
  if ((r.data.audit_freed || r.data.audit_teardown) && !r.data.audit)
    throw new TraceValidationError(file, line, [{ step: null, field: r.data.audit_freed ? 'audit_freed' : 'audit_teardown', message: 'needs "audit"' }]);
  const { audit, audit_freed, audit_teardown, ...rest } = r.data;
  return { ...rest, format: TRACE_FORMAT, scenario, ...auditOf({ audit, audit_freed, audit_teardown }) };
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

/** One trace per scenario, from one kernel's rows (results, and audit records where collected). */
export function tracesOf(scenarios: readonly Scenario[], kernel: KernelInfo, recorder: Trace['recorder'], rows: readonly TraceRow[]): Trace[] {
  return scenarios.map((scenario, i) => ({ format: TRACE_FORMAT, kernel, recorder: { ...recorder }, scenario, results: rows[i]!.results, ...auditOf(rows[i]!) }));
}
