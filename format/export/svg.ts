/**
 * `scopecheck export --as svg`: the mermaid picture as a self-contained SVG, laid out here:
 * nested boxes for domains (children side by side below their parent's tasks and sockets),
 * rounded boxes for tasks, hexagon-ish boxes for sockets, curved arrows labelled with the step
 * and result (green solid: allowed; red dashed: a Landlock denial, with the layer; grey dashed:
 * another error), a legend and a title. Pure.
 */
import { scenarioTitle, type ExportInput } from './common.js';
import { buildPicture, type PicEdge, type PicNode, type Picture } from './picture.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const CHAR_W = 6.6; // approximate width of a 11px sans-serif character
const NODE_H = 26;
const PAD = 12;
const GAP = 18;
const TITLE_H = 18;
/** Room below a row of tasks and sockets, where arrows between neighbours curve. */
const ROW_ROOM = 40;

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface Laid {
  box: Box;
  items: { node: PicNode; box: Box }[];
  children: Laid[];
  id: string;
  label: string;
}

const textW = (s: string, cw = CHAR_W) => Math.ceil(s.length * cw);

function measure(p: Picture, id: string, byDomain: Map<string, PicNode[]>): Laid {
  const d = p.domains.get(id)!;
  const items = (byDomain.get(id) ?? []).map((node) => ({ node, box: { x: 0, y: 0, w: Math.max(56, textW(node.label) + 20), h: NODE_H } }));
  const children = d.children.map((c) => measure(p, c, byDomain));
  const itemsW = items.reduce((s, it) => s + it.box.w, 0) + GAP * Math.max(0, items.length - 1);
  const childW = children.reduce((s, c) => s + c.box.w, 0) + GAP * Math.max(0, children.length - 1);
  const childH = Math.max(0, ...children.map((c) => c.box.h));
  const w = Math.max(textW(d.label, 7.2) + 2 * PAD, itemsW + 2 * PAD, childW + 2 * PAD, 120);
  // Room between the items row and the children for arrow labels.
  const h = TITLE_H + PAD + (items.length ? NODE_H + ROW_ROOM : 0) + childH + PAD;
  return { box: { x: 0, y: 0, w, h }, items, children, id, label: d.label };
}

function place(l: Laid, x: number, y: number): void {
  l.box.x = x;
  l.box.y = y;
  const itemsW = l.items.reduce((s, it) => s + it.box.w, 0) + GAP * Math.max(0, l.items.length - 1);
  let cx = x + (l.box.w - itemsW) / 2;
  const iy = y + TITLE_H + PAD;
  for (const it of l.items) {
    it.box.x = cx;
    it.box.y = iy;
    cx += it.box.w + GAP;
  }
  const childW = l.children.reduce((s, c) => s + c.box.w, 0) + GAP * Math.max(0, l.children.length - 1);
  let kx = x + (l.box.w - childW) / 2;
  const ky = iy + (l.items.length ? NODE_H + ROW_ROOM : 0);
  for (const c of l.children) {
    place(c, kx, ky);
    kx += c.box.w + GAP;
  }
}

function collect(l: Laid, out: Map<string, Box>, boxes: Laid[]): void {
  boxes.push(l);
  for (const it of l.items) out.set(it.node.id, it.box);
  for (const c of l.children) collect(c, out, boxes);
}

/** The point where the segment from the box centre towards (tx, ty) leaves the box. */
function border(b: Box, tx: number, ty: number): [number, number] {
  const cx = b.x + b.w / 2;
  const cy = b.y + b.h / 2;
  const dx = tx - cx;
  const dy = ty - cy;
  if (dx === 0 && dy === 0) return [cx, cy];
  const s = Math.min(dx !== 0 ? b.w / 2 / Math.abs(dx) : Infinity, dy !== 0 ? b.h / 2 / Math.abs(dy) : Infinity);
  return [cx + dx * s, cy + dy * s];
}

const COLORS = { allowed: '#2a8a2a', denied: '#d32f2f', error: '#888888' } as const;
const DOMAIN_FILLS = ['#fbfbf7', '#f3f6fb', '#eef4ee', '#fbf1ee', '#f4eefb', '#eefbfa'];

export interface SvgOptions {
  /** Prefix of the SVG's element ids (markers), to keep them unique when several SVGs share a page. */
  idPrefix?: string;
}

export function renderSvg(p: Picture, o: SvgOptions = {}): string {
  const ids = o.idPrefix ?? '';
  const byDomain = new Map<string, PicNode[]>();
  for (const n of p.nodes) byDomain.set(n.domain, [...(byDomain.get(n.domain) ?? []), n]);
  const root = measure(p, 'none', byDomain);
  const MARGIN = 16;
  const HEADER = 46;
  place(root, MARGIN, HEADER);
  const nodeBox = new Map<string, Box>();
  const laid: Laid[] = [];
  collect(root, nodeBox, laid);
  const depth = new Map<string, number>();
  const setDepth = (l: Laid, k: number) => {
    depth.set(l.id, k);
    l.children.forEach((c) => setDepth(c, k + 1));
  };
  setDepth(root, 0);

  const legendH = 74;
  const listLines = p.edges.map(
    (e) =>
      `#${e.step}  ${e.text}: ${e.result}${e.denial ? ` (denied by layer ${e.denial.layer}: ${e.denial.mechanism}, ${e.denial.hook})` : e.status === 'error' ? ' (not a Landlock denial)' : ''}`,
  );
  const listH = listLines.length ? 22 + 15 * listLines.length : 0;
  const width = Math.max(root.box.w + 2 * MARGIN, 680, ...listLines.map((l) => textW(l, 6.3) + 2 * MARGIN + 16));
  const height = HEADER + root.box.h + 16 + legendH + listH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="${Math.ceil(height)}" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">`,
  );
  out.push(`<title>${esc(`${p.title} under ${p.semantics}`)}</title>`);
  out.push('<defs>');
  for (const [k, c] of Object.entries(COLORS))
    out.push(`<marker id="${ids}arrow-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`);
  out.push('</defs>');
  out.push(`<rect x="0" y="0" width="${Math.ceil(width)}" height="${Math.ceil(height)}" fill="#ffffff"/>`);
  out.push(`<text x="${MARGIN}" y="22" font-size="15" font-weight="bold">${esc(p.title)}</text>`);
  out.push(`<text x="${MARGIN}" y="38" font-size="11" fill="#555">model semantics ${esc(p.semantics)} · ${p.edges.length} arrow(s): connect / sendto / send / kill / tgkill</text>`);

  // Domains, outermost first.
  out.push('<g class="domains">');
  for (const l of laid) {
    const b = l.box;
    const fill = DOMAIN_FILLS[(depth.get(l.id) ?? 0) % DOMAIN_FILLS.length];
    out.push(
      `<g class="domain" data-domain="${esc(l.id)}"><rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="8" fill="${fill}" stroke="${l.id === 'none' ? '#bbbbbb' : '#7a6a9c'}" stroke-width="1.2"${l.id === 'none' ? ' stroke-dasharray="6 4"' : ''}/>` +
        `<text x="${b.x + 8}" y="${b.y + 14}" font-weight="bold" fill="#4a3d6b">${esc(l.label)}</text></g>`,
    );
  }
  out.push('</g>');

  // Nodes.
  out.push('<g class="nodes">');
  for (const l of laid)
    for (const it of l.items) {
      const b = it.box;
      const n = it.node;
      const style =
        n.kind === 'task'
          ? `rx="13" fill="#e8eefc" stroke="#3a5a9c"`
          : n.kind === 'socket'
            ? `rx="3" fill="#eaf7e6" stroke="#3d7a2e"`
            : `rx="3" fill="#f4f4f4" stroke="#999999" stroke-dasharray="3 3"`;
      out.push(
        `<g class="node ${n.kind}" data-node="${esc(n.id)}"><rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" ${style} stroke-width="1.2"/>` +
          `<text x="${b.x + b.w / 2}" y="${b.y + b.h / 2 + 4}" text-anchor="middle">${esc(n.label)}</text></g>`,
      );
    }
  out.push('</g>');

  // Arrows: curved, fanned out when several join the same pair.
  out.push('<g class="arrows">');
  const pairCount = new Map<string, number>();
  const labels: string[] = [];
  for (const e of p.edges) {
    const a = nodeBox.get(e.from);
    const b = nodeBox.get(e.to);
    if (!a || !b) continue;
    const key = [e.from, e.to].sort().join('|');
    const k = pairCount.get(key) ?? 0;
    pairCount.set(key, k + 1);
    out.push(arrow(e, a, b, k, labels, ids));
  }
  out.push('</g>');
  out.push(`<g class="labels">${labels.join('')}</g>`);

  // Legend.
  const ly = HEADER + root.box.h + 16;
  const leg: string[] = [`<g class="legend"><rect x="${MARGIN}" y="${ly}" width="${width - 2 * MARGIN}" height="${legendH - 8}" rx="6" fill="#fafafa" stroke="#dddddd"/>`];
  const items: [string, string, string][] = [
    ['allowed', COLORS.allowed, 'allowed (ok)'],
    ['denied', COLORS.denied, 'denied by Landlock (Lk: layer k)'],
    ['error', COLORS.error, 'other error'],
  ];
  items.forEach(([k, c, t], i) => {
    const x = MARGIN + 12 + i * 230;
    leg.push(
      `<line x1="${x}" y1="${ly + 18}" x2="${x + 36}" y2="${ly + 18}" stroke="${c}" stroke-width="2"${k === 'allowed' ? '' : ' stroke-dasharray="5 4"'} marker-end="url(#${ids}arrow-${k})"/>` +
        `<text x="${x + 44}" y="${ly + 22}">${esc(t)}</text>`,
    );
  });
  leg.push(
    `<rect x="${MARGIN + 12}" y="${ly + 34}" width="34" height="18" rx="9" fill="#e8eefc" stroke="#3a5a9c"/><text x="${MARGIN + 52}" y="${ly + 47}">task</text>` +
      `<rect x="${MARGIN + 100}" y="${ly + 34}" width="34" height="18" rx="3" fill="#eaf7e6" stroke="#3d7a2e"/><text x="${MARGIN + 140}" y="${ly + 47}">socket (in its creator's domain)</text>` +
      `<rect x="${MARGIN + 330}" y="${ly + 34}" width="34" height="18" rx="4" fill="#f3f6fb" stroke="#7a6a9c"/><text x="${MARGIN + 370}" y="${ly + 47}">domain (layer)</text>`,
  );
  leg.push('</g>');
  out.push(...leg);
  if (listLines.length) {
    const y0 = ly + legendH + 6;
    out.push(`<g class="steps"><text x="${MARGIN}" y="${y0}" font-weight="bold">Arrows</text>`);
    p.edges.forEach((e, i) =>
      out.push(
        `<text x="${MARGIN + 8}" y="${y0 + 16 + 15 * i}" fill="${e.status === 'allowed' ? '#1d5e1d' : e.status === 'denied' ? '#b71c1c' : '#555555'}" font-family="DejaVu Sans Mono, monospace" font-size="10.5">${esc(listLines[i]!)}</text>`,
      ),
    );
    out.push('</g>');
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** The label on the arrow: "#8 EPERM L0"; the full text is in the list below the picture. */
const shortLabel = (e: PicEdge) => `#${e.step} ${e.result}${e.denial ? ` L${e.denial.layer}` : ''}`;

function arrow(e: PicEdge, a: Box, b: Box, k: number, labels: string[], ids: string): string {
  const color = COLORS[e.status];
  const acx = a.x + a.w / 2;
  const acy = a.y + a.h / 2;
  const bcx = b.x + b.w / 2;
  const bcy = b.y + b.h / 2;
  let path: string;
  let lx: number;
  let ly: number;
  if (a === b) {
    // A task signalling itself: a loop above the box.
    const x0 = a.x + a.w * 0.3;
    const x1 = a.x + a.w * 0.7;
    const top = a.y - 22 - 10 * k;
    path = `M${x0},${a.y} C${x0},${top} ${x1},${top} ${x1},${a.y}`;
    lx = acx;
    ly = top + 4;
  } else {
    const [sx, sy] = border(a, bcx, bcy);
    const [tx, ty] = border(b, acx, acy);
    const mx = (sx + tx) / 2;
    const my = (sy + ty) / 2;
    const len = Math.hypot(tx - sx, ty - sy) || 1;
    // Perpendicular offset: 0, +, -, ++, -- … so that parallel arrows do not overlap.
    const base = Math.min(34, Math.max(14, 0.15 * len));
    let off = (base + 20 * Math.ceil(k / 2)) * (k % 2 === 0 ? 1 : -1);
    // The first arrow of a pair bends downwards (into the room below a row), the next upwards.
    if ((tx - sx) / len < 0) off = -off;
    const nx = (-(ty - sy) / len) * off;
    const ny = ((tx - sx) / len) * off;
    path = `M${sx.toFixed(1)},${sy.toFixed(1)} Q${(mx + 2 * nx).toFixed(1)},${(my + 2 * ny).toFixed(1)} ${tx.toFixed(1)},${ty.toFixed(1)}`;
    lx = mx + nx;
    ly = my + ny;
  }
  const dash = e.status === 'allowed' ? '' : ' stroke-dasharray="6 4"';
  const short = shortLabel(e);
  const tw = short.length * 5.9 + 8;
  labels.push(
    `<g class="label ${e.status}" data-step="${e.step}"><rect x="${(lx - tw / 2).toFixed(1)}" y="${(ly - 8).toFixed(1)}" width="${tw.toFixed(1)}" height="15" rx="3" fill="#ffffff" fill-opacity="0.9" stroke="${color}" stroke-width="0.6"/>` +
      `<text x="${lx.toFixed(1)}" y="${(ly + 3.5).toFixed(1)}" text-anchor="middle" font-size="10" fill="${e.status === 'allowed' ? '#1d5e1d' : e.status === 'denied' ? '#b71c1c' : '#555555'}">${esc(short)}</text></g>`,
  );
  return (
    `<path class="arrow ${e.status}" data-step="${e.step}" data-status="${e.status}" d="${path}" fill="none" stroke="${color}" stroke-width="1.8"${dash} marker-end="url(#${ids}arrow-${e.status})">` +
    `<title>${esc(`${e.text}: ${e.result}${e.denial ? ` (denied by layer ${e.denial.layer}, ${e.denial.mechanism}, ${e.denial.hook})` : ''}`)}</title></path>`
  );
}

export function exportSvg(input: ExportInput, o: SvgOptions = {}): string {
  return renderSvg(buildPicture(input, scenarioTitle(input)), o);
}
