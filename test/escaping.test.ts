/**
 * What reaches generated C from a scenario (its name, its description, a file name) cannot end a
 * comment, open a nested one or form a trigraph, and string literals escape every other byte: the
 * exports build with -Wall -Wextra -Werror whatever the scenario says.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { cCommentText, cString } from '../format/export/common.js';
import { exportC, exportKselftest } from '../format/export/index.js';
import { parseScenario } from '../format/scenario.js';
import { readOpsHeader } from '../kernel/build-replayer.js';
import { abi7 } from '../model/semantics/index.js';
import { evaluate } from '../ops/engine.js';

const dir = mkdtempSync(join(tmpdir(), 'scopecheck-escaping-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NASTY = 'a */ b /* c ??/ d ??= e\nf "g" \\h \u0007 i';

describe('generated C', () => {
  test('comment text and string literals', () => {
    const c = cCommentText(NASTY);
    expect(c).not.toMatch(/\*\/|\/\*|\?\?|\n|\u0007/);
    expect(cString(NASTY)).toMatch(/^"[\x20-\x7e]*"$/);
    expect(cString(NASTY)).not.toContain('??');
  });
  test('a scenario with a hostile description and source builds with -Werror', () => {
    const scenario = parseScenario({ format: 'scopecheck-scenario/1', description: NASTY, steps: [{ op: 'socket', by: 'P0', sock: 's', type: 'stream' }] });
    const input = { scenario, outcomes: evaluate(scenario, abi7), semantics: 'abi7', source: `x${NASTY}.json`, opsHeader: readOpsHeader() };
    writeFileSync(join(dir, 'c.c'), exportC(input));
    execFileSync('gcc', ['-std=gnu11', '-Wall', '-Wextra', '-Wcomment', '-Wtrigraphs', '-Werror', '-fsyntax-only', join(dir, 'c.c')]);
    const k = exportKselftest(input);
    expect(k).not.toMatch(/\?\?/);
    for (const comment of k.match(/\/\*[\s\S]*?\*\//g) ?? []) expect(comment.slice(2)).not.toContain('/*');
    expect(readFileSync(join(dir, 'c.c'), 'utf8')).not.toContain('\u0007');
  });
});
