/**
 * Progress on long work: on a terminal, a bar with the rate and the time left and a line per
 * worker; nothing of it when stderr is not a terminal or with --json.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { PROPERTIES } from '../properties/invariants.js';

const CLI = join(import.meta.dirname, '..', 'bin', 'scopecheck.js');
const hasScript = spawnSync('sh', ['-c', 'command -v script']).status === 0;
if (!hasScript) console.warn('SKIPPED: progress on a terminal: util-linux script(1) is not installed');

describe('progress', () => {
  test.skipIf(!hasScript)('on a terminal: a bar with rate and ETA, one line per worker', () => {
    // script(1) gives the command a pseudo-terminal and copies what it printed.
    const r = spawnSync('script', ['-qec', `node ${CLI} check --runs 3000 --no-save -s abi7 abi11 --workers 2`, '/dev/null'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    // One job per property and semantics.
    expect(r.stdout).toMatch(new RegExp(`\\d+/${PROPERTIES.length * 2} jobs \\| [\\d.]+/s \\| ETA`));
    expect(r.stdout).toMatch(/worker 1: [a-z-]+ under abi(7|11)/);
    expect(r.stdout).toMatch(/worker 2: [a-z-]+ under abi(7|11)/);
  }, 120_000);
  test('not a terminal: no bar', () => {
    const r = spawnSync('node', [CLI, 'check', '--runs', '500', '--no-save', '-s', 'abi7'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/ETA|worker 1:/);
  }, 120_000);
  test.skipIf(!hasScript)('--json on a terminal: no bar', () => {
    const r = spawnSync('script', ['-qec', `node ${CLI} check --runs 500 --no-save -s abi7 --json`, '/dev/null'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/ETA|worker 1:/);
  }, 120_000);
});
