/**
 * Diagrams laid out by Graphviz (export --as svg, the HTML report): every scenario under
 * scenarios/ (under abi11) and every counterexample under counterexamples/abi* and
 * counterexamples/pathname-scope-patch (under its own semantics, a built-in) is exported, and the
 * SVG Graphviz produced is checked by its own geometry: no two labels overlap, and no arrow label
 * lies on a task's, socket's or address's box. Also the seed's tmux example under abi11 (the
 * label "#9 … EACCES" was drawn over "P1 (from #6)" by the hand-made layout), and 1,024-step
 * scenarios (the format's limit) laid out in seconds.
 *
 * How a label's box is estimated, from the <text> element alone (x, y, font-size, text-anchor and
 * its characters; every text is in one coordinate frame — the SVG has a single transform):
 *  - width: characters × 0.62 × font-size. Every label is in a monospace font (checked: Graphviz
 *    is given Courier, the SVG says "Courier,monospace"), whose glyphs are 0.6 em wide (Courier,
 *    Liberation Mono; DejaVu Sans Mono 0.602 em): 0.62 em is conservative for all of them. East
 *    Asian wide characters count two.
 *  - horizontally: from x (text-anchor start), centred on x (middle) or ending at x (end);
 *  - vertically: from 0.8 × font-size above the baseline y (ascenders) to 0.25 × font-size below
 *    it (descenders).
 * Two boxes overlap when their interiors intersect (boxes that only touch do not).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadExportSource, loadLayout } from '../cli/cmd-export.js';
import { exportSvg } from '../format/export/index.js';
import { parseScenario } from '../format/scenario.js';
import { builtinSemantics } from '../model/semantics/index.js';
import { evaluate } from '../ops/engine.js';

const ROOT = join(import.meta.dirname, '..');

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
interface TextBox extends Box {
  text: string;
}

const EM_WIDTH = 0.62;
const ASCENT = 0.8;
const DESCENT = 0.25;

const decode = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) =>
    e[0] === '#'
      ? String.fromCodePoint(e[1]!.toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1)))
      : ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e.toLowerCase()]!,
  );
const WIDE = /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{1F300}-\u{1FAFF}\u{20000}-\u{3FFFD}]/u;
const columns = (s: string) => [...s].reduce((n, c) => n + (WIDE.test(c) ? 2 : 1), 0);
const attr = (a: string, name: string) => new RegExp(`(?:^|\\s)${name}="([^"]*)"`).exec(a)?.[1];

/** Every non-blank <text> of the SVG with its estimated box (see the header). */
function textBoxes(svg: string): TextBox[] {
  const out: TextBox[] = [];
  for (const m of svg.matchAll(/<text\b([^>]*)>([^<]*)<\/text>/g)) {
    const a = m[1]!;
    const text = decode(m[2]!);
    if (!text.trim()) continue;
    const size = Number(attr(a, 'font-size'));
    const x = Number(attr(a, 'x'));
    const y = Number(attr(a, 'y'));
    if (![size, x, y].every(Number.isFinite)) throw new Error(`a text without position or font size: ${m[0]}`);
    if (!/monospace/.test(attr(a, 'font-family') ?? '')) throw new Error(`a text not in a monospace font: ${m[0]}`);
    const w = columns(text) * EM_WIDTH * size;
    const anchor = attr(a, 'text-anchor') ?? 'start';
    const x0 = anchor === 'middle' ? x - w / 2 : anchor === 'end' ? x - w : x;
    out.push({ text, x0, x1: x0 + w, y0: y - ASCENT * size, y1: y + DESCENT * size });
  }
  return out;
}

/** The bounding box of each task's, socket's and address's outline (the first path / polygon / ellipse of its group), by id. */
function nodeBoxes(svg: string): Map<string, Box & { label: string }> {
  const out = new Map<string, Box & { label: string }>();
  for (const m of svg.matchAll(/<g id="([^"]*)" class="node (?:task|socket|address)">\n<title>([^<]*)<\/title>\n<(path|polygon|ellipse)\b([^>]*)>/g)) {
    const a = m[4]!;
    let xs: number[];
    let ys: number[];
    if (m[3] === 'ellipse') {
      const [cx, cy, rx, ry] = ['cx', 'cy', 'rx', 'ry'].map((k) => Number(attr(a, k)));
      xs = [cx! - rx!, cx! + rx!];
      ys = [cy! - ry!, cy! + ry!];
    } else {
      const v = (attr(a, m[3] === 'path' ? 'd' : 'points') ?? '').match(/-?\d+(\.\d+)?/g)!.map(Number);
      xs = v.filter((_, k) => k % 2 === 0);
      ys = v.filter((_, k) => k % 2 === 1);
    }
    out.set(m[1]!, { label: decode(m[2]!), x0: Math.min(...xs), x1: Math.max(...xs), y0: Math.min(...ys), y1: Math.max(...ys) });
  }
  return out;
}

/** The label boxes of the arrows (the <text> of each arrow's label node). */
const arrowLabelBoxes = (svg: string) => [...svg.matchAll(/<g id="[^"]*" class="node arrow \w+">([\s\S]*?)<\/g>/g)].flatMap((m) => textBoxes(m[1]!));

const intersect = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

interface Checked {
  labels: number;
  pairs: number;
  labelNodePairs: number;
  overlaps: string[];
}

/** Every pair of labels, and every arrow label against every node box. */
function check(svg: string): Checked {
  expect((svg.match(/\stransform="/g) ?? []).length).toBe(1); // one coordinate frame
  const boxes = textBoxes(svg);
  const overlaps: string[] = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++)
      if (intersect(boxes[i]!, boxes[j]!)) overlaps.push(`${JSON.stringify(boxes[i]!.text)} overlaps ${JSON.stringify(boxes[j]!.text)}`);
  const nodes = [...nodeBoxes(svg).values()];
  const labels = arrowLabelBoxes(svg);
  for (const l of labels) for (const n of nodes) if (intersect(l, n)) overlaps.push(`${JSON.stringify(l.text)} lies on the box of ${JSON.stringify(n.label)}`);
  return { labels: boxes.length, pairs: (boxes.length * (boxes.length - 1)) / 2, labelNodePairs: labels.length * nodes.length, overlaps };
}

const walk = (d: string): string[] =>
  readdirSync(d)
    .sort()
    .flatMap((e) => {
      const p = join(d, e);
      return statSync(p).isDirectory() ? walk(p) : p.endsWith('.json') ? [p] : [];
    });

const scenarios = walk(join(ROOT, 'scenarios'));
const counterexamples = readdirSync(join(ROOT, 'counterexamples'))
  .filter((d) => /^abi\d+$/.test(d) || d === 'pathname-scope-patch')
  .sort()
  .flatMap((d) => walk(join(ROOT, 'counterexamples', d)));

const layout = await loadLayout();

async function svgOf(file: string, semantics: string | undefined): Promise<{ svg: string; semantics: string }> {
  const src = await loadExportSource(file, semantics);
  const outcomes = evaluate(src.scenario, src.semantics);
  return { svg: exportSvg({ scenario: src.scenario, outcomes, semantics: src.semantics.name, errata: src.semantics.errata, source: file, layout }), semantics: src.semantics.name };
}

const totals = { diagrams: 0, labels: 0, pairs: 0, labelNodePairs: 0 };
afterAll(() => {
  console.log(
    `[test/diagrams.test.ts] ${totals.diagrams} diagrams: ${totals.labels} labels, ${totals.pairs} label pairs and ${totals.labelNodePairs} arrow-label/box pairs checked, no overlap`,
  );
});

describe('every diagram: no two labels overlap, no arrow label on a box', () => {
  test('the corpus is there', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(90);
    expect(counterexamples.length).toBeGreaterThanOrEqual(9);
  });

  for (const [file, sem] of [...scenarios.map((f) => [f, 'abi11'] as const), ...counterexamples.map((f) => [f, undefined] as const)]) {
    test(`${relative(ROOT, file)} under ${sem ?? 'its own semantics'}`, async () => {
      const { svg, semantics } = await svgOf(file, sem);
      if (!sem) expect(builtinSemantics(semantics), semantics).toBeDefined();
      const c = check(svg);
      expect(c.overlaps).toEqual([]);
      expect(c.labels).toBeGreaterThanOrEqual(8); // the header and legend at least: the checker sees the texts
      totals.diagrams++;
      totals.labels += c.labels;
      totals.pairs += c.pairs;
      totals.labelNodePairs += c.labelNodePairs;
    });
  }

  test('the seed tmux example under abi11: "#9 … EACCES" is clear of "P1 (from #6)"', async () => {
    const { svg } = await svgOf(join(ROOT, 'scenarios/seed/tmux-escape.json'), 'abi11');
    const label = arrowLabelBoxes(svg).filter((b) => /^#9\b.*\bEACCES\b/.test(b.text));
    const node = textBoxes(svg).filter((b) => b.text === 'P1 (from #6)');
    expect(label).toHaveLength(1);
    expect(node).toHaveLength(1);
    expect(intersect(label[0]!, node[0]!)).toBe(false);
    const p1box = [...nodeBoxes(svg).values()].find((n) => n.label === 'P1 (from #6)')!;
    expect(p1box).toBeDefined();
    expect(intersect(label[0]!, p1box)).toBe(false);
  });
});

describe('1,024 steps (the format limit), laid out in seconds', () => {
  const run = (name: string, steps: unknown[]) => {
    const scenario = parseScenario({ format: 'scopecheck-scenario/1', name, steps }, name);
    const outcomes = evaluate(scenario, builtinSemantics('abi11')!);
    const t0 = performance.now();
    const svg = exportSvg({ scenario, outcomes, semantics: 'abi11', layout });
    return { svg, ms: performance.now() - t0 };
  };

  test('socket, bind, then alternating sendto / kill: repeated steps share their arrow', () => {
    const steps: unknown[] = [
      { op: 'socket', by: 'P0', sock: 's0', type: 'dgram' },
      { op: 'bind', by: 'P0', sock: 's0', addr: { abstract: 'x' } },
    ];
    while (steps.length < 1024)
      steps.push(steps.length % 2 === 0 ? { op: 'sendto', by: 'P0', sock: 's0', addr: { abstract: 'x' } } : { op: 'kill', by: 'P0', target: 'P0' });
    const { svg, ms } = run('alternating-1024', steps);
    console.log(`[test/diagrams.test.ts] alternating sendto/kill, 1,024 steps: export --as svg in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(30_000);
    expect(svg).toContain('>#2, #4 ... #1022 (511x) sendto: ok</text>');
    expect(svg).toContain('>#3, #5 ... #1023 (511x) kill: ok</text>');
    expect(check(svg).overlaps).toEqual([]);
  });

  test('40 tasks, 100 bound sockets, hundreds of distinct sendto / kill arrows', () => {
    const steps: unknown[] = [];
    for (let i = 0; i < 100; i++) steps.push({ op: 'socket', by: 'P0', sock: `s${i}`, type: 'dgram' }, { op: 'bind', by: 'P0', sock: `s${i}`, addr: { abstract: `a${i}` } });
    for (let j = 1; j <= 40; j++) {
      steps.push({ op: 'fork', by: 'P0', child: `P${j}` });
      if (j % 4 === 0) steps.push({ op: 'restrict_self', by: `P${j}`, scoped: ['abstract_unix_socket', 'signal'] });
      steps.push({ op: 'socket', by: `P${j}`, sock: `c${j}`, type: 'dgram' });
    }
    // Every (task, address) pair at most once, in a fixed scrambled order.
    for (let n = 0; steps.length < 1024; n++) {
      const q = (n * 1663) % 4000;
      const j = (q % 40) + 1;
      const k = Math.floor(q / 40);
      steps.push(k % 5 ? { op: 'sendto', by: `P${j}`, sock: `c${j}`, addr: { abstract: `a${k}` } } : { op: 'kill', by: `P${j}`, target: `P${((k * 7) % 40) + 1}` });
    }
    const { svg, ms } = run('distinct-1024', steps);
    console.log(`[test/diagrams.test.ts] ${(svg.match(/ class="node arrow /g) ?? []).length} distinct arrows, 1,024 steps: export --as svg in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(60_000);
    const c = check(svg);
    expect(c.overlaps).toEqual([]);
    expect(c.labels).toBeGreaterThan(1500);
  }, 60_000);
});
