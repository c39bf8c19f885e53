/**
 * Reading and writing the trace store: plain trace files (.jsonl), scenario corpora
 * (.corpus.jsonl.gz) and per-kernel trace sets (.results.jsonl.gz).
 */
import { createHash } from 'node:crypto';
import { lstatSync, realpathSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Scenario } from '../format/scenario.js';
import type { Trace, TraceRow } from '../format/trace.js';
import type { TraceSource } from '../oracle/diff.js';
import {
  corpusPathProblem,
  expandTraceset,
  parseCorpus,
  parseTraceset,
  serializeCorpus,
  serializeTraceset,
  type Corpus,
  type TracesetHeader,
} from '../format/traceset.js';
import { COUNTEREXAMPLE_FORMAT, parseCounterexample } from '../format/counterexample.js';
import { parseJson } from '../format/json.js';
import { parseScenarioText } from '../format/scenario.js';
import { expandFiles, InputError, readGzText, readText, readTraceFile, writeFileAtomic } from './io.js';

export const CORPUS_EXT = '.corpus.jsonl.gz';
export const TRACESET_EXT = '.results.jsonl.gz';

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');


export function readCorpus(file: string): { corpus: Corpus; sha: string } {
  const text = readGzText(file);
  return { corpus: parseCorpus(text, file), sha: sha256(text) };
}

export function writeCorpus(file: string, c: Corpus): string {
  const text = serializeCorpus(c);
  writeFileAtomic(file, file.endsWith('.gz') ? gzipSync(text, { level: 9 }) : text);
  return sha256(text);
}

export function writeTraceset(file: string, corpusFile: string, corpusSha: string, kernel: TracesetHeader['kernel'], recorder: TracesetHeader['recorder'], rows: TraceRow[]): void {
  const header: TracesetHeader = {
    format: 'scopecheck-traceset/1',
    kernel,
    recorder,
    corpus: corpusPathFor(file, corpusFile),
    corpusSha256: corpusSha,
    count: rows.length,
  };
  const text = serializeTraceset(header, rows);
  writeFileAtomic(file, file.endsWith('.gz') ? gzipSync(text, { level: 9 }) : text);
}

/**
 * The corpus path a trace set records: relative to the trace set, next to it, below it, or in a
 * sibling directory (format/traceset.ts corpusPathProblem). Checked before anything is recorded.
 */
export function corpusPathFor(tracesetFile: string, corpusFile: string): string {
  const rel = relative(dirname(resolve(tracesetFile)), resolve(corpusFile));
  const why = corpusPathProblem(rel);
  if (why) throw new InputError(`--out: ${tracesetFile}: a trace set must be stored next to its corpus, below its directory or in a sibling directory (the corpus path would be ${JSON.stringify(rel)}: ${why})`);
  return rel;
}

export function readTraceset(file: string): Trace[] {
  const text = readGzText(file);
  const { header, rows } = parseTraceset(text, file);
  // The header's corpus path is confined by the schema (corpusPathProblem); the corpus must also be
  // a regular file itself, not a link to somewhere else.
  const corpusFile = resolve(dirname(file), header.corpus);
  let isFile = false;
  try {
    isFile = lstatSync(corpusFile).isFile();
  } catch {
    throw new InputError(`${file}:1: corpus: the corpus ${header.corpus} does not exist`);
  }
  if (!isFile) throw new InputError(`${file}:1: corpus: ${header.corpus} is not a regular file`);
  // …and, links resolved, it lies below the trace set's parent directory (a linked directory cannot lead elsewhere).
  const root = realpathSync(dirname(dirname(resolve(file))));
  if (!realpathSync(corpusFile).startsWith(`${root}/`)) throw new InputError(`${file}:1: corpus: ${header.corpus} leads outside ${root} through a link`);
  const { corpus, sha } = readCorpus(corpusFile);
  return expandTraceset(file, header, rows, corpus, sha);
}

export type { TraceSource } from '../oracle/diff.js';

/** Trace files and trace sets named on the command line (directories expanded). */
export function readTraceSources(args: readonly string[]): TraceSource[] {
  return expandFiles(args, ['.jsonl', TRACESET_EXT])
    .filter((f) => !f.endsWith(CORPUS_EXT))
    .map((file) => ({ file, traces: file.endsWith(TRACESET_EXT) ? readTraceset(file) : readTraceFile(file) }));
}

/** Scenario inputs: scenario files (.json) and corpora (.corpus.jsonl.gz), directories expanded. */
/** Scenario files, corpora, and counterexample files (their scenario: to record one on a kernel). */
export function readScenarioInputs(args: readonly string[]): { file: string; scenario: Scenario }[] {
  return expandFiles(args, ['.json', CORPUS_EXT]).flatMap((file) => {
    if (file.endsWith(CORPUS_EXT)) return readCorpus(file).corpus.scenarios.map((scenario, i) => ({ file: `${file}#${i}`, scenario }));
    const text = readText(file);
    const j = parseJson(text);
    const isCounterexample = j.ok && typeof j.value === 'object' && j.value !== null && (j.value as { format?: unknown }).format === COUNTEREXAMPLE_FORMAT;
    return [{ file, scenario: isCounterexample ? parseCounterexample(j.value, file).scenario : parseScenarioText(text, file) }];
  });
}
