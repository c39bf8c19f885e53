/**
 * Malformed scenario files: each is rejected with the file, the step index and the field, and
 * `scopecheck run` exits 2 without evaluating anything.
 */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { main, type Io } from '../cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'scopecheck-validation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const F = 'scopecheck-scenario/1';
const sc = (...steps: unknown[]) => JSON.stringify({ format: F, steps });
const fork = { op: 'fork', by: 'P0', child: 'P1' };
const sock = { op: 'socket', by: 'P0', sock: 's', type: 'stream' };

/** [label, file text, expected step (or null), expected field] */
const CASES: [string, string, number | null, string][] = [
  ['bad JSON', '{"format": ', null, '(file)'],
  ['not an object', '[1,2]', null, '(file)'],
  ['missing format', JSON.stringify({ steps: [] }), null, 'format'],
  ['wrong format', JSON.stringify({ format: 'scopecheck-scenario/2', steps: [] }), null, 'format'],
  ['missing steps', JSON.stringify({ format: F }), null, 'steps'],
  ['unknown top-level field', JSON.stringify({ format: F, steps: [], extra: 1 }), null, 'extra'],
  ['bad scenario name', JSON.stringify({ format: F, name: 'has space', steps: [] }), null, 'name'],
  ['unknown op', sc({ op: 'shutdown', by: 'P0', sock: 's' }), 0, 'op'],
  ['missing op', sc({ by: 'P0' }), 0, 'op'],
  ['missing by', sc({ op: 'exit' }), 0, 'by'],
  ['unknown field in step', sc({ ...fork, colour: 'red' }), 0, 'colour'],
  ['bad task name', sc({ op: 'fork', by: 'P0', child: '1abc' }), 0, 'child'],
  ['task name too long', sc({ op: 'fork', by: 'P0', child: `T${'x'.repeat(32)}` }), 0, 'child'],
  ['dangling acting task', sc({ op: 'exit', by: 'P9' }), 0, 'by'],
  ['reused task name', sc(fork, { op: 'fork', by: 'P0', child: 'P1' }), 1, 'child'],
  ['reused P0', sc({ op: 'thread', by: 'P0', child: 'P0' }), 0, 'child'],
  ['dangling socket', sc({ op: 'listen', by: 'P0', sock: 'nope' }), 0, 'sock'],
  ['reused socket name', sc(sock, sock), 1, 'sock'],
  ['socketpair same names', sc({ op: 'socketpair', by: 'P0', socks: ['a', 'a'], type: 'dgram' }), 0, 'socks.1'],
  ['socketpair one name', sc({ op: 'socketpair', by: 'P0', socks: ['a'], type: 'dgram' }), 0, 'socks'],
  ['bad socket type', sc({ op: 'socket', by: 'P0', sock: 's', type: 'raw' }), 0, 'type'],
  ['address with both kinds', sc(sock, { op: 'bind', by: 'P0', sock: 's', addr: { abstract: 'a', pathname: 'b' } }), 1, 'addr'],
  ['empty abstract name', sc(sock, { op: 'bind', by: 'P0', sock: 's', addr: { abstract: '' } }), 1, 'addr'],
  ['absolute pathname', sc(sock, { op: 'connect', by: 'P0', sock: 's', addr: { pathname: '/tmp/x' } }), 1, 'addr'],
  ['dot-dot component', sc(sock, { op: 'connect', by: 'P0', sock: 's', addr: { pathname: 'a/../b' } }), 1, 'addr'],
  ['pathname too long', sc(sock, { op: 'connect', by: 'P0', sock: 's', addr: { pathname: 'a'.repeat(65) } }), 1, 'addr'],
  ['bad characters in abstract name', sc(sock, { op: 'sendto', by: 'P0', sock: 's', addr: { abstract: 'a b' } }), 1, 'addr'],
  ['acting task exited', sc(fork, { op: 'exit', by: 'P1' }, { op: 'kill', by: 'P1', target: 'P0' }), 2, 'by'],
  ['thread of an exited process acts', sc(fork, { op: 'thread', by: 'P1', child: 'T' }, { op: 'exit', by: 'P1' }, { op: 'exit', by: 'T' }), 3, 'by'],
  ['pass to an exited task', sc(sock, fork, { op: 'exit', by: 'P1' }, { op: 'pass', by: 'P0', sock: 's', to: 'P1' }), 3, 'to'],
  ['pass to unknown task', sc(sock, { op: 'pass', by: 'P0', sock: 's', to: 'Q' }), 1, 'to'],
  ['kill unknown task', sc({ op: 'kill', by: 'P0', target: 'Q' }), 0, 'target'],
  ['bad signal', sc({ op: 'kill', by: 'P0', target: 'P0', signal: 'SIGKILL' }), 0, 'signal'],
  ['unknown scope', sc({ op: 'restrict_self', by: 'P0', scoped: ['ptrace'] }), 0, 'scoped.0'],
  ['unknown fs right', sc({ op: 'restrict_self', by: 'P0', handled_fs: ['fly'] }), 0, 'handled_fs.0'],
  ['rule without access', sc({ op: 'restrict_self', by: 'P0', handled_fs: ['make_sock'], rules: [{ path: 'd' }] }), 0, 'rules.0.access'],
  ['rule with unknown field', sc({ op: 'restrict_self', by: 'P0', rules: [{ path: 'd', access: [], x: 1 }] }), 0, 'rules.0.x'],
  ['tsync not boolean', sc({ op: 'restrict_self', by: 'P0', scoped: ['signal'], tsync: 'yes' }), 0, 'tsync'],
  ['bad expect', sc({ op: 'exit', by: 'P0', expect: 'fine' }), 0, 'expect'],
  ['mkdir with empty component', sc({ op: 'mkdir', by: 'P0', path: 'a//b' }), 0, 'path'],
];

function capture(): Io & { text: () => string } {
  const buf: string[] = [];
  return { out: (s) => buf.push(s), err: (s) => buf.push(s), isTTY: false, text: () => buf.join('\n') };
}

describe('malformed scenario files', () => {
  test('there are at least 30 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(30));
  CASES.forEach(([label, text, stepIdx, field], i) => {
    test(`${label}: rejected with file, step and field, exit 2`, async () => {
      const file = join(dir, `case${i}.json`);
      writeFileSync(file, text);
      const io = capture();
      const code = await main(['run', file], io);
      expect(code).toBe(2);
      const msg = io.text();
      expect(msg).toContain(file);
      if (stepIdx !== null) expect(msg).toContain(`step ${stepIdx}: ${field}`);
      else expect(msg).toContain(`: ${field}:`);
      expect(msg).not.toContain('under abi'); // nothing was evaluated
    });
  });
  test('a bad file among good ones stops everything before any output', async () => {
    const good = join(dir, 'good.json');
    writeFileSync(good, sc(fork));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, sc({ op: 'nope', by: 'P0' }));
    const io = capture();
    expect(await main(['run', good, bad], io)).toBe(2);
    expect(io.text()).not.toContain('good.json');
  });
});
