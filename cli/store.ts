/**
 * Reading and writing the trace store: plain trace files (.jsonl), scenario corpora
 * (.corpus.jsonl.gz) and per-kernel trace sets (.results.jsonl.gz).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Scenario } from '../format/scenario.js';
import type { Trace } from '../format/trace.js';
import type { TraceSource } from '../oracle/diff.js';
import {
  expandTraceset,
  parseCorpus,
  parseTraceset,
  serializeCorpus,
  serializeTraceset,
  type Corpus,
  type TracesetHeader,
} from '../format/traceset.js';
import { expandFiles, InputError, readScenarios, readTraceFile, writeFileAtomic } from './io.js';

export const CORPUS_EXT = '.corpus.jsonl.gz';
export const TRACESET_EXT = '.results.jsonl.gz';

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

function readGzText(file: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new InputError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return (file.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
  } catch (e) {
    throw new InputError(`${file}: not a gzip file: ${(e as Error).message}`);
  }
}

export function readCorpus(file: string): { corpus: Corpus; sha: string } {
  const text = readGzText(file);
  return { corpus: parseCorpus(text, file), sha: sha256(text) };
}

export function writeCorpus(file: string, c: Corpus): string {
  const text = serializeCorpus(c);
  writeFileAtomic(file, file.endsWith('.gz') ? gzipSync(text, { level: 9 }) : text);
  return sha256(text);
}

export function writeTraceset(file: string, corpusFile: string, corpusSha: string, kernel: TracesetHeader['kernel'], recorder: TracesetHeader['recorder'], results: string[][]): void {
  const header: TracesetHeader = {
    format: 'scopecheck-traceset/1',
    kernel,
    recorder,
    corpus: relative(dirname(resolve(file)), resolve(corpusFile)),
    corpusSha256: corpusSha,
    count: results.length,
  };
  const text = serializeTraceset(header, results);
  writeFileAtomic(file, file.endsWith('.gz') ? gzipSync(text, { level: 9 }) : text);
}

export function readTraceset(file: string): Trace[] {
  const text = readGzText(file);
  const { header, results } = parseTraceset(text, file);
  const corpusFile = resolve(dirname(file), header.corpus);
  const { corpus, sha } = readCorpus(corpusFile);
  return expandTraceset(file, header, results, corpus, sha);
}

export type { TraceSource } from '../oracle/diff.js';

/** Trace files and trace sets named on the command line (directories expanded). */
export function readTraceSources(args: readonly string[]): TraceSource[] {
  return expandFiles(args, ['.jsonl', TRACESET_EXT])
    .filter((f) => !f.endsWith(CORPUS_EXT))
    .map((file) => ({ file, traces: file.endsWith(TRACESET_EXT) ? readTraceset(file) : readTraceFile(file) }));
}

/** Scenario inputs: scenario files (.json) and corpora (.corpus.jsonl.gz), directories expanded. */
export function readScenarioInputs(args: readonly string[]): { file: string; scenario: Scenario }[] {
  return expandFiles(args, ['.json', CORPUS_EXT]).flatMap((file) =>
    file.endsWith(CORPUS_EXT) ? readCorpus(file).corpus.scenarios.map((scenario, i) => ({ file: `${file}#${i}`, scenario })) : readScenarios([file]),
  );
}
