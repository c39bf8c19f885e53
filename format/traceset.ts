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
import { parseScenario, type Scenario } from './scenario.js';
import { TRACE_FORMAT, type KernelInfo, type Trace } from './trace.js';

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

const tracesetHeader = z.strictObject({
  format: z.literal(TRACESET_FORMAT),
  kernel: z.strictObject({ release: z.string().min(1), abi: z.number().int().min(0), errata: z.number().int().min(0), arch: z.string().min(1) }),
  recorder: z.strictObject({ name: z.string().min(1), version: z.string().min(1) }),
  corpus: z.string().min(1),
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

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

function parseLine(file: string, n: number, l: string): unknown {
  try {
    return JSON.parse(l);
  } catch (e) {
    throw new StoreError(file, n, `not valid JSON: ${(e as Error).message}`);
  }
}

export function serializeCorpus(c: Corpus): string {
  return [JSON.stringify(c.header), ...c.scenarios.map((s) => JSON.stringify(s))].join('\n') + '\n';
}

export function parseCorpus(text: string, file: string): Corpus {
  const ls = lines(text);
  if (!ls.length) throw new StoreError(file, 1, 'empty corpus');
  const h = corpusHeader.safeParse(parseLine(file, 1, ls[0]!));
  if (!h.success) throw new StoreError(file, 1, `header: ${h.error.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; ')}`);
  const scenarios = ls.slice(1).map((l, i) => {
    try {
      return parseScenario(parseLine(file, i + 2, l));
    } catch (e) {
      throw new StoreError(file, i + 2, (e as Error).message.replaceAll('<scenario>: ', ''));
    }
  });
  if (scenarios.length !== h.data.count) throw new StoreError(file, 1, `count: header says ${h.data.count}, file has ${scenarios.length}`);
  return { header: h.data, scenarios };
}

export function serializeTraceset(header: TracesetHeader, results: readonly (readonly string[])[]): string {
  return [JSON.stringify(header), ...results.map((r) => JSON.stringify(r))].join('\n') + '\n';
}

/** Parses a whole trace set: its header and every results line. */
export function parseTraceset(text: string, file: string): { header: TracesetHeader; results: string[][] } {
  const ls = lines(text);
  if (!ls.length) throw new StoreError(file, 1, 'empty trace set');
  const h = tracesetHeader.safeParse(parseLine(file, 1, ls[0]!));
  if (!h.success) throw new StoreError(file, 1, `header: ${h.error.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; ')}`);
  const res = z.array(z.string().regex(/^(ok|E[A-Z0-9]+)$/));
  const results = ls.slice(1).map((l, i) => {
    const r = res.safeParse(parseLine(file, i + 2, l));
    if (!r.success) throw new StoreError(file, i + 2, `results: ${r.error.issues[0]!.message}`);
    return r.data;
  });
  if (results.length !== h.data.count) throw new StoreError(file, 1, `count: header says ${h.data.count}, file has ${results.length}`);
  return { header: h.data, results };
}

/** Joins a trace set with its corpus into ordinary traces. */
export function expandTraceset(file: string, header: TracesetHeader, results: string[][], corpus: Corpus, corpusSha256: string): Trace[] {
  if (corpusSha256 !== header.corpusSha256) throw new StoreError(file, 1, `corpusSha256: the corpus ${header.corpus} has changed since this trace set was recorded`);
  if (corpus.scenarios.length !== results.length) throw new StoreError(file, 1, `count: ${results.length} results for ${corpus.scenarios.length} scenarios`);
  return corpus.scenarios.map((scenario, i) => {
    if (results[i]!.length !== scenario.steps.length)
      throw new StoreError(file, i + 2, `results: ${results[i]!.length} results for ${scenario.steps.length} steps`);
    return { format: TRACE_FORMAT, kernel: header.kernel as KernelInfo, recorder: header.recorder, scenario, results: results[i]! };
  });
}
