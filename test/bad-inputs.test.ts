/**
 * The standing bad-input suite: files and options that other people hand to scopecheck, every one
 * wrong in its own way, across run, record, diff, replay, export, merge, corpus, check and
 * --semantics. Each must give exit 2 and one line that names the file (and step and field) or the
 * option; no stack trace; nothing written; no replayer started; no code loaded from a file.
 */
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main, type Io } from '../cli/main.js';
import { replayerUses } from '../kernel/build-replayer.js';

const ROOT = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'scopecheck-bad-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const F = 'scopecheck-scenario/1';
const sc = (...steps: unknown[]) => JSON.stringify({ format: F, steps });
const goodScenario = sc({ op: 'socket', by: 'P0', sock: 's', type: 'stream' });
const gz = (s: string) => gzipSync(s);
const corpusText = (scenarios: string[], count = scenarios.length, extra = '') =>
  [`{"format":"scopecheck-corpus/1","name":"c","count":${count}${extra}}`, ...scenarios].join('\n') + '\n';
const kernel = { release: '6.18.44', abi: 7, errata: 7, arch: 'x86_64' };
const recorder = { name: 'scopecheck-replay', version: '0.1.0' };
const trace = (o: Record<string, unknown> = {}) => JSON.stringify({ format: 'scopecheck-trace/1', kernel, recorder, scenario: JSON.parse(goodScenario), results: ['ok'], ...o });
const cx = JSON.parse(readFileSync(join(ROOT, 'counterexamples/abi7/sandbox-closed.json'), 'utf8')) as Record<string, unknown>;
const cxWith = (o: Record<string, unknown>) => JSON.stringify({ ...cx, ...o });

let bomb: Buffer;
let shardGood: Record<string, unknown>;
beforeAll(async () => {
  bomb = gzipSync(Buffer.alloc(300 << 20, 0x20), { level: 1 }); // 300 MiB of spaces in ~300 KB
  const d = join(work, 'shard-src');
  mkdirSync(d);
  const io: Io = { out: () => {}, err: () => {}, isTTY: false };
  await main(['check', '-s', 'abi7', '-p', 'sandbox-closed', '--runs', '200', '--shard', '1/1', '--shard-out', join(d, 's.json'), '--workers', '1'], io);
  shardGood = JSON.parse(readFileSync(join(d, 's.json'), 'utf8')) as Record<string, unknown>;
  rmSync(d, { recursive: true, force: true });
}, 60_000);

/** A case: files to lay out in its directory, the command (paths relative to that directory), and what the message must name. */
interface Case {
  label: string;
  files?: Record<string, string | Buffer | (() => string | Buffer) | { fifo: true } | { link: string } | { sparse: number }>;
  args: string[];
  names: string;
}

const EVIL = `import { writeFileSync } from 'node:fs'; writeFileSync(new URL('./PWNED', import.meta.url), 'x'); export default {};`;

const cases: Case[] = [];
const add = (c: Case) => cases.push(c);

// ---- run: scenario files ----
const scen = (label: string, text: string, names = 's.json') => add({ label: `run: ${label}`, files: { 's.json': text }, args: ['run', 's.json'], names });
scen('empty file', '');
scen('not JSON', '{"format": ');
scen('binary garbage', '\u0000\u0001\u0002\u00ff');
scen('JSON array', '[1,2]');
scen('JSON string', '"hello"');
scen('JSON null', 'null');
scen('a number', '42');
scen('format missing', JSON.stringify({ steps: [] }));
scen('format wrong', JSON.stringify({ format: 'scopecheck-scenario/2', steps: [] }));
scen('format a number', JSON.stringify({ format: 1, steps: [] }));
scen('steps not an array', JSON.stringify({ format: F, steps: {} }));
scen('steps null', JSON.stringify({ format: F, steps: null }));
scen('step a string', sc('fork'));
scen('step an array', sc([]));
scen('unknown op', sc({ op: 'shutdown', by: 'P0', sock: 's' }));
scen('op a number', sc({ op: 7, by: 'P0' }));
// Format 1.1 fields.
scen('setown: dangling owner task', sc({ op: 'socket', by: 'P0', sock: 's', type: 'dgram' }, { op: 'setown', by: 'P0', sock: 's', owner: { process: 'P9' } }));
scen('setown: unknown owner kind', sc({ op: 'socket', by: 'P0', sock: 's', type: 'dgram' }, { op: 'setown', by: 'P0', sock: 's', owner: { group: 'P0' } }));
scen('setown: two owner kinds', sc({ op: 'socket', by: 'P0', sock: 's', type: 'dgram' }, { op: 'setown', by: 'P0', sock: 's', owner: { process: 'P0', pgrp: 'P0' } }));
scen('setown: signal 0', sc({ op: 'socket', by: 'P0', sock: 's', type: 'dgram' }, { op: 'setown', by: 'P0', sock: 's', owner: { process: 'P0' }, signal: 0 }));
scen('await_signal: signal 0', sc({ op: 'await_signal', by: 'P0', signal: 0 }));
scen('kill: SIGKILL', sc({ op: 'kill', by: 'P0', target: 'P0', signal: 'SIGKILL' }));
scen('pidfd_open: name already used', sc({ op: 'socket', by: 'P0', sock: 's', type: 'dgram' }, { op: 'pidfd_open', by: 'P0', target: 'P0', pidfd: 's' }));
scen('ptrace: unknown mode', sc({ op: 'ptrace', by: 'P0', target: 'P0', mode: 'peek' }));
scen('killpg: dangling group task', sc({ op: 'killpg', by: 'P0', pgrp: 'Q' }));
scen('capabilities: not "all"', JSON.stringify({ format: F, capabilities: 'some', steps: [] }));
scen('by a number', sc({ op: 'exit', by: 0 }));
scen('by too long', sc({ op: 'exit', by: `P${'x'.repeat(40)}` }));
scen('dangling by', sc({ op: 'exit', by: 'Q' }));
scen('expect EFOO', sc({ op: 'exit', by: 'P0', expect: 'EFOO' }));
scen('expect not a string', sc({ op: 'exit', by: 'P0', expect: 0 }));
scen('name with a newline', JSON.stringify({ format: F, name: 'a\nb', steps: [] }));
scen('description a number', JSON.stringify({ format: F, description: 5, steps: [] }));
const EXAMPLES: Record<string, Record<string, unknown>> = {
  fork: { op: 'fork', by: 'P0', child: 'P1' },
  thread: { op: 'thread', by: 'P0', child: 'T1' },
  mkdir: { op: 'mkdir', by: 'P0', path: 'd' },
  socket: { op: 'socket', by: 'P0', sock: 's', type: 'stream' },
  socketpair: { op: 'socketpair', by: 'P0', socks: ['a', 'b'], type: 'dgram' },
  bind: { op: 'bind', by: 'P0', sock: 's', addr: { abstract: 'x' } },
  listen: { op: 'listen', by: 'P0', sock: 's' },
  connect: { op: 'connect', by: 'P0', sock: 's', addr: { pathname: 'p' } },
  sendto: { op: 'sendto', by: 'P0', sock: 's', addr: { abstract: 'x' } },
  send: { op: 'send', by: 'P0', sock: 's' },
  pass: { op: 'pass', by: 'P0', sock: 's', to: 'P0' },
  close: { op: 'close', by: 'P0', sock: 's' },
  kill: { op: 'kill', by: 'P0', target: 'P0' },
  tgkill: { op: 'tgkill', by: 'P0', target: 'P0' },
  restrict_self: { op: 'restrict_self', by: 'P0', scoped: ['signal'] },
  exit: { op: 'exit', by: 'P0' },
};
const needsSock = new Set(['bind', 'listen', 'connect', 'sendto', 'send', 'pass', 'close']);
for (const [op, st] of Object.entries(EXAMPLES)) {
  const pre = needsSock.has(op) ? [EXAMPLES.socket] : [];
  const at = pre.length;
  for (const field of Object.keys(st).filter((k) => k !== 'op' && k !== 'by')) {
    const { [field]: _gone, ...rest } = st;
    if (op !== 'restrict_self') scen(`${op} without ${field}`, sc(...pre, rest), `step ${at}: ${field}`);
    scen(`${op} with ${field} a number`, sc(...pre, { ...st, [field]: 12 }), `step ${at}: ${field}`);
  }
  scen(`${op} with an unknown field`, sc(...pre, { ...st, colour: 'red' }), `step ${at}: colour`);
}
scen('1025 steps', sc(...Array.from({ length: 1025 }, () => EXAMPLES.restrict_self)), 'steps');
scen('65 tasks', sc(...Array.from({ length: 64 }, (_, i) => ({ op: 'fork', by: 'P0', child: `C${i}` }))), 'step 63: child');
scen('257 sockets', sc(...Array.from({ length: 257 }, (_, i) => ({ op: 'socket', by: 'P0', sock: `k${i}`, type: 'dgram' }))), 'step 256: sock');
scen(
  '4097 rules',
  sc({ op: 'mkdir', by: 'P0', path: 'd' }, { op: 'restrict_self', by: 'P0', handled_fs: ['read_dir'], rules: Array.from({ length: 4097 }, () => ({ path: 'd', access: ['read_dir'] })) }),
  'step 1: rules',
);
add({ label: 'run: a FIFO', files: { 'f.json': { fifo: true } }, args: ['run', 'f.json'], names: 'f.json: not a regular file' });
add({ label: 'run: a character device', args: ['run', '/dev/zero'], names: '/dev/zero: not a regular file' });
add({ label: 'run: a symlink loop', files: { 'loop.json': { link: 'loop.json' } }, args: ['run', 'loop.json'], names: 'loop.json: too many levels of symbolic links' });
add({ label: 'run: no such file', args: ['run', 'nope.json'], names: 'nope.json: no such file' });
add({ label: 'run: an empty directory', files: { 'empty/.keep': '' }, args: ['run', 'empty'], names: 'no scenario files' });
add({ label: 'run: a file over 64 MiB', files: { 'big.json': { sparse: 65 << 20 } }, args: ['run', 'big.json'], names: 'big.json: 68157440 bytes' });
add({ label: 'run: unknown semantics', files: { 's.json': goodScenario }, args: ['run', 's.json', '-s', 'abi99'], names: 'unknown semantics "abi99"' });
add({ label: 'run: --errata 0x7', files: { 's.json': goodScenario }, args: ['run', 's.json', '--errata', '0x7'], names: '--errata' });
add({ label: 'run: --errata 1e300', files: { 's.json': goodScenario }, args: ['run', 's.json', '--errata', '1e300'], names: '--errata' });
add({ label: 'run: --errata -1', files: { 's.json': goodScenario }, args: ['run', 's.json', '--errata=-1'], names: '--errata' });
add({ label: 'run: --errata over 31 bits', files: { 's.json': goodScenario }, args: ['run', 's.json', '--errata', '4294967296'], names: '--errata' });

// ---- --semantics modules (given on the command line: trusted, but a bad one gets one line) ----
add({ label: 'semantics: no such module', files: { 's.json': goodScenario }, args: ['run', 's.json', '-s', './missing.mjs'], names: 'missing.mjs' });
add({ label: 'semantics: exports nothing', files: { 's.json': goodScenario, 'm.mjs': 'export const x = 1;' }, args: ['run', 's.json', '-s', './m.mjs'], names: 'm.mjs' });
add({ label: 'semantics: not a semantics', files: { 's.json': goodScenario, 'm.mjs': 'export default { name: 1 };' }, args: ['run', 's.json', '-s', './m.mjs'], names: 'm.mjs: not a scopecheck semantics' });
add({ label: 'semantics: syntax error', files: { 's.json': goodScenario, 'm.mjs': 'export default {' }, args: ['run', 's.json', '-s', './m.mjs'], names: 'm.mjs: cannot load' });
add({ label: 'semantics: throws when loaded', files: { 's.json': goodScenario, 'm.mjs': 'throw new Error("no");' }, args: ['run', 's.json', '-s', './m.mjs'], names: 'm.mjs: cannot load' });
add({ label: 'semantics: a directory', files: { 's.json': goodScenario, 'dir.mjs/x': '' }, args: ['run', 's.json', '-s', './dir.mjs'], names: 'dir.mjs' });

// ---- record ----
const corpus = { 'c.corpus.jsonl.gz': () => gz(corpusText([goodScenario])) };
add({ label: 'record: --out is a directory', files: { 's.json': goodScenario, 'out.jsonl/x': '' }, args: ['record', 's.json', '-o', 'out.jsonl'], names: '--out: out.jsonl is a directory' });
add({ label: 'record: --out of another kind', files: { 's.json': goodScenario }, args: ['record', 's.json', '-o', 'out.txt'], names: '--out' });
add({ label: 'record: --kernel with a shell metacharacter', files: { 's.json': goodScenario }, args: ['record', 's.json', '-o', 'o.jsonl', '--kernel', 'x;id'], names: '--kernel' });
add({ label: 'record: --kernel 9', files: { 's.json': goodScenario }, args: ['record', 's.json', '-o', 'o.jsonl', '--kernel', '9'], names: '--kernel' });
add({ label: 'record: --timeout-ms 9999999', files: { 's.json': goodScenario }, args: ['record', 's.json', '-o', 'o.jsonl', '--timeout-ms', '9999999'], names: '--timeout-ms' });
add({ label: 'record: --timeout-ms 0', files: { 's.json': goodScenario }, args: ['record', 's.json', '-o', 'o.jsonl', '--timeout-ms', '0'], names: '--timeout-ms' });
add({ label: 'record: --timeout-ms 1e3', files: { 's.json': goodScenario }, args: ['record', 's.json', '-o', 'o.jsonl', '--timeout-ms', '1e3'], names: '--timeout-ms' });
add({ label: 'record: --kernel and --kernel-image', files: { 's.json': goodScenario }, args: ['record', 's.json', '-o', 'o.jsonl', '--kernel', '7.3', '--kernel-image', 'x'], names: '--kernel' });
add({ label: 'record: --kernel-image that does not exist', files: { 's.json': goodScenario }, args: ['record', 's.json', '-o', 'o.jsonl', '--kernel-image', 'nope.bzImage'], names: 'nope.bzImage' });
add({ label: 'record: a trace set of a scenario file', files: { 's.json': goodScenario }, args: ['record', 's.json', '-o', 'o.results.jsonl.gz'], names: 'trace set' });
add({ label: 'record: a trace set of two corpora', files: { ...corpus, 'd.corpus.jsonl.gz': () => gz(corpusText([goodScenario])) }, args: ['record', 'c.corpus.jsonl.gz', 'd.corpus.jsonl.gz', '-o', 'o.results.jsonl.gz'], names: 'trace set' });
add({ label: 'record: a trace set far from its corpus', files: { ...corpus, 'a/b/.keep': '' }, args: ['record', 'c.corpus.jsonl.gz', '-o', 'a/b/o.results.jsonl.gz'], names: '--out' });
add({ label: 'record: corpus not gzip', files: { 'c.corpus.jsonl.gz': 'plain' }, args: ['record', 'c.corpus.jsonl.gz', '-o', 'o.results.jsonl.gz'], names: 'c.corpus.jsonl.gz: not a gzip file' });
add({ label: 'record: corpus truncated gzip', files: { 'c.corpus.jsonl.gz': () => gz(corpusText([goodScenario])).subarray(0, 20) }, args: ['record', 'c.corpus.jsonl.gz', '-o', 'o.results.jsonl.gz'], names: 'c.corpus.jsonl.gz: not a gzip file' });
add({ label: 'record: corpus gzip bomb', files: { 'c.corpus.jsonl.gz': () => bomb }, args: ['record', 'c.corpus.jsonl.gz', '-o', 'o.results.jsonl.gz'], names: 'decompresses to more than 256 MiB' });
add({ label: 'record: corpus header not JSON', files: { 'c.corpus.jsonl.gz': () => gz('{x\n') }, args: ['record', 'c.corpus.jsonl.gz', '-o', 'o.results.jsonl.gz'], names: 'c.corpus.jsonl.gz:1' });
add({ label: 'record: corpus header of another format', files: { 'c.corpus.jsonl.gz': () => gz('{"format":"x"}\n') }, args: ['record', 'c.corpus.jsonl.gz', '-o', 'o.results.jsonl.gz'], names: 'c.corpus.jsonl.gz:1' });
add({ label: 'record: corpus count mismatch', files: { 'c.corpus.jsonl.gz': () => gz(corpusText([goodScenario], 3)) }, args: ['record', 'c.corpus.jsonl.gz', '-o', 'o.results.jsonl.gz'], names: 'c.corpus.jsonl.gz:1: count' });
add({ label: 'record: corpus with a bad scenario on line 3', files: { 'c.corpus.jsonl.gz': () => gz(corpusText([goodScenario, sc({ op: 'nope', by: 'P0' })])) }, args: ['record', 'c.corpus.jsonl.gz', '-o', 'o.results.jsonl.gz'], names: 'c.corpus.jsonl.gz:3' });
add({ label: 'record: corpus line over 1 MiB', files: { 'c.corpus.jsonl.gz': () => gz(corpusText([JSON.stringify({ format: F, description: 'x'.repeat(1.2 * (1 << 20)), steps: [] })])) }, args: ['record', 'c.corpus.jsonl.gz', '-o', 'o.results.jsonl.gz'], names: 'c.corpus.jsonl.gz:2: longer than' });
add({ label: 'record: corpus empty', files: { 'c.corpus.jsonl.gz': () => gz('') }, args: ['record', 'c.corpus.jsonl.gz', '-o', 'o.results.jsonl.gz'], names: 'c.corpus.jsonl.gz:1: empty corpus' });
add({ label: 'record: scenario over the limits', files: { 's.json': sc(...Array.from({ length: 1025 }, () => EXAMPLES.exit)) }, args: ['record', 's.json', '-o', 'o.jsonl'], names: 's.json: steps' });
add({ label: 'record: a FIFO', files: { 's.json': { fifo: true } }, args: ['record', 's.json', '-o', 'o.jsonl'], names: 's.json: not a regular file' });

// ---- diff: traces and trace sets ----
const tsHeader = (o: Record<string, unknown> = {}) => JSON.stringify({ format: 'scopecheck-traceset/1', kernel, recorder, corpus: 'c.corpus.jsonl.gz', corpusSha256: 'a'.repeat(64), count: 1, ...o });
const tset = (header: string, lines = ['["ok"]']) => () => gz([header, ...lines].join('\n') + '\n');
const diffCase = (label: string, files: Case['files'], file: string, names: string) => add({ label: `diff: ${label}`, files, args: ['diff', file], names });
diffCase('empty trace file', { 't.jsonl': '' }, 't.jsonl', 't.jsonl:1: (file): no trace');
diffCase('trace line not JSON', { 't.jsonl': '{"format"' }, 't.jsonl', 't.jsonl:1');
diffCase('trace of another format', { 't.jsonl': trace({ format: 'x' }) }, 't.jsonl', 't.jsonl:1: format');
diffCase('trace result EFOO', { 't.jsonl': trace({ results: ['EFOO'] }) }, 't.jsonl', 't.jsonl:1: step 0: results');
diffCase('trace results count', { 't.jsonl': trace({ results: ['ok', 'ok'] }) }, 't.jsonl', 't.jsonl:1: results');
diffCase('trace without kernel', { 't.jsonl': trace({ kernel: undefined }) }, 't.jsonl', 't.jsonl:1: kernel');
diffCase('trace kernel abi a string', { 't.jsonl': trace({ kernel: { ...kernel, abi: '7' } }) }, 't.jsonl', 't.jsonl:1: kernel.abi');
diffCase('trace claims ABI 99', { 't.jsonl': trace({ kernel: { ...kernel, abi: 99 } }) }, 't.jsonl', 'ABI 99');
diffCase('trace with a bad scenario', { 't.jsonl': trace({ scenario: { format: F, steps: [{ op: 'x', by: 'P0' }] }, results: ['ok'] }) }, 't.jsonl', 't.jsonl:1: step 0: op');
diffCase('second trace line bad', { 't.jsonl': `${trace()}\n{}` }, 't.jsonl', 't.jsonl:2');
diffCase('trace line over 1 MiB', { 't.jsonl': trace({ scenario: { format: F, description: 'x'.repeat(1.1 * (1 << 20)), steps: [EXAMPLES.socket] } }) }, 't.jsonl', 't.jsonl:1: (line): longer than');
diffCase('trace set corpus outside', { 'x.results.jsonl.gz': tset(tsHeader({ corpus: '../../../../../etc/shadow' })) }, 'x.results.jsonl.gz', 'x.results.jsonl.gz:1: header: corpus');
diffCase('trace set corpus /dev/zero', { 'x.results.jsonl.gz': tset(tsHeader({ corpus: '/dev/zero' })) }, 'x.results.jsonl.gz', 'x.results.jsonl.gz:1: header: corpus');
diffCase('trace set corpus up two levels', { 'x.results.jsonl.gz': tset(tsHeader({ corpus: '../../c.corpus.jsonl.gz' })) }, 'x.results.jsonl.gz', 'x.results.jsonl.gz:1: header: corpus');
diffCase('trace set corpus not a corpus name', { 'x.results.jsonl.gz': tset(tsHeader({ corpus: 'x.results.jsonl.gz' })) }, 'x.results.jsonl.gz', 'x.results.jsonl.gz:1: header: corpus');
diffCase('trace set corpus a symlink', { 'x.results.jsonl.gz': tset(tsHeader()), 'c.corpus.jsonl.gz': { link: '/etc/passwd' } }, 'x.results.jsonl.gz', 'is not a regular file');
diffCase('trace set corpus a FIFO', { 'x.results.jsonl.gz': tset(tsHeader()), 'c.corpus.jsonl.gz': { fifo: true } }, 'x.results.jsonl.gz', 'is not a regular file');
diffCase('trace set corpus missing', { 'x.results.jsonl.gz': tset(tsHeader()) }, 'x.results.jsonl.gz', 'does not exist');
diffCase('trace set corpus changed', { 'x.results.jsonl.gz': tset(tsHeader()), ...corpus }, 'x.results.jsonl.gz', 'corpusSha256');
diffCase('trace set not gzip', { 'x.results.jsonl.gz': 'plain' }, 'x.results.jsonl.gz', 'x.results.jsonl.gz: not a gzip file');
diffCase('trace set gzip bomb', { 'x.results.jsonl.gz': () => bomb }, 'x.results.jsonl.gz', 'decompresses to more than');
diffCase('trace set count mismatch', { 'x.results.jsonl.gz': tset(tsHeader({ count: 2 })) }, 'x.results.jsonl.gz', 'x.results.jsonl.gz:1: count');
diffCase('trace set result EFOO', { 'x.results.jsonl.gz': tset(tsHeader(), ['["EFOO"]']) }, 'x.results.jsonl.gz', 'x.results.jsonl.gz:2: results');
diffCase('trace set empty', { 'x.results.jsonl.gz': () => gz('') }, 'x.results.jsonl.gz', 'x.results.jsonl.gz:1: empty trace set');
diffCase('trace set sha not hex', { 'x.results.jsonl.gz': tset(tsHeader({ corpusSha256: 'zz' })) }, 'x.results.jsonl.gz', 'x.results.jsonl.gz:1: header: corpusSha256');
diffCase('a directory with no traces', { 'd/x.txt': 'x' }, 'd', 'no trace files');
diffCase('no such path', {}, 'nope', 'nope: no such file');
add({ label: 'diff: --show abc', files: { 't.jsonl': trace() }, args: ['diff', 't.jsonl', '--show', 'abc'], names: '--show' });
add({ label: 'diff: --errata 0x7', files: { 't.jsonl': trace() }, args: ['diff', 't.jsonl', '--errata', '0x7'], names: '--errata' });
add({ label: 'diff: unknown semantics', files: { 't.jsonl': trace() }, args: ['diff', 't.jsonl', '-s', 'abc'], names: 'unknown semantics' });

// ---- replay: counterexamples ----
const replayCase = (label: string, text: string, names: string, extra: Case['files'] = {}) => add({ label: `replay: ${label}`, files: { 'x.json': text, ...extra }, args: ['replay', 'x.json'], names });
replayCase('names a semantics module', cxWith({ semantics: './evil.mjs' }), 'add --semantics ./evil.mjs', { 'evil.mjs': EVIL });
replayCase('names an absolute module', cxWith({ semantics: '/tmp/evil-scopecheck.mjs' }), 'add --semantics /tmp/evil-scopecheck.mjs');
replayCase('names a module with a newline', cxWith({ semantics: './a\nb.mjs' }), 'x.json: semantics');
replayCase('not JSON', '{', 'x.json: not valid JSON');
replayCase('unknown property', cxWith({ property: 'nope' }), 'x.json: property');
replayCase('unknown semantics name', cxWith({ semantics: 'abi99' }), 'x.json: semantics');
replayCase('format missing', cxWith({ format: undefined }), 'x.json: format');
replayCase('errata a string', cxWith({ errata: '7' }), 'x.json: errata');
replayCase('extra missing', cxWith({ extra: undefined }), 'x.json: extra');
replayCase('results not an array', cxWith({ results: 'ok' }), 'x.json: results');
replayCase('scenario invalid', cxWith({ scenario: { format: F, steps: [{ op: 'x', by: 'P0' }] } }), 'x.json: step 0: op');
replayCase('scenario missing', cxWith({ scenario: undefined }), 'x.json');
replayCase('unknown field', cxWith({ colour: 1 }), 'x.json');
add({ label: 'replay: an empty directory', files: { 'e/.keep': '' }, args: ['replay', 'e'], names: 'no counterexample files' });

// ---- export ----
add({ label: 'export: a counterexample naming a module', files: { 'x.json': cxWith({ semantics: './evil.mjs' }), 'evil.mjs': EVIL }, args: ['export', 'x.json', '--as', 'c'], names: 'add --semantics ./evil.mjs' });
add({ label: 'export: unknown format', files: { 's.json': goodScenario }, args: ['export', 's.json', '--as', 'pdf'], names: '--as' });
add({ label: 'export: --out a directory', files: { 's.json': goodScenario, 'o/x': '' }, args: ['export', 's.json', '--as', 'svg', '-o', 'o'], names: '--out: o is a directory' });
add({ label: 'export: an empty trace', files: { 't.jsonl': '' }, args: ['export', 't.jsonl', '--as', 'c'], names: 't.jsonl' });
add({ label: 'export: an invalid scenario', files: { 's.json': sc({ op: 'nope', by: 'P0' }) }, args: ['export', 's.json', '--as', 'shell'], names: 's.json: step 0: op' });
add({ label: 'export: a scenario over the limits', files: { 's.json': sc(...Array.from({ length: 100000 }, () => EXAMPLES.exit)) }, args: ['export', 's.json', '--as', 'svg'], names: 's.json: steps' });
add({ label: 'export: not JSON', files: { 's.json': 'x' }, args: ['export', 's.json', '--as', 'c'], names: 's.json: not valid JSON' });
add({ label: 'export: unknown semantics', files: { 's.json': goodScenario }, args: ['export', 's.json', '--as', 'c', '-s', 'abi0'], names: 'unknown semantics' });
add({ label: 'export: a FIFO', files: { 's.json': { fifo: true } }, args: ['export', 's.json', '--as', 'c'], names: 's.json: not a regular file' });

// ---- merge: shard files ----
const shard = (f: (s: Record<string, unknown>) => Record<string, unknown>) => () => JSON.stringify(f(structuredClone(shardGood)));
const mergeCase = (label: string, file: Case['files'][string], names: string, args: string[] = []) => add({ label: `merge: ${label}`, files: { 's.json': file }, args: ['merge', 's.json', ...args], names });
mergeCase('only a format', '{"format":"scopecheck-shard/1"}', 's.json: args');
mergeCase('not JSON', '{', 's.json: not valid JSON');
mergeCase('another format', '{"format":"x"}', 's.json: format');
mergeCase('names a semantics module', shard((s) => ({ ...s, args: { ...(s.args as object), semantics: ['./evil.mjs'] } })), 'add --semantics ./evil.mjs');
mergeCase('unknown property', shard((s) => ({ ...s, args: { ...(s.args as object), properties: ['nope'] } })), 's.json: args.properties');
mergeCase('jobs wrong', shard((s) => ({ ...s, jobs: 5 })), 's.json: jobs');
mergeCase('missing results', shard((s) => ({ ...s, results: [] })), 'missing 1 of 1 jobs');
mergeCase('result index out of range', shard((s) => ({ ...s, results: [{ ...(s.results as object[])[0], index: 9 }] })), 's.json: results.9: index');
mergeCase('result of another kind', shard((s) => ({ ...s, results: [{ index: 0, result: { kind: 'unit', unit: { unit: 0, scenarios: 1, states: 1, reached: 1, memoHits: 0, collisions: 0, capped: false, found: {} } } }] })), 's.json: results.0: kind');
mergeCase(
  'a forged counterexample',
  shard((s) => {
    const r = (s.results as { result: { cell: Record<string, unknown> } }[])[0]!;
    r.result.cell.counterexample = { format: F, steps: [EXAMPLES.socket] };
    return s;
  }),
  'does not violate sandbox-closed',
);
mergeCase(
  'an invalid counterexample',
  shard((s) => {
    const r = (s.results as { result: { cell: Record<string, unknown> } }[])[0]!;
    r.result.cell.counterexample = { format: F, steps: [{ op: 'x', by: 'P0' }] };
    return s;
  }),
  'counterexample: step 0: op',
);
mergeCase('verdict not a verdict', shard((s) => { (s.results as { result: { cell: Record<string, unknown> } }[])[0]!.result.cell.verdict = 'maybe'; return s; }), 's.json: results.0.result.cell.verdict');
mergeCase('shard k over n', shard((s) => ({ ...s, shard: { k: 0, n: 1 } })), 's.json: shard.k');
mergeCase('--junit a directory', shard((s) => s), '--junit', ['--junit', '.']);
add({ label: 'merge: shards of two runs', files: { 's.json': shard((s) => s), 't.json': shard((s) => ({ ...s, args: { ...(s.args as object), seed: 1 } })) }, args: ['merge', 's.json', 't.json'], names: 't.json: args' });

// ---- found by review: each stays fixed ----
scen('a steps array of 300,000 elements (no memory blow-up)', JSON.stringify({ format: F, steps: Array.from({ length: 300_000 }, () => 1) }), 'steps');
scen('an unknown field whose name holds a line break', sc({ op: 'exit', by: 'P0', 'x\ny': 1 }), 'step 0: "x\\ny"');
add({ label: 'run: a directory holding a file name with a line break', files: { 'nd/ok.json': goodScenario, 'nd/evil\nscopecheck: all good.json': goodScenario }, args: ['run', 'nd'], names: 'nd: holds a file whose name has a control character' });
diffCase('trace release with a line break', { 't.jsonl': trace({ kernel: { ...kernel, release: '6.18\nfake' } }) }, 't.jsonl', 't.jsonl:1: kernel.release');
diffCase('trace set corpus through a linked directory', { 'x.results.jsonl.gz': tset(tsHeader({ corpus: 'sub/tests.corpus.jsonl.gz' })), 'sub': { link: join(ROOT, 'traces/corpus') } }, 'x.results.jsonl.gz', 'through a link');
diffCase('ABI 99 names the file', { 't.jsonl': trace({ kernel: { ...kernel, abi: 99 } }) }, 't.jsonl', 't.jsonl: trace 1: kernel');
replayCase('results not errno names', cxWith({ results: (cx.results as string[]).map(() => 'EFOO') }), 'x.json: results');
add({ label: 'replay: a good and a bad file: nothing replayed', files: { 'a.json': JSON.stringify(cx), 'b.json': '{' }, args: ['replay', 'a.json', 'b.json'], names: 'b.json: not valid JSON' });
mergeCase('walks over the limit', shard((s) => ({ ...s, args: { ...(s.args as object), mode: 'simulate', walks: 1e12, depth: 10, bound: { tasks: 2, layers: 1, sockets: 1, steps: 4 } } })), 's.json: args.walks');
mergeCase('a violation without a counterexample', shard((s) => { const c = (s.results as { result: { cell: Record<string, unknown> } }[])[0]!.result.cell; c.counterexample = null; return s; }), 'a violation comes with a counterexample');
mergeCase('a forged expected verdict', shard((s) => { (s.results as { result: { cell: Record<string, unknown> } }[])[0]!.result.cell.expected = 'holds'; return s; }), 'cell.expected');
mergeCase('forged runs', shard((s) => { (s.results as { result: { cell: Record<string, unknown> } }[])[0]!.result.cell.runs = 1e15; return s; }), 'cell.runs');
mergeCase('a job twice', shard((s) => ({ ...s, results: [...(s.results as object[]), ...(s.results as object[])] })), 'appears twice');
add({ label: 'check: a FIFO where its counterexample goes', files: { 'cx/abi7/sandbox-closed.json': { fifo: true } }, args: ['check', '-s', 'abi7', '-p', 'sandbox-closed', '--runs', '300', '--out', 'cx'], names: 'not a regular file' });

// ---- corpus ----
const corpusCase = (label: string, args: string[], names: string, files: Case['files'] = {}) => add({ label: `corpus: ${label}`, files, args: ['corpus', ...args], names });
corpusCase('--random 1e12', ['--random', '1e12', '--name', 'r', '-o', 'r.corpus.jsonl.gz'], '--random');
corpusCase('--random over the limit', ['--random', '20000000', '--name', 'r', '-o', 'r.corpus.jsonl.gz'], '--random');
corpusCase('--random -1', ['--random=-1', '--name', 'r', '-o', 'r.corpus.jsonl.gz'], '--random');
corpusCase('files and --random', ['s.json', '--random', '5', '--name', 'r', '-o', 'r.corpus.jsonl.gz'], '--random', { 's.json': goodScenario });
corpusCase('--out of another kind', ['--random', '5', '--name', 'r', '-o', 'r.gz'], '--out');
corpusCase('--out a directory', ['--random', '5', '--name', 'r', '-o', 'd.corpus.jsonl.gz'], '--out: d.corpus.jsonl.gz is a directory', { 'd.corpus.jsonl.gz/x': '' });
corpusCase('--name missing', ['--random', '5', '-o', 'r.corpus.jsonl.gz'], '--name');
corpusCase('--seed abc', ['--random', '5', '--seed', 'abc', '--name', 'r', '-o', 'r.corpus.jsonl.gz'], '--seed');
corpusCase('an invalid scenario', ['s.json', '--name', 'r', '-o', 'r.corpus.jsonl.gz'], 's.json: step 0: op', { 's.json': sc({ op: 'x', by: 'P0' }) });

// ---- check ----
const checkCase = (label: string, args: string[], names: string, files: Case['files'] = {}) => add({ label: `check: ${label}`, files, args: ['check', '--no-save', '--out', 'cx', ...args], names });
checkCase('--runs 0', ['--runs', '0'], '--runs');
checkCase('--runs abc', ['--runs', 'abc'], '--runs');
checkCase('--runs 1e9', ['--runs', '1e9'], '--runs');
checkCase('--runs over the limit', ['--runs', '99999999'], '--runs');
checkCase('--seed -1', ['--seed=-1'], '--seed');
checkCase('--bound without --exhaustive', ['--bound', 'steps=2'], '--bound');
checkCase('--bound bad', ['--exhaustive', '--bound', 'colour=3'], '--bound');
checkCase('--exact without --exhaustive', ['--exact'], '--exact');
checkCase('--property unknown', ['--property', 'nope'], 'unknown property "nope"');
checkCase('--semantics unknown', ['--semantics', 'abi0'], 'unknown semantics');
checkCase('--semantics not a module', ['--semantics', './m.mjs'], 'm.mjs', { 'm.mjs': 'export default 5;' });
checkCase('--junit a directory', ['--junit', 'j'], '--junit: j is a directory', { 'j/x': '' });
checkCase('--html a directory', ['--html', 'h'], '--html: h is a directory', { 'h/x': '' });
checkCase('--shard 3/2', ['--shard', '3/2', '--shard-out', 's.json'], '--shard');
checkCase('--shard without --shard-out', ['--shard', '1/2'], '--shard-out');
checkCase('--shard-out a directory', ['--shard', '1/2', '--shard-out', 'sd'], '--shard-out: sd is a directory', { 'sd/x': '' });
checkCase('--workers 0', ['--workers', '0'], '--workers');
checkCase('--max-steps 0', ['--max-steps', '0'], '--max-steps');
checkCase('--errata 0x7', ['--errata', '0x7'], '--errata');
checkCase('unknown option', ['--colour'], '--colour');

function lay(dir: string, files: NonNullable<Case['files']>): void {
  for (const [name, v0] of Object.entries(files)) {
    const p = join(dir, name);
    mkdirSync(join(p, '..'), { recursive: true });
    const v = typeof v0 === 'function' ? v0() : v0;
    if (typeof v === 'string' || Buffer.isBuffer(v)) writeFileSync(p, v);
    else if ('fifo' in v) execFileSync('mkfifo', [p]);
    else if ('link' in v) symlinkSync(v.link, p);
    else {
      writeFileSync(p, '');
      truncateSync(p, v.sparse);
    }
  }
}

/** Every path below dir with its size (FIFOs and links as such), sorted. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (st?.isDirectory()) {
        out.push(`${p}/`);
        walk(p);
      } else out.push(`${p} ${st ? st.size : 'dangling'}`);
    }
  };
  walk(dir);
  return out;
}

describe('bad inputs: exit 2, one line naming what is wrong, nothing written, nothing run', () => {
  test('there are at least 150 cases', () => expect(cases.length).toBeGreaterThanOrEqual(150));
  cases.forEach((c, i) => {
    test(c.label, async () => {
      const dir = join(work, `case${i}`);
      mkdirSync(dir);
      lay(dir, c.files ?? {});
      chmodSync(dir, 0o755);
      const before = listing(dir);
      const cwd = process.cwd();
      const uses = replayerUses();
      let out = '';
      let err = '';
      const io: Io = { out: (s) => void (out += s.endsWith('\n') ? s : `${s}\n`), err: (s) => void (err += s.endsWith('\n') ? s : `${s}\n`), isTTY: false };
      process.chdir(dir);
      let code: number;
      try {
        code = await main(c.args, io);
      } finally {
        process.chdir(cwd);
      }
      // `check` says how much it checked before it saves: a status line, not a message about the input.
      const lines = err.trimEnd().split('\n').filter((l) => !/^checked \d+ (scenarios|walk steps) in /.test(l));
      expect({ code, out: out.trim() }, err).toEqual({ code: 2, out: '' });
      expect(lines.length, err).toBe(1);
      expect(lines[0], err).toContain(c.names);
      expect(err).not.toMatch(/^\s+at |internal error/m);
      expect(listing(dir), 'nothing is written').toEqual(before);
      expect(replayerUses(), 'no replayer was started').toBe(uses);
    }, 30_000);
  });
});
