/**
 * `scopecheck export --as svg`: the picture (picture.ts) as a self-contained SVG laid out by
 * Graphviz — the graph of dot.ts (domains as nested clusters, tasks and sockets as nodes, green
 * / red dashed / grey dotted arrows for allowed / denied / other error, the title, semantics,
 * legend and every arrow's step in the graph's label) through the `layout` function the caller
 * passes in (ExportInput.layout: the WebAssembly Graphviz the CLI and the report writer load).
 * Pure: what Graphviz returns is only tidied — no XML prolog, DOCTYPE or comments (so no URL but
 * the SVG namespace), the element ids as given (prefixed), and tooltips (<title>) that say what
 * a box or an arrow is instead of Graphviz's node names.
 */
import { scenarioTitle, type ExportInput } from './common.js';
import { arrowsOf, arrowText, clean, dotIds, renderDot, type DotOptions } from './dot.js';
import { buildPicture, type Picture } from './picture.js';

export type SvgOptions = DotOptions;

/** A Graphviz layout: DOT text → SVG text (`dot -Tsvg`). */
export type Layout = (dot: string) => string;

const esc = (s: string) => clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderSvg(p: Picture, layout: Layout, o: SvgOptions = {}): string {
  const pre = (o.idPrefix ?? '').replace(/[^A-Za-z0-9_-]/g, '_');
  const titles = new Map<string, string>([[pre + dotIds.graph, `${p.title} under ${p.semantics}`]]);
  p.nodes.forEach((n, k) => titles.set(pre + dotIds.node(k), n.label));
  for (const d of p.domains.values()) titles.set(pre + dotIds.domain(d.id), d.label);
  for (const a of arrowsOf(p)) for (const f of [dotIds.arrow, dotIds.arrowTail, dotIds.arrowHead]) titles.set(pre + f(a), arrowText(a));
  const raw = layout(renderDot(p, o));
  const start = raw.indexOf('<svg');
  if (start < 0) throw new Error('the layout engine returned no SVG');
  let svg = raw
    .slice(start)
    .replace(/<!--[\s\S]*?-->\n?/g, '')
    // Graphviz writes "-" as a character reference (for the comments just removed).
    .replace(/&#45;/g, '-');
  // The xlink namespace, declared by Graphviz for links and tooltips this graph has none of.
  const noXlink = svg.replace(/ xmlns:xlink="[^"]*"/, '');
  if (!noXlink.includes('xlink:')) svg = noXlink;
  svg = svg.replace(/(<g id="([^"]*)" class="[^"]*"[^>]*>\n<title>)[^<]*(<\/title>)/g, (m, open: string, id: string, close: string) => {
    const t = titles.get(id);
    return t === undefined ? m : `${open}${esc(t)}${close}`;
  });
  return svg.endsWith('\n') ? svg : `${svg}\n`;
}

export function exportSvg(input: ExportInput, o: SvgOptions = {}): string {
  if (!input.layout) throw new Error('the SVG export needs a layout engine (ExportInput.layout: Graphviz, loaded by the caller)');
  return renderSvg(buildPicture(input, scenarioTitle(input)), input.layout, o);
}
