/**
 * Compact trace storage for the repository: a scenario corpus stored once
 * (scopecheck-corpus/1) and, per kernel, only the results (scopecheck-traceset/1). Expanding a
 * trace set gives ordinary traces (scopecheck-trace/1). Pure: text in, text out; gzip and files
 * are the CLI's.
 *
 *   corpus:   {"format":"scopecheck-corpus/1","name":…,"count":N,"description":…}
 *             <one scenario per line>
 *   traceset: {"format":"scopecheck-traceset/1","kernel":{…},"recorder":{…},"corpus":"<path>","corpusSha256":"…","count":N}
 *             <one results array per line, in corpus order>
 */
import { InputError } from '../common/errors.js';
import { z } from 'zod';
import { result } from '../ops/fields.js';
import { MAX_LINE_BYTES } from '../ops/limits.js';
import { parseJson } from './json.js';
import { formatScenarioError, parseScenario, ScenarioValidationError, type Scenario } from './scenario.js';
import { TRACE_FORMAT, auditOf, auditSchema, freedSchema, teardownSchema, word, type KernelInfo, type Trace, type TraceRow } from './trace.js';

export const CORPUS_FORMAT = 'scopecheck-corpus/1';
export const TRACESET_FORMAT = 'scopecheck-traceset/1';

const corpusHeader = z.strictObject({
  format: z.literal(CORPUS_FORMAT),
  name: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/),
  count: z.number().int().min(0),
  description: z.string().optional(),
  /** Per scenario, where it came from (a scenario file, or a generator seed). */
  sources: z.array(z.string()).optional(),
});

/**
 * Why a trace set's corpus path is not allowed, or null: it must be relative, of components made of
 * [A-Za-z0-9._-], with at most one leading ".." (the corpus is next to the trace set, below its
 * directory, or in a sibling directory, as traces/<kernel>/ and traces/corpus/ are), and name a
 * .corpus.jsonl.gz file.
 */
export function corpusPathProblem(p: string): string | null {
  const comps = p.split('/');
  if (p.startsWith('/')) return 'must be relative';
  if (!p.endsWith('.corpus.jsonl.gz')) return 'must name a .corpus.jsonl.gz file';
  for (const [i, c] of comps.entries()) {
    if (c === '..' && i === 0) continue;
    if (c === '' || c === '.' || c === '..') return 'may only start with one ".." and has no other "." or ".." or empty component';
    if (!/^[A-Za-z0-9._-]+$/.test(c)) return 'has characters outside [A-Za-z0-9._-]';
  }
  return null;
}

const tracesetHeader = z.strictObject({
  format: z.literal(TRACESET_FORMAT),
  kernel: z.strictObject({ release: word, abi: z.number().int().min(0).max(1000), errata: z.number().int().min(0).max(2 ** 31 - 1), arch: word }),
  recorder: z.strictObject({ name: word, version: word }),
  corpus: z.string().superRefine((p, ctx) => {
    const why = corpusPathProblem(p);
    if (why) ctx.addIssue({ code: 'custom', message: why });
  }),
  corpusSha256: z.string().regex(/^[0-9a-f]{64}$/),
  count: z.number().int().min(0),
});

export type CorpusHeader = z.infer<typeof corpusHeader>;
export type TracesetHeader = z.infer<typeof tracesetHeader>;

export interface Corpus {
  header: CorpusHeader;
  scenarios: Scenario[];
}

export class StoreError extends InputError {
  constructor(
    readonly file: string,
    readonly line: number,
    msg: string,
  ) {
    super(`${file}:${line}: ${msg}`);
    this.name = 'StoreError';
  }
}

/** The non-blank lines with their line numbers (1-based), each within the line limit. */
function lines(text: string, file: string): { n: number; l: string }[] {
  const out: { n: number; l: string }[] = [];
  text.split('\n').forEach((l, i) => {
    if (l.trim() === '') return;
    if (l.length > MAX_LINE_BYTES) throw new StoreError(file, i + 1, `longer than ${MAX_LINE_BYTES} bytes`);
    out.push({ n: i + 1, l });
  });
  return out;
}

function parseLine(file: string, n: number, l: string): unknown {
  const j = parseJson(l);
  if (!j.ok) throw new StoreError(file, n, j.why);
  return j.value;
}

export function serializeCorpus(c: Corpus): string {
  return [JSON.stringify(c.header), ...c.scenarios.map((s) => JSON.stringify(s))].join('\n') + '\n';
}

export function parseCorpus(text: string, file: string): Corpus {
  const ls = lines(text, file);
  if (!ls.length) throw new StoreError(file, 1, 'empty corpus');
  const h = corpusHeader.safeParse(parseLine(file, ls[0]!.n, ls[0]!.l));
  if (!h.success) throw new StoreError(file, 1, `header: ${h.error.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; ')}`);
  const scenarios = ls.slice(1).map(({ n, l }) => {
    try {
      return parseScenario(parseLine(file, n, l));
    } catch (e) {
      if (e instanceof ScenarioValidationError)
        throw new StoreError(file, n, `${formatScenarioError(e.errors[0]!).replace(/^<scenario>: /, '')}${e.errors.length > 1 ? ` (and ${e.errors.length - 1} more problem${e.errors.length > 2 ? 's' : ''})` : ''}`);
      throw e;
    }
  });
  if (scenarios.length !== h.data.count) throw new StoreError(file, 1, `count: header says ${h.data.count}, file has ${scenarios.length}`);
  return { header: h.data, scenarios };
}

/** A row is its results array, or, with audit records, {"results":…,"audit":…,"audit_freed":…}. */
export function serializeTraceset(header: TracesetHeader, rows: readonly TraceRow[]): string {
  return [JSON.stringify(header), ...rows.map((r) => JSON.stringify(r.audit ? { results: r.results, ...auditOf(r) } : r.results))].join('\n') + '\n';
}

/** Parses a whole trace set: its header and every results line. */
export function parseTraceset(text: string, file: string): { header: TracesetHeader; rows: TraceRow[] } {
  const ls = lines(text, file);
  if (!ls.length) throw new StoreError(file, 1, 'empty trace set');
  const h = tracesetHeader.safeParse(parseLine(file, ls[0]!.n, ls[0]!.l));
  if (!h.success) throw new StoreError(file, 1, `header: ${h.error.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; ')}`);
  const res = z.array(result);
  const withAudit = z.strictObject({ results: res, audit: auditSchema, audit_freed: freedSchema.optional(), audit_teardown: teardownSchema.optional() });
  const rows = ls.slice(1).map(({ n, l }): TraceRow => {
    const v = parseLine(file, n, l);
    if (Array.isArray(v)) {
      const r = res.safeParse(v);
      if (!r.success) throw new StoreError(file, n, `results: ${r.error.issues[0]!.message}`);
      return { results: r.data };
    }
    const r = withAudit.safeParse(v);
    if (!r.success) {
      const i = r.error.issues[0]!;
      // "step 8: audit.0: …", as a trace names a record
      const where = i.path[0] === 'audit' && typeof i.path[1] === 'number' ? `step ${i.path[1]}: audit${i.path.length > 2 ? `.${String(i.path[2])}` : ''}` : i.path.map(String).join('.') || '(line)';
      throw new StoreError(file, n, `${where}: ${i.message}`);
    }
    if (r.data.audit.length !== r.data.results.length) throw new StoreError(file, n, `audit: records for ${r.data.audit.length} steps, not ${r.data.results.length}`);
    return { results: r.data.results, ...auditOf(r.data) };
  });
  if (rows.length !== h.data.count) throw new StoreError(file, 1, `count: header says ${h.data.count}, file has ${rows.length}`);
  return { header: h.data, rows };
}

/** Joins a trace set with its corpus into ordinary traces. */
export function expandTraceset(file: string, header: TracesetHeader, rows: TraceRow[], corpus: Corpus, corpusSha256: string): Trace[] {
  if (corpusSha256 !== header.corpusSha256) throw new StoreError(file, 1, `corpusSha256: the corpus ${header.corpus} has changed since this trace set was recorded`);
  if (corpus.scenarios.length !== rows.length) throw new StoreError(file, 1, `count: ${rows.length} results for ${corpus.scenarios.length} scenarios`);
  return corpus.scenarios.map((scenario, i) => {
    const r = rows[i]!;
    if (r.results.length !== scenario.steps.length)
      throw new StoreError(file, i + 2, `results: ${r.results.length} results for ${scenario.steps.length} steps`);
    return { format: TRACE_FORMAT, kernel: header.kernel as KernelInfo, recorder: header.recorder, scenario, results: r.results, ...auditOf(r) };
  });
}
