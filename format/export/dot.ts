/**
 * `scopecheck export --as dot`: the picture (picture.ts) as a Graphviz graph, which the SVG export
 * (svg.ts) and the HTML report lay out with Graphviz's `dot`: every domain a cluster nested in
 * its parent's (dashed: no domain), tasks as rounded boxes, sockets as hexagons in their
 * creator's domain, unbound addresses as dashed boxes, one arrow per connect/sendto/send/kill/
 * tgkill (a step repeated exactly joins its first arrow): green solid for allowed, red dashed for
 * a Landlock denial (with the layer), grey dotted for another error. An arrow's label (the steps
 * and the result) is a node of its own, in the innermost domain holding both ends, the arrow
 * drawn in two halves through it: dot keeps nodes apart, where it lets edge labels overlap (and
 * fails to route edges) in large graphs with clusters. The graph's label holds the title, the
 * semantics, the number of arrows, the legend and every arrow's step in full.
 *
 * Every name comes from an untrusted file: node names are generated (n0, n1, …), every text is
 * escaped for DOT (plain labels: quotes, backslashes — else \N, \G … would be substituted — and
 * "&", which Graphviz reads as an entity; the graph label is HTML-like: XML-escaped) and kept on
 * one line. Element ids are fixed ([A-Za-z0-9_-] after the caller's prefix). Deterministic. Pure.
 */
import { oneLine, scenarioTitle, type ExportInput } from './common.js';
import { buildPicture, type PicEdge, type PicNode, type Picture } from './picture.js';

export const STATUS_STYLE = {
  allowed: { color: '#2a8a2a', fontcolor: '#1d5e1d', style: 'solid', legend: '----> allowed (ok)' },
  denied: { color: '#d32f2f', fontcolor: '#b71c1c', style: 'dashed', legend: '- - > denied by Landlock (Lk: layer k)' },
  error: { color: '#888888', fontcolor: '#555555', style: 'dotted', legend: '. . > other error (not a Landlock denial)' },
} as const;

const DOMAIN_FILLS = ['#fbfbf7', '#f3f6fb', '#eef4ee', '#fbf1ee', '#f4eefb', '#eefbfa'];

/** Monospace text everywhere: Graphviz knows Courier's metrics exactly (0.6 em a character), and so
 *  does every browser's monospace font, so the boxes Graphviz computes are the ones drawn. */
const FONT = 'Courier';

/** One line of well-formed text: control characters and line separators "?", lone surrogates U+FFFD. */
export const clean = (s: string) => oneLine(s).replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/** A DOT quoted string that Graphviz shows exactly as `s` (on one line) when used as a label. */
export function dotString(s: string): string {
  return `"${clean(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/&/g, '&amp;')}"`;
}

/** Text inside a DOT HTML-like label. */
export function dotHtml(s: string): string {
  return clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A prefix safe inside a DOT string and an SVG id. */
const idPrefixOf = (s: string | undefined) => (s ?? '').replace(/[^A-Za-z0-9_-]/g, '_');

/**
 * The arrows drawn: one per step, except that a step repeated exactly (the same task, the same
 * text, the same result and denial, between the same two boxes) joins the arrow of its first
 * occurrence, so that a long scenario (up to 1,024 steps) stays a readable picture.
 */
export interface Arrow {
  from: string;
  to: string;
  /** The steps it stands for, in order (at least one); all alike but for the step number. */
  edges: PicEdge[];
}

export function arrowsOf(p: Picture): Arrow[] {
  const byKey = new Map<string, Arrow>();
  for (const e of p.edges) {
    const key = JSON.stringify([e.from, e.to, e.text, e.result, e.status, e.denial ?? null]);
    const a = byKey.get(key);
    if (a) a.edges.push(e);
    else byKey.set(key, { from: e.from, to: e.to, edges: [e] });
  }
  return [...byKey.values()];
}

/** "#9", "#4, #6, #8", "#2, #4 ... #1022 (511x)". */
export function stepList(a: Arrow): string {
  const n = a.edges.map((e) => `#${e.step}`);
  return n.length <= 3 ? n.join(', ') : `${n[0]}, ${n[1]} ... ${n[n.length - 1]} (${n.length}x)`;
}

/** The label on an arrow: "#9 connect: EACCES L0"; the step in full is in the graph's label. */
export function arrowLabel(a: Arrow): string {
  const e = a.edges[0]!;
  return `${stepList(a)} ${e.op}: ${e.result}${e.denial ? ` L${e.denial.layer}` : ''}`;
}

/** An arrow's step in full: "#9  P1 connect client -> tmux-0/default: EACCES (denied by layer 0: …)". */
export function arrowText(a: Arrow): string {
  const e = a.edges[0]!;
  return `${stepList(a)}  ${e.text}: ${e.result}${e.denial ? ` (denied by layer ${e.denial.layer}: ${e.denial.mechanism}, ${e.denial.hook})` : e.status === 'error' ? ' (not a Landlock denial)' : ''}`;
}

/** The SVG element ids the graph gives (after the prefix): nodes, arrows (by step), domains. */
export const dotIds = {
  graph: 'graph',
  node: (k: number) => `node-${k}`,
  /** An arrow's label, by the arrow's first step, and the arrow's two halves, to and from it. */
  arrow: (a: Arrow) => `arrow-${a.edges[0]!.step}`,
  arrowTail: (a: Arrow) => `arrow-${a.edges[0]!.step}-tail`,
  arrowHead: (a: Arrow) => `arrow-${a.edges[0]!.step}-head`,
  domain: (id: string) => `domain-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`,
};

const NODE_STYLE: Record<PicNode['kind'], string> = {
  task: 'shape=box, style="rounded,filled", fillcolor="#e8eefc", color="#3a5a9c", fontcolor="#111111"',
  socket: 'shape=hexagon, margin="0.03,0.04", style=filled, fillcolor="#eaf7e6", color="#3d7a2e", fontcolor="#111111"',
  address: 'shape=box, style="dashed,filled", fillcolor="#f4f4f4", color="#999999", fontcolor="#444444"',
};

export interface DotOptions {
  /** Prefix of every element id, to keep them unique when several diagrams share a page. */
  idPrefix?: string;
}

function graphLabel(p: Picture, arrows: readonly Arrow[]): string {
  const row = (cell: string) => `<tr><td align="left" balign="left">${cell}</td></tr>`;
  const rows = [
    row(`<font point-size="14"><b>${dotHtml(p.title)}</b></font>`),
    row(`<font color="#555555">model semantics ${dotHtml(p.semantics)} - ${arrows.length} arrow(s) for ${p.edges.length} connect / sendto / send / kill / tgkill step(s)</font>`),
    ...Object.values(STATUS_STYLE).map((s) => row(`<font color="${s.color}">${dotHtml(s.legend)}</font>`)),
    row(`<font color="#3a5a9c">${dotHtml("rounded box: task; hexagon: socket (in its creator's domain)")}</font>`),
    row(`<font color="#3a5a9c">${dotHtml('dashed box: an address nothing is bound to')}</font>`),
    row(`<font color="#4a3d6b">${dotHtml('outer boxes: domains (a layer, its restrictions), nested; dashed: no domain')}</font>`),
  ];
  if (arrows.length) {
    rows.push(row('<b>Arrows</b>'));
    for (const a of arrows) rows.push(row(`<font color="${STATUS_STYLE[a.edges[0]!.status].fontcolor}">${dotHtml(arrowText(a))}</font>`));
  }
  return `<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">${rows.join('')}</table>>`;
}

export function renderDot(p: Picture, o: DotOptions = {}): string {
  const pre = idPrefixOf(o.idPrefix);
  const id = (s: string) => `"${pre}${s}"`;
  const arrows = arrowsOf(p);
  const out: string[] = [];
  out.push(`// ${clean(`${p.title} under ${p.semantics}`)}: domains, tasks, sockets and the connect/sendto/send/kill/tgkill arrows; lay out with dot -Tsvg`);
  out.push('digraph "scopecheck" {');
  out.push(
    `  graph [id=${id(dotIds.graph)}, fontname="${FONT}", fontsize=11, labelloc=t, labeljust=l, nodesep=0.3, ranksep=0.45, pad=0.15, bgcolor="white", label=${graphLabel(p, arrows)}];`,
  );
  out.push(`  node [fontname="${FONT}", fontsize=11, height=0.35, margin="0.12,0.05", penwidth=1.2];`);
  out.push(`  edge [fontname="${FONT}", fontsize=10, penwidth=1.6, arrowsize=0.8];`);
  const name = new Map<string, string>(p.nodes.map((n, k) => [n.id, `n${k}`]));
  const domainOf = new Map<string, string>(p.nodes.map((n) => [n.id, n.domain]));
  const byDomain = new Map<string, { n: PicNode; k: number }[]>();
  p.nodes.forEach((n, k) => {
    if (!byDomain.has(n.domain)) byDomain.set(n.domain, []);
    byDomain.get(n.domain)!.push({ n, k });
  });
  // Each arrow's label: a node in the innermost domain holding both ends (see the header).
  const drawn = arrows.filter((a) => name.has(a.from) && name.has(a.to));
  const ancestors = (d: string) => {
    const out: string[] = [];
    for (let x: string | null = d; x !== null; x = p.domains.get(x)?.parent ?? null) out.push(x);
    return out;
  };
  const labelsIn = new Map<string, { a: Arrow; k: number }[]>();
  drawn.forEach((a, k) => {
    const up = new Set(ancestors(domainOf.get(a.from)!));
    const home = ancestors(domainOf.get(a.to)!).find((d) => up.has(d)) ?? 'none';
    if (!labelsIn.has(home)) labelsIn.set(home, []);
    labelsIn.get(home)!.push({ a, k });
  });
  const emit = (did: string, depth: number) => {
    const d = p.domains.get(did)!;
    const ind = '  '.repeat(depth + 1);
    const fill = DOMAIN_FILLS[depth % DOMAIN_FILLS.length];
    out.push(`${ind}subgraph "cluster_${dotIds.domain(d.id)}" {`);
    out.push(
      `${ind}  graph [id=${id(dotIds.domain(d.id))}, class="domain", label=${dotString(d.label)}, fontsize=11, fontcolor="#4a3d6b", style="${d.id === 'none' ? 'rounded,dashed,filled' : 'rounded,filled'}", fillcolor="${fill}", color="${d.id === 'none' ? '#bbbbbb' : '#7a6a9c'}", penwidth=1.2, margin=10];`,
    );
    const mine = byDomain.get(did) ?? [];
    for (const { n, k } of mine) out.push(`${ind}  ${name.get(n.id)} [id=${id(dotIds.node(k))}, class="${n.kind}", label=${dotString(n.label)}, ${NODE_STYLE[n.kind]}];`);
    const labels = labelsIn.get(did) ?? [];
    for (const { a, k } of labels) {
      const s = STATUS_STYLE[a.edges[0]!.status];
      out.push(
        `${ind}  l${k} [id=${id(dotIds.arrow(a))}, class="arrow ${a.edges[0]!.status}", shape=plain, fontsize=10, fontcolor="${s.fontcolor}", label=<<table border="0" cellborder="0" cellspacing="0" cellpadding="2"><tr><td>${dotHtml(arrowLabel(a))}</td></tr></table>>];`,
      );
    }
    // Graphviz draws no empty cluster: a domain with nothing in it keeps its box by an invisible point.
    if (!mine.length && !labels.length && !d.children.length) out.push(`${ind}  "empty_${dotIds.domain(d.id)}" [shape=point, style=invis, width=0.3, label=""];`);
    for (const c of d.children) emit(c, depth + 1);
    out.push(`${ind}}`);
  };
  emit('none', 0);
  drawn.forEach((a, k) => {
    const st = a.edges[0]!.status;
    const s = STATUS_STYLE[st];
    const look = `class="arrow ${st}", color="${s.color}", style=${s.style}`;
    out.push(`  ${name.get(a.from)} -> l${k} [id=${id(dotIds.arrowTail(a))}, ${look}, dir=none];`);
    out.push(`  l${k} -> ${name.get(a.to)} [id=${id(dotIds.arrowHead(a))}, ${look}];`);
  });
  out.push('}');
  return `${out.join('\n')}\n`;
}

export function exportDot(input: ExportInput, o: DotOptions = {}): string {
  return renderDot(buildPicture(input, scenarioTitle(input)), o);
}
