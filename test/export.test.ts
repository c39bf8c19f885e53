/**
 * scopecheck export: the C program is compiled and run on the live kernel (Landlock ABI 7 here)
 * and must agree with the model under abi7 (exit 0) and disagree under abi11 for a scenario that
 * uses resolve_unix (exit 1), leaving no process and no directory behind. The other formats get
 * structural checks.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, release } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { main, type Io } from '../cli/main.js';
import { exportMermaid, exportShell, exportSvg, exportKselftest, type ExportInput } from '../format/export/index.js';
import { parseScenarioText } from '../format/scenario.js';
import { evaluate } from '../ops/engine.js';
import { builtinSemantics } from '../model/semantics/index.js';
import { landlockAvailable } from '../kernel/replayer.js';

const ROOT = join(import.meta.dirname, '..');
const SIBLINGS = join(ROOT, 'scenarios/edge/01-siblings-same-ruleset.json');
const TMUX = join(ROOT, 'scenarios/seed/tmux-escape.json');
const CX = join(ROOT, 'counterexamples/abi7/sandbox-closed.json');
const THREADS = join(ROOT, 'scenarios/edge/26-kill-leader-tgkill-thread.json');
const EXIT = join(ROOT, 'scenarios/edge/exit-and-close.json');

const work = mkdtempSync(join(tmpdir(), 'scopecheck-export-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => void (out += s.endsWith('\n') ? s : `${s}\n`), err: (s) => void (err += `${s}\n`), isTTY: false };
  const code = await main(args, io);
  return { code, out, err };
}

function input(file: string, sem: string): ExportInput {
  const scenario = parseScenarioText(readFileSync(file, 'utf8'), file);
  return { scenario, outcomes: evaluate(scenario, builtinSemantics(sem)!), semantics: sem, source: file };
}

/** Processes whose executable is `bin` (ours only: the binary lives in our private directory). */
function processesRunning(bin: string): number[] {
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readlinkSync(`/proc/${e}/exe`) === bin) pids.push(Number(e));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return pids;
}

const LIVE = landlockAvailable();
if (!LIVE) console.warn(`[test/export.test.ts] SKIPPING the live-kernel runs of exported C programs: Landlock is not available on ${release()}`);

describe('export --as c, compiled and run on the live kernel', () => {
  let n = 0;
  /** Exports with the CLI, compiles with gcc -Wall -O2 -pthread (no warnings), runs; asserts no leftovers. */
  async function buildAndRun(file: string, sem: string | null) {
    const k = n++;
    const src = join(work, `prog${k}.c`);
    const bin = join(work, `prog${k}`);
    const r = await cli(['export', file, '--as', 'c', ...(sem ? ['--semantics', sem] : []), '-o', src]);
    expect(r.code, r.err).toBe(0);
    const cc = spawnSync('gcc', ['-Wall', '-O2', '-pthread', src, '-o', bin], { encoding: 'utf8' });
    expect(cc.status, cc.stderr).toBe(0);
    expect(cc.stderr).toBe(''); // no warnings
    const tmp = mkdtempSync(join(work, `run${k}-`));
    const run = spawnSync(bin, [], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, TMPDIR: tmp } });
    expect(run.error).toBeUndefined();
    expect(readdirSync(tmp)).toEqual([]); // its private directory is gone
    expect(processesRunning(bin)).toEqual([]); // and so are its tasks
    return { code: run.status, out: run.stdout, err: run.stderr, src };
  }

  function expectResults(out: string, file: string, sem: string) {
    const want = evaluate(parseScenarioText(readFileSync(file, 'utf8'), file), builtinSemantics(sem)!).map((o) => o.result);
    want.forEach((w, i) => expect(out).toMatch(new RegExp(`^step ${i}: .* = ${w} \\(expected ${w}\\)$`, 'm')));
  }

  test.skipIf(!LIVE)('siblings enforcing the same ruleset: every result as abi7 predicts', async () => {
    const r = await buildAndRun(SIBLINGS, 'abi7');
    expect(r.code, r.out + r.err).toBe(0);
    expectResults(r.out, SIBLINGS, 'abi7');
    expect(r.out).toMatch(/step 8: P2 connect cli -> @srv = EPERM \(expected EPERM\)/);
    expect(r.out).toMatch(/^PASS: all 11 results are those of abi7$/m);
  });

  test.skipIf(!LIVE)('the tmux escape under abi7: the connect succeeds, as predicted', async () => {
    const r = await buildAndRun(TMUX, 'abi7');
    expect(r.code, r.out + r.err).toBe(0);
    expectResults(r.out, TMUX, 'abi7');
    expect(r.out).toMatch(/step 9: P1 connect client -> tmux-0\/default = ok/);
  });

  test.skipIf(!LIVE)('a counterexample file: its own semantics (abi7) by default', async () => {
    const r = await buildAndRun(CX, null);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/expected results are those of abi7/);
    expect(r.out).toMatch(/^PASS: all 6 results are those of abi7$/m);
  });

  test.skipIf(!LIVE)('threads, tgkill, exit and close: as abi7 predicts', async () => {
    for (const f of [THREADS, EXIT]) {
      const r = await buildAndRun(f, 'abi7');
      expect(r.code, r.out + r.err).toBe(0);
      expectResults(r.out, f, 'abi7');
    }
  });

  test.skipIf(!LIVE)('under a semantics the kernel disagrees with (abi11, resolve_unix): exit 1', async () => {
    const r = await buildAndRun(TMUX, 'abi11');
    expect(r.code).toBe(1);
    // The kernel (ABI 7) rejects resolve_unix; abi11 accepts it and then denies the connect.
    expect(r.out).toMatch(/step 6: .* = EINVAL \(expected ok\)  <-- DIFFERS/);
    expect(r.out).toMatch(/step 9: .* = ok \(expected EACCES\)  <-- DIFFERS/);
    expect(r.out).toMatch(/^FAIL: 3 of 11 results differ from abi11$/m);
  });

  test('the program is standalone: no repository include, own Landlock definitions', async () => {
    const r = await cli(['export', SIBLINGS, '--as', 'c', '-s', 'abi7']);
    expect(r.code).toBe(0);
    const includes = [...r.out.matchAll(/^#include [<"](.*)[>"]$/gm)].map((m) => m[1]);
    expect(includes.every((h) => !h!.includes('landlock') && !h!.startsWith('.'))).toBe(true);
    expect(r.out).toMatch(/struct ll_ruleset_attr \{/);
    expect(r.out).toMatch(/SYS_landlock_restrict_self 446/);
  });
});

/** Every opening tag is closed in order (self-closing tags aside). */
function balancedTags(x: string): boolean {
  const stack: string[] = [];
  for (const m of x.matchAll(/<(\/?)([A-Za-z][\w:-]*)([^>]*?)(\/?)>/g)) {
    const [, close, name, , self] = m;
    if (self) continue;
    if (close) {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  return stack.length === 0;
}

describe('export --as svg / mermaid', () => {
  for (const [file, sem] of [
    [SIBLINGS, 'abi7'],
    [TMUX, 'abi11'],
    [TMUX, 'abi7'],
    [THREADS, 'abi7'],
  ] as const) {
    const i = input(file, sem);
    const reachSteps = i.outcomes.flatMap((o, k) => (o.reach ? [k] : []));
    const denied = i.outcomes.flatMap((o, k) => (o.denial ? [k] : []));

    test(`svg of ${file.replace(/^.*\//, '')} under ${sem}: balanced, an arrow per reach step, denials marked`, () => {
      const svg = exportSvg(i);
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(balancedTags(svg)).toBe(true);
      expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/); // self-contained
      for (const k of reachSteps) expect(svg).toMatch(new RegExp(`<path class="arrow \\w+" data-step="${k}"`));
      for (const k of denied) expect(svg).toMatch(new RegExp(`<path class="arrow denied" data-step="${k}" data-status="denied"[^>]*stroke="#d32f2f"[^>]*stroke-dasharray`));
      expect(svg).toMatch(/class="legend"/);
      expect(svg).toContain(`<title>${i.scenario.name} under ${sem}</title>`);
    });

    test(`mermaid of ${file.replace(/^.*\//, '')} under ${sem}: nested subgraphs, an arrow per reach step`, () => {
      const m = exportMermaid(i);
      expect(m.startsWith('flowchart TB\n')).toBe(true);
      const opens = (m.match(/^\s*subgraph /gm) ?? []).length;
      expect(opens).toBeGreaterThan(0);
      expect((m.match(/^\s*end$/gm) ?? []).length).toBe(opens);
      for (const k of reachSteps) expect(m).toMatch(new RegExp(`-(->|\\.->)\\|"#${k} `));
      for (const k of denied) expect(m).toMatch(new RegExp(`-\\.->\\|"#${k} \\w+: E[A-Z]+ \\(layer \\d+, [a-z_]+\\)"\\|`));
      expect((m.match(/^\s*linkStyle \d+ /gm) ?? []).length).toBe((m.match(/ -(->|\.->)\|/g) ?? []).length);
    });
  }

  test('siblings: two sibling domains under the root, the denied connect and kills dotted', () => {
    const m = exportMermaid(input(SIBLINGS, 'abi7'));
    expect(m).toMatch(/subgraph dom_none\["no domain"\]\n\s+direction TB[\s\S]*subgraph dom_D1\[[\s\S]*end\n\s+subgraph dom_D2\[/);
    expect(m).toMatch(/task_P2_D2 -\.->\|"#8 connect: EPERM \(layer 0, abstract_unix_socket\)"\| sock_srv/);
    expect(m).toMatch(/task_P1_D1 -\.->\|"#10 kill: EPERM \(layer 0, signal\)"\| task_P2_D2/);
  });
});

describe('export --as shell / kselftest', () => {
  test('shell: parses with sh -n, sandboxer with LL_SCOPED, socat, expected results as comments', () => {
    const i = input(SIBLINGS, 'abi7');
    const sh = exportShell(i);
    const f = join(work, 'siblings.sh');
    writeFileSync(f, sh);
    execFileSync('sh', ['-n', f]);
    expect(sh).toMatch(/LL_FS_RO="\/" LL_FS_RW="\/" LL_SCOPED="a:s" "\$SANDBOXER" socat ABSTRACT-LISTEN:"\$NS"srv,fork/);
    expect(sh).toMatch(/socat - ABSTRACT-CONNECT:"\$NS"srv/);
    expect(sh).toMatch(/\/bin\/kill -s 0/);
    i.scenario.steps.forEach((_, k) => expect(sh).toMatch(new RegExp(`^# #${k} .*\\n(#   .*\\n)*#   expected: ${i.outcomes[k]!.result}`, 'm')));
    expect(sh).toMatch(/rm -rf "\$D"/);
  });

  test('shell: the tmux escape, pathname socat, nested sandboxers, comments for steps without equivalent', () => {
    const sh = exportShell(input(TMUX, 'pathname-scope-patch'));
    expect(sh).toMatch(/socat UNIX-LISTEN:tmux-0\/default,fork/);
    expect(sh).toMatch(/LL_SCOPED="a:s:u" "\$SANDBOXER" env LL_FS_RO="\/" LL_FS_RW="" LL_SCOPED="a:s" "\$SANDBOXER" socat - UNIX-CONNECT:tmux-0\/default/);
    expect(sh).toMatch(/expected: EPERM \(denied by layer 0: pathname_unix_socket\)/);
    const th = exportShell(input(THREADS, 'abi7'));
    expect(th).toMatch(/no shell equivalent \(a thread/);
    expect(th).toMatch(/no shell equivalent for tgkill/);
  });

  test('kselftest: harness style, one TEST, header with description and semantics, every step asserted', () => {
    const i = input(SIBLINGS, 'abi7');
    const c = exportKselftest(i);
    expect(c).toMatch(/^\/\/ SPDX-License-Identifier: GPL-2\.0\n/);
    expect(c).toContain('#include "common.h"');
    expect(c).toMatch(/^TEST\(scoped_s_01_siblings_same_ruleset\)$/m);
    expect(c).toMatch(/\nTEST_HARNESS_MAIN\n$/);
    expect(c).toContain('two processes enforcing the same scoped ruleset');
    expect(c).toContain('the scopecheck model under the semantics "abi7"');
    expect(c).toMatch(/EXPECT_EQ\(EPERM, RES\(connect\(sock\[1\]/);
    expect(c).toMatch(/EXPECT_EQ\(EPERM, RES\(kill\(ctx->pid\[1\], 0\)\)\)/);
    expect(c).toMatch(/\.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET \| LANDLOCK_SCOPE_SIGNAL,/);
    i.scenario.steps.forEach((_, k) => expect(c).toMatch(new RegExp(`/\\* #${k} `)));
    expect((c.match(/\{/g) ?? []).length).toBe((c.match(/\}/g) ?? []).length);
  });
});

describe('export: the command line', () => {
  test('stdout by default, -o writes the file, unknown format and bad input exit 2', async () => {
    const r = await cli(['export', SIBLINGS, '--as', 'mermaid', '-s', 'abi7']);
    expect(r.code).toBe(0);
    expect(r.out.startsWith('flowchart TB')).toBe(true);
    const out = join(work, 'x.svg');
    expect((await cli(['export', CX, '--as', 'svg', '-o', out])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/<\/svg>\n$/);
    expect((await cli(['export', SIBLINGS, '--as', 'pdf'])).code).toBe(2);
    const bad = join(work, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'scopecheck-scenario/1', steps: [{ op: 'listen', by: 'P0', sock: 'nope' }] }));
    const b = await cli(['export', bad, '--as', 'c']);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/bad\.json: step 0: sock: socket "nope" is not introduced/);
    expect((await cli(['export', join(work, 'missing.json'), '--as', 'c'])).code).toBe(2);
  });

  test('a trace file (.jsonl): its first scenario, under its kernel ABI by default', async () => {
    const t = join(work, 't.jsonl');
    const scenario = JSON.parse(readFileSync(SIBLINGS, 'utf8'));
    const results = evaluate(parseScenarioText(readFileSync(SIBLINGS, 'utf8')), builtinSemantics('abi7')!).map((o) => o.result);
    writeFileSync(
      t,
      `${JSON.stringify({ format: 'scopecheck-trace/1', kernel: { release: '6.18.44', abi: 7, errata: 7, arch: 'x86_64' }, recorder: { name: 'scopecheck-replay', version: '0.1.0' }, scenario, results })}\n`,
    );
    const r = await cli(['export', t, '--as', 'c']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/#define SEMANTICS "abi7"/);
  });
});
