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
import { exportDot, exportMermaid, exportShell, exportSvg, exportKselftest, type ExportInput } from '../format/export/index.js';
import { renderDot } from '../format/export/dot.js';
import { renderSvg } from '../format/export/svg.js';
import { buildPicture, type Picture } from '../format/export/picture.js';
import { loadLayout } from '../cli/cmd-export.js';
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

  test.skipIf(!LIVE)('exec and log flags: the program re-executes itself and carries on (audit_exec, as abi7 predicts)', async () => {
    const f = join(ROOT, 'scenarios/selftests/audit/exec/cross_exec_on.json');
    const r = await buildAndRun(f, 'abi7');
    expect(r.code, r.out + r.err).toBe(0);
    expectResults(r.out, f, 'abi7');
    expect(r.out).toMatch(/step 2: P1 exec = ok \(expected ok\)/);
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

/**
 * The SVG's arrows: each is its label (a node group "arrow-<first step>" holding the text) and two
 * halves through it (edge groups "…-tail", without an arrowhead, and "…-head", with one).
 */
function svgArrows(svg: string) {
  return [...svg.matchAll(/<g id="arrow-(\d+)" class="node arrow (\w+)">\n<title>([^<]*)<\/title>\n<text [^>]*>([^<]*)<\/text>\n<\/g>/g)].map((m) => {
    const first = Number(m[1]);
    const half = (which: string) => new RegExp(`<g id="arrow-${first}-${which}" class="edge arrow ${m[2]}">\\n<title>([^<]*)</title>\\n<path ([^>]*)/>\\n([\\s\\S]*?)</g>`).exec(svg);
    const tail = half('tail');
    const head = half('head');
    return {
      first,
      status: m[2]!,
      title: m[3]!,
      label: m[4]!,
      steps: [...m[4]!.matchAll(/#(\d+)/g)].map((x) => Number(x[1])),
      tail: tail && { title: tail[1]!, path: tail[2]!, rest: tail[3]! },
      head: head && { title: head[1]!, path: head[2]!, rest: head[3]! },
    };
  });
}

/** The coordinates of an attribute holding a path or a point list. */
const points = (attrs: string, name: string) => {
  const v = new RegExp(`\\s${name}="([^"]*)"`).exec(attrs)![1]!.match(/-?\d+(\.\d+)?/g)!.map(Number);
  return v.flatMap((x, k) => (k % 2 === 0 ? [[x, v[k + 1]!] as const] : []));
};
const near = ([x, y]: readonly [number, number], b: Box, d = 3) => x >= b.x0 - d && x <= b.x1 + d && y >= b.y0 - d && y <= b.y1 + d;

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * The bounding box of each node's or cluster's outline (the first path/polygon of its group), by
 * id; an arrow's label, which has no outline, by its text (0.6 em a character: Courier).
 */
function shapeBoxes(svg: string, kind: 'node' | 'cluster'): Map<string, Box> {
  const out = new Map<string, Box>();
  if (kind === 'node')
    for (const m of svg.matchAll(/<g id="([^"]*)" class="node arrow \w+">\n<title>[^<]*<\/title>\n<text xml:space="preserve" text-anchor="start" x="([^"]*)" y="([^"]*)" [^>]*font-size="([^"]*)"[^>]*>([^<]*)<\/text>/g)) {
      const [x, y, size] = [m[2], m[3], m[4]].map(Number) as [number, number, number];
      out.set(m[1]!, { x0: x, y0: y - size, x1: x + 0.6 * size * m[5]!.replace(/&[^;]*;/g, '_').length, y1: y + 0.3 * size });
    }
  for (const m of svg.matchAll(new RegExp(`<g id="([^"]*)" class="${kind}[^"]*">\\n<title>[^<]*</title>\\n<(?:path|polygon) [^>]*(?:d|points)="([^"]*)"`, 'g'))) {
    const v = m[2]!.match(/-?\d+(\.\d+)?/g)!.map(Number);
    const xs = v.filter((_, k) => k % 2 === 0);
    const ys = v.filter((_, k) => k % 2 === 1);
    out.set(m[1]!, { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) });
  }
  return out;
}
const inside = (a: Box, b: Box) => a.x0 >= b.x0 && a.x1 <= b.x1 && a.y0 >= b.y0 && a.y1 <= b.y1;

const layout = await loadLayout();

describe('export --as svg / dot / mermaid', () => {
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
      const svg = exportSvg({ ...i, layout });
      expect(svg.startsWith('<svg ')).toBe(true); // no XML prolog or DOCTYPE: it can be inlined in HTML
      expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(balancedTags(svg)).toBe(true);
      expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/); // self-contained
      expect(svg).not.toMatch(/<!--|<image|@import|url\(/);
      const arrows = svgArrows(svg);
      const pic = buildPicture(i, i.scenario.name!);
      expect(arrows.length).toBeGreaterThan(0);
      // Every reach step is on exactly one arrow, which starts with it or with an identical earlier
      // step; the arrows carry exactly the picture's steps.
      for (const k of reachSteps) expect(arrows.filter((a) => a.steps.includes(k)), `step ${k}`).toHaveLength(1);
      expect(arrows.flatMap((a) => a.steps).sort((a, b) => a - b)).toEqual(pic.edges.map((e) => e.step));
      const nodes = shapeBoxes(svg, 'node');
      const nodeOf = new Map(pic.nodes.map((n, k) => [n.id, `node-${k}`]));
      for (const a of arrows) {
        expect(a.steps[0]).toBe(a.first);
        expect(a.label).toContain(` ${i.scenario.steps[a.first]!.op}: ${i.outcomes[a.first]!.result}`);
        expect(a.title).toMatch(new RegExp(`^#${a.first}\\b`));
        // Both halves, with the arrow's tooltip; the head has the arrowhead, the tail none.
        expect(a.tail?.title).toBe(a.title);
        expect(a.head?.title).toBe(a.title);
        expect(a.head!.rest).toMatch(/^<polygon /);
        expect(a.tail!.rest).toBe('');
        // From the acting task's box, through the label, to the target's box.
        const e = pic.edges.find((x) => x.step === a.first)!;
        const from = nodes.get(nodeOf.get(e.from)!)!;
        const to = nodes.get(nodeOf.get(e.to)!)!;
        const label = nodes.get(`arrow-${a.first}`)!;
        const tail = points(a.tail!.path, 'd');
        const head = points(a.head!.path, 'd');
        expect(near(tail[0]!, from), `#${a.first} leaves ${e.from}`).toBe(true);
        expect(near(tail[tail.length - 1]!, label), `#${a.first} reaches its label`).toBe(true);
        expect(near(head[0]!, label), `#${a.first} leaves its label`).toBe(true);
        expect(points(a.head!.rest, 'points').some((q) => near(q, to)), `#${a.first} points at ${e.to}`).toBe(true);
      }
      for (const k of denied) {
        const a = arrows.find((x) => x.steps.includes(k))!;
        expect(a.status).toBe('denied');
        for (const h of [a.tail!, a.head!]) expect(h.path).toMatch(/stroke="#d32f2f"[^>]*stroke-dasharray/);
        expect(a.label).toMatch(new RegExp(`#${k}\\b.* E[A-Z]+ L${i.outcomes[k]!.denial!.layer}$`));
      }
      for (const a of arrows.filter((x) => x.status === 'allowed'))
        for (const h of [a.tail!, a.head!]) {
          expect(h.path).toMatch(/stroke="#2a8a2a"/);
          expect(h.path).not.toContain('stroke-dasharray');
        }
      // The legend and the header: title, semantics, number of arrows.
      for (const t of ['----&gt; allowed (ok)', '- - &gt; denied by Landlock (Lk: layer k)', '. . &gt; other error (not a Landlock denial)'])
        expect(svg).toContain(`>${t}</text>`);
      expect(svg).toContain(`>model semantics ${sem} - ${arrows.length} arrow(s) for ${pic.edges.length} connect / sendto / send / kill / tgkill step(s)</text>`);
      expect(svg).toContain(`font-weight="bold" font-size="14.00">${i.scenario.name}</text>`);
      expect(svg).toContain(`<title>${i.scenario.name} under ${sem}</title>`);
      // Every task and socket of the picture is a node, inside the box of its domain; every domain's
      // box inside its parent's (Graphviz draws clusters side by side in the SVG: checked by geometry).
      const domains = shapeBoxes(svg, 'cluster');
      expect([...nodes.keys()].filter((x) => x.startsWith('node-')).sort()).toEqual(pic.nodes.map((_, k) => `node-${k}`).sort());
      expect([...nodes.keys()].filter((x) => !x.startsWith('node-')).sort()).toEqual(arrows.map((a) => `arrow-${a.first}`).sort());
      expect([...domains.keys()].sort()).toEqual([...pic.domains.keys()].map((d) => `domain-${d}`).sort());
      pic.nodes.forEach((n, k) => expect(inside(nodes.get(`node-${k}`)!, domains.get(`domain-${n.domain}`)!), n.label).toBe(true));
      for (const d of pic.domains.values()) if (d.parent) expect(inside(domains.get(`domain-${d.id}`)!, domains.get(`domain-${d.parent}`)!), d.label).toBe(true);
    });

    test(`dot of ${file.replace(/^.*\//, '')} under ${sem}: nested clusters, an arrow per reach step, Graphviz reads it`, () => {
      const d = exportDot(i);
      expect(d).toMatch(/^\/\/ .*\ndigraph "scopecheck" \{\n/);
      expect(d.endsWith('}\n')).toBe(true);
      const opens = (d.match(/^\s*subgraph "cluster_domain-[A-Za-z0-9_]+" \{$/gm) ?? []).length;
      expect(opens).toBe(new Set(i.outcomes.flatMap((o) => (o.domain?.layers ?? []).map((l) => l.node.id))).size + 1);
      expect((d.match(/^\s*\}$/gm) ?? []).length).toBe(opens + 1);
      for (const k of reachSteps) expect(d).toMatch(new RegExp(`^\\s+l\\d+ \\[id="arrow-\\d+", class="arrow \\w+", shape=plain, .*label=<.*(>|, )#${k}\\b`, 'm'));
      for (const k of denied) expect(d).toMatch(new RegExp(`class="arrow denied", shape=plain, fontsize=10, fontcolor="#b71c1c", label=<.*>#${k} \\w+: E[A-Z]+ L\\d+<`, 'm'));
      // Each label's two halves: task -> label (no arrowhead), label -> target.
      for (const m of d.matchAll(/^\s+(l\d+) \[id="(arrow-\d+)", class="arrow (\w+)"/gm)) {
        const look = `class="arrow ${m[3]}", color="[^"]+", style=${m[3] === 'allowed' ? 'solid' : m[3] === 'denied' ? 'dashed' : 'dotted'}`;
        expect(d).toMatch(new RegExp(`^  n\\d+ -> ${m[1]} \\[id="${m[2]}-tail", ${look}, dir=none\\];$`, 'm'));
        expect(d).toMatch(new RegExp(`^  ${m[1]} -> n\\d+ \\[id="${m[2]}-head", ${look}\\];$`, 'm'));
      }
      expect(() => layout(d)).not.toThrow();
      expect(exportDot(i)).toBe(d); // deterministic
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

  test('names from untrusted files: escaped for DOT, shown as they are (on one line), nothing injected', () => {
    const evil = [
      'a"b',
      'x\\',
      '\\N \\G \\E \\T \\H \\L \\n \\l',
      '&lt;&amp;&#45;&#x41;',
      '<b>bold</b> <br/> <table>',
      'line1\nline2\r\u2028end',
      '"]; n9 [label="x"]; n0 -> n9 [label="y',
      '} subgraph "cluster_x" { ',
      "// c /* c */ # c ' \t",
      '\u00e9\u2713 \u540d',
      'lone \uD800 surrogate',
    ];
    const shown = (t: string) =>
      // eslint-disable-next-line no-control-regex
      t.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
    const p: Picture = {
      title: evil[3]!,
      semantics: evil[2]!,
      domains: new Map([
        ['none', { id: 'none', label: evil[0]!, parent: null, children: ['D1'] }],
        ['D1', { id: 'D1', label: evil[1]!, parent: 'none', children: [] }],
      ]),
      nodes: evil.map((label, k) => ({ id: `x${k}`, kind: (['task', 'socket', 'address'] as const)[k % 3]!, label, domain: k % 2 ? 'D1' : 'none' })),
      edges: evil.map((text, k) => ({
        step: k,
        op: k % 2 ? evil[(k + 5) % evil.length]! : 'connect',
        from: `x${k}`,
        to: `x${(k + 1) % evil.length}`,
        result: 'EPERM',
        status: (['allowed', 'denied', 'error'] as const)[k % 3]!,
        label: text,
        text,
        ...(k % 3 === 1 ? { denial: { layer: 0, mechanism: evil[k]!, hook: evil[(k + 2) % evil.length]! } } : {}),
      })),
    };
    const d = renderDot(p);
    expect((d.match(/^\s+n\d+ \[id="node-\d+"/gm) ?? []).length).toBe(evil.length);
    expect((d.match(/^\s+l\d+ \[id="arrow-\d+"/gm) ?? []).length).toBe(evil.length);
    expect((d.match(/^ {2}(n|l)\d+ -> (n|l)\d+ \[id="arrow-\d+-(tail|head)"/gm) ?? []).length).toBe(2 * evil.length);
    expect((d.match(/^\s*subgraph /gm) ?? []).length).toBe(2);
    expect(d.split('\n').every((l) => !/[\r\u2028]/.test(l))).toBe(true);
    const svg = renderSvg(p, layout);
    expect(balancedTags(svg)).toBe(true);
    expect(svg).not.toMatch(/<(b|br|table)\b/);
    const decode = (x: string) =>
      x.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) =>
        e[0] === '#' ? String.fromCodePoint(e[1]!.toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e.toLowerCase()]!,
      );
    const groups = [...svg.matchAll(/<g id="([^"]*)" class="(node|edge|cluster)[^"]*"[^>]*>\n<title>([^<]*)<\/title>([\s\S]*?)<\/g>/g)];
    expect(groups.filter((g) => g[2] === 'node')).toHaveLength(2 * evil.length); // the boxes and the arrows' labels
    expect(groups.filter((g) => g[2] === 'edge')).toHaveLength(2 * evil.length);
    expect(groups.filter((g) => g[2] === 'cluster')).toHaveLength(2);
    evil.forEach((t, k) => {
      const g = groups.find((x) => x[1] === `node-${k}`)!;
      expect(decode(g[3]!)).toBe(shown(t)); // its tooltip
      expect(decode(/<text [^>]*>([^<]*)<\/text>/.exec(g[4]!)![1]!)).toBe(shown(t)); // its label
    });
    expect(decode(/<g id="domain-none" [^>]*>\n<title>[^<]*<\/title>[\s\S]*?<text [^>]*>([^<]*)<\/text>/.exec(svg)![1]!)).toBe(shown(evil[0]!));
    expect(decode(/<g id="graph" [^>]*>\n<title>([^<]*)<\/title>/.exec(svg)![1]!)).toBe(shown(`${evil[3]} under ${evil[2]}`));
    expect(svg).toContain(`font-size="14.00">${'&amp;lt;&amp;amp;&amp;#45;&amp;#x41;'}</text>`);
    expect(renderDot(p)).toBe(d);
  });

  test('the SVG export needs a layout engine: without one it says so', () => {
    expect(() => exportSvg(input(SIBLINGS, 'abi7'))).toThrow(/layout engine/);
  });

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
    expect(readFileSync(out, 'utf8')).toMatch(/^<svg [\s\S]*<title>sandbox-closed-abi7 under abi7<\/title>[\s\S]*<\/svg>\n$/);
    const dot = await cli(['export', SIBLINGS, '--as', 'dot', '-s', 'abi7']);
    expect(dot.code, dot.err).toBe(0);
    expect(dot.out).toBe(exportDot(input(SIBLINGS, 'abi7')));
    const svg = await cli(['export', SIBLINGS, '--as', 'svg', '-s', 'abi7']);
    expect(svg.out).toBe(exportSvg({ ...input(SIBLINGS, 'abi7'), layout }));
    expect((await cli(['export', SIBLINGS, '--as', 'pdf'])).code).toBe(2);
    const bad = join(work, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'scopecheck-scenario/1', steps: [{ op: 'listen', by: 'P0', sock: 'nope' }] }));
    const b = await cli(['export', bad, '--as', 'c']);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/bad\.json: step 0: sock: socket "nope" is not introduced/);
    expect((await cli(['export', join(work, 'missing.json'), '--as', 'c'])).code).toBe(2);
  });

  test('a trace file (.jsonl): its first scenario, under its kernel release (or ABI) by default', async () => {
    const t = join(work, 't.jsonl');
    const scenario = JSON.parse(readFileSync(SIBLINGS, 'utf8'));
    const results = evaluate(parseScenarioText(readFileSync(SIBLINGS, 'utf8')), builtinSemantics('abi7')!).map((o) => o.result);
    writeFileSync(
      t,
      `${JSON.stringify({ format: 'scopecheck-trace/1', kernel: { release: '6.18.44', abi: 7, errata: 7, arch: 'x86_64' }, recorder: { name: 'scopecheck-replay', version: '0.1.0' }, scenario, results })}\n`,
    );
    const r = await cli(['export', t, '--as', 'c']);
    expect(r.code, r.err).toBe(0);
    // 6.18.44's recorded facts make it a semantics of its own (model/semantics/index.ts KERNEL_RELEASES).
    expect(r.out).toMatch(/#define SEMANTICS "6\.18\.44"/);
    // A release without recorded facts is judged by its ABI's semantics.
    writeFileSync(t, readFileSync(t, 'utf8').replace('"release":"6.18.44"', '"release":"6.18.99"'));
    const r2 = await cli(['export', t, '--as', 'c']);
    expect(r2.code, r2.err).toBe(0);
    expect(r2.out).toMatch(/#define SEMANTICS "abi7"/);
  });
});
