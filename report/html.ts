/**
 * Reports of a `check` run: JUnit XML (one test case per property × semantics) and a
 * self-contained HTML page (the verdict matrix, every counterexample with its steps and its SVG
 * diagram, and the kernel agreement per ABI). Pure string functions: the caller writes the files,
 * and loads the diagrams' layout engine (Graphviz, HtmlReportOptions.layout).
 */
import { exportSvg, type Layout } from '../format/export/svg.js';
import { deliveryText, renderOutcomes, stepText } from '../format/render.js';
import { recordText } from '../model/audit.js';
import type { CellResult } from '../properties/check.js';
import { describeDomain } from '../model/domain.js';

/** One line of `scopecheck diff`'s summary: the model against one kernel's traces. */
export interface KernelAgreement {
  kernel: string;
  abi: number;
  semantics: string;
  traces: number;
  disagreements: number;
}

export interface ReportMeta {
  /** The run seed. */
  seed?: number;
  /** Scenarios per cell asked for. */
  runs?: number;
  /** The command that replays the run. */
  command?: string;
  /** Page / suite title (default "scopecheck check"). */
  title?: string;
  /** A timestamp to show (ISO string); omitted by default so that reports are reproducible. */
  timestamp?: string;
}

export interface HtmlReportOptions {
  /** Lays out the counterexamples' diagrams: Graphviz (cli/cmd-export.ts loadLayout). */
  layout: Layout;
  meta?: ReportMeta;
  /** The kernel agreement section; omitted → "no kernel traces". */
  kernels?: readonly KernelAgreement[];
  /** Where each counterexample was saved (key: `${property}/${semantics}`). */
  saved?: ReadonlyMap<string, string>;
}

type Kind = 'holds' | 'expected' | 'unexpected';

const kindOf = (c: CellResult): Kind => (c.verdict !== c.expected ? 'unexpected' : c.verdict === 'holds' ? 'holds' : 'expected');
const cellText = (c: CellResult) =>
  c.verdict === c.expected ? (c.verdict === 'holds' ? 'holds' : 'violated (expected)') : c.verdict === 'holds' ? 'HOLDS (unexpected)' : 'VIOLATED (unexpected)';

const xml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
const html = xml;

const cxId = (c: CellResult) => `cx-${c.property}-${c.semantics}`.replace(/[^A-Za-z0-9_-]/g, '_');

function counterexampleText(c: CellResult): string {
  if (!c.counterexample || !c.outcomes) return '';
  return `${c.violation?.message ?? ''}\n${renderOutcomes(c.counterexample, c.outcomes)}\n`;
}

/** JUnit XML: a suite per semantics, a test case per property; an unexpected verdict is a failure. */
export function junitReport(cells: readonly CellResult[], meta: ReportMeta = {}): string {
  const sems = [...new Set(cells.map((c) => c.semantics))];
  const failures = cells.filter((c) => kindOf(c) === 'unexpected').length;
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="${xml(meta.title ?? 'scopecheck check')}" tests="${cells.length}" failures="${failures}" errors="0"${meta.timestamp ? ` timestamp="${xml(meta.timestamp)}"` : ''}>`,
  );
  for (const sem of sems) {
    const mine = cells.filter((c) => c.semantics === sem);
    const f = mine.filter((c) => kindOf(c) === 'unexpected').length;
    out.push(`  <testsuite name="${xml(sem)}" tests="${mine.length}" failures="${f}" errors="0" skipped="0">`);
    if (meta.seed !== undefined || meta.command) {
      out.push('    <properties>');
      if (meta.seed !== undefined) out.push(`      <property name="seed" value="${meta.seed}"/>`);
      if (meta.runs !== undefined) out.push(`      <property name="runs" value="${meta.runs}"/>`);
      if (meta.command) out.push(`      <property name="replay" value="${xml(meta.command)}"/>`);
      out.push('    </properties>');
    }
    for (const c of mine) {
      out.push(`    <testcase classname="scopecheck.${xml(sem)}" name="${xml(c.property)}" time="0">`);
      const detail = counterexampleText(c);
      if (kindOf(c) === 'unexpected') {
        const msg = `expected ${c.expected}, got ${c.verdict}${c.verdict === 'holds' ? ` (no counterexample in ${c.runs} scenarios)` : ''}`;
        out.push(`      <failure message="${xml(msg)}" type="unexpected-verdict">${xml(`${msg}\n${detail}`)}</failure>`);
      } else if (detail) {
        out.push(`      <system-out>${xml(`violated, as expected (a documented gap or limitation)\n${detail}`)}</system-out>`);
      }
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

const CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 24px; color: #1b1b1b; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.meta { color: #555; margin-bottom: 12px; } code { font: 12.5px/1.4 "DejaVu Sans Mono", Menlo, monospace; background: #f4f4f4; padding: 1px 4px; border-radius: 3px; }
table { border-collapse: collapse; } th, td { border: 1px solid #d0d0d0; padding: 5px 9px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; font-weight: 600; }
table.matrix td.cell { text-align: center; white-space: nowrap; font-weight: 600; }
td.holds { background: #e3f4e1; color: #1d5e1d; } td.expected { background: #fff1cc; color: #7a5200; } td.unexpected { background: #fbd5d5; color: #9b1111; }
td.cell a { color: inherit; text-decoration: underline dotted; cursor: pointer; display: block; }
.legend span { display: inline-block; padding: 2px 8px; margin-right: 8px; border-radius: 3px; }
.summary { margin: 8px 0 0; font-weight: 600; } .summary.bad { color: #9b1111; } .summary.good { color: #1d5e1d; }
details.cx { border: 1px solid #d8d8d8; border-radius: 6px; margin: 10px 0; padding: 0 12px; }
details.cx[open] { padding-bottom: 12px; } details.cx > summary { cursor: pointer; padding: 9px 0; font-weight: 600; }
details.cx.unexpected { border-color: #e07b7b; } details.cx.flash { box-shadow: 0 0 0 3px #6aa0ff; }
table.steps td { font: 12.5px/1.35 "DejaVu Sans Mono", Menlo, monospace; } table.steps tr.violation td { background: #fff1cc; }
table.steps td.ok { color: #1d5e1d; } table.steps td.denied { color: #9b1111; font-weight: 600; } table.steps td.err { color: #666; }
.diagram { margin-top: 12px; overflow-x: auto; } .diagram svg { max-width: 100%; height: auto; border: 1px solid #eee; }
td.agree { background: #e3f4e1; } td.disagree { background: #fbd5d5; font-weight: 600; }
`;

const JS = `
(function () {
  function openCx(id) {
    var d = document.getElementById(id);
    if (!d) return;
    d.open = true;
    d.classList.add('flash');
    setTimeout(function () { d.classList.remove('flash'); }, 1200);
    d.scrollIntoView({ block: 'start' });
  }
  document.querySelectorAll('a.cxlink').forEach(function (a) {
    a.addEventListener('click', function (e) {
      e.preventDefault();
      var id = a.getAttribute('href').slice(1);
      history.replaceState(null, '', '#' + id);
      openCx(id);
    });
  });
  if (location.hash) openCx(location.hash.slice(1));
})();
`;

function stepsTable(c: CellResult): string {
  const s = c.counterexample!;
  const outs = c.outcomes!;
  const rows = s.steps.map((st, i) => {
    const o = outs[i]!;
    const cls = o.result === 'ok' ? 'ok' : o.denial ? 'denied' : 'err';
    const reason = o.denial ? `layer ${o.denial.layer} (${o.denial.mechanism}, ${o.denial.hook}): ${o.denial.reason}` : (o.note ?? '');
    const why = [reason, ...(o.deliveries ?? []).map((d) => `→ ${deliveryText(d)}`), ...(o.audit ?? []).map((r) => `audit: ${recordText(r)}`)].filter(Boolean).map(html).join('<br>');
    return `<tr${c.violation?.step === i ? ' class="violation"' : ''}><td>#${i}</td><td>${html(stepText(st))}</td><td class="${cls}">${html(o.result)}</td><td>${html(describeDomain(o.domain))}</td><td>${why}</td></tr>`;
  });
  return `<table class="steps"><thead><tr><th>#</th><th>step</th><th>result</th><th>domain of the acting task</th><th>denial / note / signals sent</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The self-contained HTML report (inline CSS and JS, no external URL). */
export function htmlReport(cells: readonly CellResult[], o: HtmlReportOptions): string {
  const meta = o.meta ?? {};
  const title = meta.title ?? 'scopecheck check';
  const props = [...new Set(cells.map((c) => c.property))];
  const sems = [...new Set(cells.map((c) => c.semantics))];
  const at = new Map(cells.map((c) => [`${c.property}/${c.semantics}`, c]));
  const unexpected = cells.filter((c) => kindOf(c) === 'unexpected');
  const parts: string[] = [];
  parts.push(`<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${html(title)}</title><style>${CSS}</style></head><body>`);
  parts.push(`<h1>${html(title)}</h1>`);
  const m: string[] = [];
  if (meta.seed !== undefined) m.push(`seed <code>${meta.seed}</code>`);
  if (meta.runs !== undefined) m.push(`up to ${meta.runs} scenarios per cell`);
  m.push(`${props.length} properties × ${sems.length} semantics`);
  if (meta.timestamp) m.push(html(meta.timestamp));
  parts.push(`<div class="meta">${m.join(' · ')}${meta.command ? `<br>replay: <code>${html(meta.command)}</code>` : ''}</div>`);
  parts.push(
    `<div class="summary ${unexpected.length ? 'bad' : 'good'}">${cells.length} cells: ${cells.length - unexpected.length} as expected, ${unexpected.length} unexpected</div>`,
  );

  // Matrix.
  parts.push('<h2 id="matrix">Verdicts</h2>');
  parts.push(
    '<p class="legend"><span class="holds" style="background:#e3f4e1">holds</span><span style="background:#fff1cc">violated (expected: a documented gap or limitation)</span><span style="background:#fbd5d5">unexpected</span> Click a violated cell for its counterexample.</p>',
  );
  const head = `<tr><th>property</th>${sems.map((s) => `<th>${html(s)}</th>`).join('')}</tr>`;
  const body = props.map((p) => {
    const tds = sems.map((s) => {
      const c = at.get(`${p}/${s}`);
      if (!c) return '<td class="cell">–</td>';
      const k = kindOf(c);
      const label = html(cellText(c));
      const inner = c.counterexample ? `<a class="cxlink" href="#${cxId(c)}" title="show the counterexample">${label}</a>` : label;
      return `<td class="cell ${k}" data-property="${html(p)}" data-semantics="${html(s)}" data-kind="${k}">${inner}</td>`;
    });
    return `<tr><th>${html(p)}</th>${tds.join('')}</tr>`;
  });
  parts.push(`<table class="matrix"><thead>${head}</thead><tbody>${body.join('')}</tbody></table>`);

  // Counterexamples.
  const cxs = cells.filter((c) => c.counterexample && c.outcomes);
  parts.push(`<h2 id="counterexamples">Counterexamples (${cxs.length})</h2>`);
  if (!cxs.length) parts.push('<p>None.</p>');
  for (const c of cxs) {
    const k = kindOf(c);
    const id = cxId(c);
    const saved = o.saved?.get(`${c.property}/${c.semantics}`);
    const svg = exportSvg(
      {
        scenario: { ...c.counterexample!, name: `${c.property} under ${c.semantics}`.replace(/[^A-Za-z0-9._-]+/g, '-') },
        outcomes: c.outcomes!,
        semantics: c.semantics,
        layout: o.layout,
      },
      { idPrefix: `${id}-` },
    );
    parts.push(
      `<details class="cx ${k}" id="${id}"><summary>${html(c.property)} under ${html(c.semantics)}: ${k === 'unexpected' ? 'VIOLATED, unexpectedly' : 'violated, as expected'} (${c.counterexample!.steps.length} steps${c.foundSize !== null ? `, shrunk from ${c.foundSize}` : ''}; found after ${c.runs} scenarios)</summary>`,
    );
    parts.push(`<p>${html(c.violation?.message ?? '')}${c.violation?.variant ? `<br>compared with the variant: ${html(c.violation.variant.label)}` : ''}</p>`);
    if (saved) parts.push(`<p>saved: <code>${html(saved)}</code> · replay: <code>scopecheck replay ${html(saved)}</code></p>`);
    parts.push(stepsTable(c));
    parts.push(`<div class="diagram">${svg}</div>`);
    parts.push('</details>');
  }

  // Kernel agreement.
  parts.push('<h2 id="kernels">Kernel agreement per ABI</h2>');
  if (!o.kernels?.length) parts.push('<p>No kernel traces were given.</p>');
  else {
    const rows = [...o.kernels]
      .sort((a, b) => a.abi - b.abi || a.kernel.localeCompare(b.kernel))
      .map(
        (k) =>
          `<tr><td>${html(k.kernel)}</td><td>${k.abi}</td><td>${html(k.semantics)}</td><td>${k.traces}</td><td class="${k.disagreements ? 'disagree' : 'agree'}">${k.disagreements}</td><td class="${k.disagreements ? 'disagree' : 'agree'}">${k.disagreements ? 'model and kernel disagree' : 'agree'}</td></tr>`,
      );
    parts.push(
      `<table class="kernels"><thead><tr><th>kernel</th><th>ABI</th><th>model semantics</th><th>traces</th><th>disagreements</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
    );
  }
  parts.push(`<script>${JS}</script></body></html>`);
  return `${parts.join('\n')}\n`;
}
