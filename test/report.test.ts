/**
 * Reports of a check run: JUnit XML structure, and the HTML page opened in headless Chromium
 * (Debian package "chromium"), driven over the DevTools protocol on --remote-debugging-pipe:
 * the matrix renders, clicking a violated cell opens its counterexample. Skipped, with a visible
 * message, when Chromium is not installed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { htmlReport, junitReport, type KernelAgreement } from '../report/html.js';
import { builtinSemantics } from '../model/semantics/index.js';
import { checkCell, type CellResult } from '../properties/check.js';
import { propertyByName } from '../properties/invariants.js';
import { loadLayout } from '../cli/cmd-export.js';

const work = mkdtempSync(join(tmpdir(), 'scopecheck-report-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A small check run: two properties × three semantics, 300 scenarios per cell. */
function smallRun(): CellResult[] {
  const cells: CellResult[] = [];
  for (const s of ['abi7', 'abi11', 'pathname-scope-patch'])
    for (const p of ['sandbox-closed', 'siblings-isolated'])
      cells.push(checkCell(propertyByName(p)!, builtinSemantics(s)!, { seed: 20261128, runs: 300 }));
  return cells;
}

const layout = await loadLayout();
const cells = smallRun();
// One unexpected verdict, as a regression would show it.
const withUnexpected: CellResult[] = cells.map((c) => (c.property === 'siblings-isolated' && c.semantics === 'abi11' ? { ...c, expected: 'violated' } : c));
const kernels: KernelAgreement[] = [
  { kernel: '6.18.44', abi: 7, semantics: 'abi7', traces: 10090, disagreements: 0 },
  { kernel: '7.3.4', abi: 11, semantics: 'abi11', traces: 10090, disagreements: 2 },
];

describe('junitReport', () => {
  test('a suite per semantics, a case per property, a failure per unexpected verdict', () => {
    const x = junitReport(withUnexpected, { seed: 20261128, runs: 300, command: 'scopecheck check --seed 20261128 --runs 300' });
    expect(x.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="scopecheck check" tests="6" failures="1"')).toBe(true);
    expect((x.match(/<testsuite /g) ?? []).length).toBe(3);
    expect((x.match(/<testcase /g) ?? []).length).toBe(6);
    expect((x.match(/<failure /g) ?? []).length).toBe(1);
    expect(x).toMatch(/<testcase classname="scopecheck\.abi11" name="siblings-isolated" time="0">\n\s+<failure message="expected violated, got holds/);
    // The expected violation (the pathname gap under abi7) carries its counterexample.
    expect(x).toMatch(/name="sandbox-closed" time="0">\n\s+<system-out>violated, as expected[\s\S]*#0 /);
    expect(x).toContain('<property name="seed" value="20261128"/>');
    expect(x).not.toMatch(/<[^>]*<|&(?!amp;|lt;|gt;|quot;)/); // escaped
  });
});

describe('htmlReport', () => {
  const page = htmlReport(withUnexpected, { layout, meta: { seed: 20261128, runs: 300 }, kernels, saved: new Map([['sandbox-closed/abi7', 'counterexamples/abi7/sandbox-closed.json']]) });

  test('self-contained: inline CSS and JS, no external URL', () => {
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(page).not.toMatch(/<link |<script src|<img src|url\(http/);
    expect(page.replace(/http:\/\/www\.w3\.org\/2000\/svg/g, '')).not.toMatch(/https?:\/\//);
    expect(page).toMatch(/<details class="cx expected" id="cx-sandbox-closed-abi7">/);
    expect(page).toMatch(/<td class="cell unexpected" data-property="siblings-isolated" data-semantics="abi11"/);
    expect(page).toMatch(/<td class="disagree">2<\/td>/);
  });

  test('every counterexample has its Graphviz diagram inline, with ids of its own', () => {
    const cxs = withUnexpected.filter((c) => c.counterexample);
    expect(cxs.length).toBeGreaterThan(0);
    const ids = [...page.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]!);
    expect(new Set(ids).size).toBe(ids.length); // unique on the page
    for (const c of cxs) {
      const id = `cx-${c.property}-${c.semantics}`;
      const d = new RegExp(`<details class="cx \\w+" id="${id}">[\\s\\S]*?<div class="diagram">(<svg [\\s\\S]*?</svg>\\n)</div>`).exec(page);
      expect(d, id).not.toBeNull();
      const svg = d![1]!;
      expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/); // no prolog, no DOCTYPE inside the HTML
      const inner = [...svg.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]!);
      expect(inner.length).toBeGreaterThan(3);
      for (const x of inner) expect(x.startsWith(`${id}-`), x).toBe(true); // prefixed: unique when several share the page
      expect(svg).toContain(`<g id="${id}-graph" class="graph"`);
      expect(svg).toContain(`<title>${c.property}-under-${c.semantics} under ${c.semantics}</title>`);
      // Its arrows: a label, and two halves through it, for each.
      const labels = [...svg.matchAll(new RegExp(`<g id="${id}-arrow-(\\d+)" class="node arrow (allowed|denied|error)">`, 'g'))];
      expect(labels.length).toBeGreaterThan(0);
      for (const [, k, st] of labels)
        for (const half of ['tail', 'head']) expect(svg).toContain(`<g id="${id}-arrow-${k}-${half}" class="edge arrow ${st}">`);
    }
  });

  const CHROMIUM = ['chromium', 'chromium-browser'].find((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status === 0);
  if (!CHROMIUM) console.warn('[test/report.test.ts] SKIPPING the headless-browser checks: Chromium is not installed (apt-get install --no-install-recommends chromium)');

  test.skipIf(!CHROMIUM)('in headless Chromium: the matrix renders and a click opens the counterexample', async () => {
    const file = join(work, 'report.html');
    writeFileSync(file, page);
    const cdp = await Cdp.launch(CHROMIUM!, pathToFileURL(file).href, join(work, 'profile'));
    try {
      const ev = (e: string) => cdp.evaluate(e);
      const matrix = (await ev(`JSON.stringify([...document.querySelectorAll('table.matrix tbody tr')].map(r => [...r.children].map(c => c.textContent.trim())))`)) as string;
      const rows = JSON.parse(matrix) as string[][];
      expect(rows).toHaveLength(2);
      expect(rows[0]).toEqual(['sandbox-closed', 'violated (expected)', 'holds', 'holds']);
      expect(rows[1]).toEqual(['siblings-isolated', 'holds', 'HOLDS (unexpected)', 'holds']);
      // Colours come from the inline CSS.
      expect(await ev(`getComputedStyle(document.querySelector('td.cell.expected')).backgroundColor`)).toBe('rgb(255, 241, 204)');
      expect(await ev(`getComputedStyle(document.querySelector('td.cell.unexpected')).backgroundColor`)).toBe('rgb(251, 213, 213)');
      const id = 'cx-sandbox-closed-abi7';
      expect(await ev(`document.getElementById('${id}').open`)).toBe(false);
      expect(await ev(`(function(){ var a = document.querySelector('td[data-property="sandbox-closed"][data-semantics="abi7"] a'); a.click(); return location.hash; })()`)).toBe(`#${id}`);
      expect(await ev(`document.getElementById('${id}').open`)).toBe(true);
      // Its steps table and its diagram are there and visible.
      expect(await ev(`document.querySelectorAll('#${id} table.steps tbody tr').length`)).toBe(cells.find((c) => c.property === 'sandbox-closed' && c.semantics === 'abi7')!.counterexample!.steps.length);
      expect(await ev(`document.querySelector('#${id} svg').getBoundingClientRect().width > 300`)).toBe(true);
      expect(await ev(`document.querySelectorAll('#${id} svg g.edge.arrow path').length > 0`)).toBe(true);
      // Every arrow's label is drawn, and its arrow's head (a path and an arrowhead).
      expect(await ev(`(function(){ var l = [...document.querySelectorAll('#${id} svg g.node.arrow')]; return l.length > 0 && l.every(g => g.querySelector('text').getBoundingClientRect().width > 0 && document.getElementById(g.id + '-head').querySelector('path + polygon')); })()`)).toBe(true);
      const shot = await cdp.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
      writeFileSync(join(work, 'report.png'), Buffer.from((shot as { data: string }).data, 'base64'));
      if (process.env.SCOPECHECK_REPORT_SCREENSHOT) writeFileSync(process.env.SCOPECHECK_REPORT_SCREENSHOT, Buffer.from((shot as { data: string }).data, 'base64'));
      // The kernel agreement section.
      expect(await ev(`document.querySelectorAll('table.kernels tbody tr').length`)).toBe(2);
    } finally {
      await cdp.close();
    }
    expect(existsSync(join(work, 'report.png'))).toBe(true);
  });
});

/** A minimal DevTools protocol client over --remote-debugging-pipe (fd 3: to Chromium, fd 4: from it). */
class Cdp {
  private nextId = 1;
  private buf = '';
  private waiting = new Map<number, { res: (v: unknown) => void; rej: (e: Error) => void }>();
  private sessionId: string | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly profile: string,
  ) {
    const from = child.stdio[4] as Readable;
    from.setEncoding('utf8');
    from.on('data', (chunk: string) => {
      this.buf += chunk;
      let z: number;
      while ((z = this.buf.indexOf('\0')) >= 0) {
        const msg = JSON.parse(this.buf.slice(0, z)) as { id?: number; result?: unknown; error?: { message: string } };
        this.buf = this.buf.slice(z + 1);
        const w = msg.id !== undefined ? this.waiting.get(msg.id) : undefined;
        if (!w) continue;
        this.waiting.delete(msg.id!);
        if (msg.error) w.rej(new Error(msg.error.message));
        else w.res(msg.result);
      }
    });
    child.on('exit', () => {
      for (const w of this.waiting.values()) w.rej(new Error('chromium exited'));
      this.waiting.clear();
    });
  }

  static async launch(bin: string, url: string, profile: string): Promise<Cdp> {
    const child = spawn(
      bin,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--remote-debugging-pipe',
        `--user-data-dir=${profile}`,
        '--window-size=1200,900',
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
    );
    const c = new Cdp(child, profile);
    const deadline = Date.now() + 20_000;
    let targetId: string | undefined;
    while (!targetId) {
      const { targetInfos } = (await c.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string; url: string }[] };
      targetId = targetInfos.find((t) => t.type === 'page')?.targetId;
      if (!targetId) {
        if (Date.now() > deadline) throw new Error('chromium: the page did not open');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const { sessionId } = (await c.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    c.sessionId = sessionId;
    await c.send('Page.navigate', { url });
    while ((await c.evaluate(`location.href === ${JSON.stringify(url)} && document.readyState`)) !== 'complete') {
      if (Date.now() > deadline) throw new Error('chromium: the page did not load');
      await new Promise((r) => setTimeout(r, 100));
    }
    return c;
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    const msg = { id, method, params, ...(this.sessionId && !method.startsWith('Target.') && !method.startsWith('Browser.') ? { sessionId: this.sessionId } : {}) };
    return new Promise((res, rej) => {
      this.waiting.set(id, { res, rej });
      (this.child.stdio[3] as Writable).write(`${JSON.stringify(msg)}\0`);
    });
  }

  async evaluate(expression: string): Promise<unknown> {
    const r = (await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true })) as {
      result: { value?: unknown };
      exceptionDetails?: { text: string };
    };
    if (r.exceptionDetails) throw new Error(`evaluate: ${r.exceptionDetails.text}: ${expression}`);
    return r.result.value;
  }

  async close(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    if (this.child.exitCode === null) {
      await Promise.race([this.send('Browser.close').catch(() => undefined), new Promise((r) => setTimeout(r, 3000))]);
      const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(this.profile, { recursive: true, force: true });
  }
}
