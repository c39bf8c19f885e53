/**
 * Property-based fuzzing of every file reader (fast-check, fixed seeds): scenario, trace, trace
 * set, corpus, counterexample and shard files, mutated — a field deleted, a value's type swapped, a
 * huge value, the text truncated, bytes flipped, broken gzip — and handed to the command that
 * reads them. Whatever the mutation, scopecheck exits 0, 1 or 2 without a stack trace, writes
 * nothing where it reads, starts no replayer; and an exit 2 is one line naming the file.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main, type Io } from '../cli/main.js';
import { replayerUses } from '../kernel/build-replayer.js';

const ROOT = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'scopecheck-fuzzread-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a value inside a JSON value. */
function paths(v: Json, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

const REPLACEMENTS: Json[] = [null, 0, -1, 1e308, 2 ** 53, 'x', '', 'E'.repeat(100_000), [], {}, true, [null], { op: 'fork' }, 'ok\nEPERM', '../../etc/shadow'];

/** One mutation of a JSON text: delete, replace (type swap, huge value), duplicate into an array, truncate, or flip a byte. */
const mutation = fc.record({ kind: fc.constantFrom('delete', 'replace', 'wrap', 'truncate', 'flip'), pick: fc.nat(), value: fc.nat({ max: REPLACEMENTS.length - 1 }), at: fc.nat() });
type Mutation = { kind: string; pick: number; value: number; at: number };

function mutate(text: string, m: Mutation): string {
  if (m.kind === 'truncate') return text.slice(0, m.at % (text.length + 1));
  if (m.kind === 'flip') {
    const b = Buffer.from(text);
    if (b.length) b[m.at % b.length] ^= 1 << (m.pick % 8);
    return b.toString('latin1');
  }
  const root = JSON.parse(text) as Json;
  const ps = paths(root).filter((p) => p.length > 0);
  if (!ps.length) return 'null';
  const p = ps[m.pick % ps.length]!;
  let parent = root as Record<string | number, Json>;
  for (const k of p.slice(0, -1)) parent = parent[k] as Record<string | number, Json>;
  const last = p[p.length - 1]!;
  if (m.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (m.kind === 'replace') parent[last] = REPLACEMENTS[m.value]!;
  else parent[last] = [parent[last]!, parent[last]!];
  return JSON.stringify(root);
}

/** Runs scopecheck in `dir`, and checks the four things. */
async function check(dir: string, args: string[], file: string): Promise<number> {
  const before = readdirSync(dir).sort();
  const uses = replayerUses();
  let err = '';
  const io: Io = { out: () => {}, err: (s) => void (err += `${s}\n`), isTTY: false };
  const cwd = process.cwd();
  process.chdir(dir);
  let code: number;
  try {
    code = await main(args, io);
  } finally {
    process.chdir(cwd);
  }
  expect([0, 1, 2], err).toContain(code);
  expect(err).not.toMatch(/^\s+at |internal error/m);
  expect(readdirSync(dir).sort()).toEqual(before);
  expect(replayerUses()).toBe(uses);
  if (code === 2) {
    const lines = err.trimEnd().split('\n');
    expect(lines.length, err).toBe(1);
    expect(lines[0], err).toContain(file);
  }
  return code;
}

const scenarioText = readFileSync(join(ROOT, 'scenarios/seed/tmux-escape.json'), 'utf8');
const cxText = readFileSync(join(ROOT, 'counterexamples/abi7/sandbox-closed.json'), 'utf8');
const kernel = { release: '6.18.44', abi: 7, errata: 7, arch: 'x86_64' };
const recorder = { name: 'scopecheck-replay', version: '0.1.0' };
let shardText = '';
let traceText = '';
let corpusText = '';
let tracesetText = '';

beforeAll(async () => {
  const d = join(work, 'src');
  mkdirSync(d);
  const io: Io = { out: () => {}, err: () => {}, isTTY: false };
  // sandbox-closed is violated under abi7: the shard carries a counterexample to revive.
  await main(['check', '-s', 'abi7', '-p', 'sandbox-closed', 'inside-reachable', '--runs', '2000', '--no-save', '--shard', '1/1', '--shard-out', join(d, 's.json'), '--workers', '1'], io);
  shardText = readFileSync(join(d, 's.json'), 'utf8');
  expect(shardText).toContain('"verdict":"violated"');
  const scenario = JSON.parse(scenarioText) as { steps: unknown[] };
  traceText = JSON.stringify({ format: 'scopecheck-trace/1', kernel, recorder, scenario, results: scenario.steps.map(() => 'ok') });
  corpusText = `${JSON.stringify({ format: 'scopecheck-corpus/1', name: 'c', count: 1 })}\n${JSON.stringify(scenario)}\n`;
  const sha = (await import('node:crypto')).createHash('sha256').update(corpusText).digest('hex');
  tracesetText = `${JSON.stringify({ format: 'scopecheck-traceset/1', kernel, recorder, corpus: 'c.corpus.jsonl.gz', corpusSha256: sha, count: 1 })}\n${JSON.stringify(scenario.steps.map(() => 'ok'))}\n`;
}, 60_000);

let n = 0;
const fresh = () => {
  const d = join(work, `m${n++}`);
  mkdirSync(d);
  return d;
};
const RUNS = 100;

describe('file readers under mutation', () => {
  test('scenario files (run)', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const d = fresh();
        writeFileSync(join(d, 's.json'), mutate(scenarioText, m));
        await check(d, ['run', 's.json'], 's.json');
      }),
      { seed: 1, numRuns: RUNS },
    );
  }, 120_000);
  test('trace files (diff)', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const d = fresh();
        writeFileSync(join(d, 't.jsonl'), mutate(traceText, m));
        await check(d, ['diff', 't.jsonl'], 't.jsonl');
      }),
      { seed: 2, numRuns: RUNS },
    );
  }, 120_000);
  test('counterexamples (replay)', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const d = fresh();
        writeFileSync(join(d, 'x.json'), mutate(cxText, m));
        await check(d, ['replay', 'x.json'], 'x.json');
      }),
      { seed: 3, numRuns: RUNS },
    );
  }, 120_000);
  test('shard files (merge)', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const d = fresh();
        writeFileSync(join(d, 's.json'), mutate(shardText, m));
        await check(d, ['merge', 's.json', '--no-save'], 's.json');
      }),
      { seed: 4, numRuns: RUNS },
    );
  }, 120_000);
  const lineMutation = fc.record({ line: fc.nat(), m: mutation, gzip: fc.constantFrom('ok', 'truncate', 'flip', 'plain') });
  const gzMutate = (text: string, x: { line: number; m: Mutation; gzip: string }): Buffer => {
    const lines = text.trimEnd().split('\n');
    const i = x.line % lines.length;
    lines[i] = mutate(lines[i]!, x.m);
    const body = `${lines.join('\n')}\n`;
    if (x.gzip === 'plain') return Buffer.from(body);
    const g = gzipSync(body);
    if (x.gzip === 'truncate') return g.subarray(0, x.m.at % g.length);
    if (x.gzip === 'flip') g[10 + (x.m.at % (g.length - 10))] ^= 0x55;
    return g;
  };
  test('trace sets (diff)', async () => {
    await fc.assert(
      fc.asyncProperty(lineMutation, async (x) => {
        const d = fresh();
        writeFileSync(join(d, 'c.corpus.jsonl.gz'), gzipSync(corpusText));
        writeFileSync(join(d, 't.results.jsonl.gz'), gzMutate(tracesetText, x));
        await check(d, ['diff', 't.results.jsonl.gz'], 't.results.jsonl.gz');
      }),
      { seed: 5, numRuns: RUNS },
    );
  }, 120_000);
  test('corpora (diff of the trace set that names them)', async () => {
    await fc.assert(
      fc.asyncProperty(lineMutation, async (x) => {
        const d = fresh();
        writeFileSync(join(d, 'c.corpus.jsonl.gz'), gzMutate(corpusText, x));
        writeFileSync(join(d, 't.results.jsonl.gz'), gzipSync(tracesetText));
        const code = await check(d, ['diff', 't.results.jsonl.gz'], '.jsonl.gz');
        // A corpus that changed never passes for the one recorded: its sha256 differs.
        if (gzMutate(corpusText, x).equals(gzipSync(corpusText)) === false && x.gzip !== 'plain') expect(code).toBe(2);
      }),
      { seed: 6, numRuns: RUNS },
    );
  }, 120_000);
});
