/**
 * `scopecheck export --as mermaid`: a flowchart of the domain tree (nested subgraphs), the tasks
 * in each domain they lived in, the sockets in their creator's domain, and one arrow per
 * connect/sendto/send/kill/tgkill: solid for allowed, dotted red for a Landlock denial (with the
 * denying layer), dotted grey for another error. Pure.
 */
import { oneLine, scenarioTitle, type ExportInput } from './common.js';
import { buildPicture, type Picture } from './picture.js';

const q = (s: string) => `"${oneLine(s).replace(/"/g, '#quot;').replace(/\|/g, '#124;')}"`;

export function renderMermaid(p: Picture): string {
  const lines: string[] = ['flowchart TB'];
  lines.push(`  %% ${oneLine(`${p.title} under ${p.semantics}`)}: one arrow per connect/sendto/send/kill/tgkill`);
  const byDomain = new Map<string, typeof p.nodes>();
  for (const n of p.nodes) byDomain.set(n.domain, [...(byDomain.get(n.domain) ?? []), n]);
  const emit = (id: string, depth: number) => {
    const d = p.domains.get(id)!;
    const ind = '  '.repeat(depth);
    lines.push(`${ind}subgraph dom_${d.id}[${q(d.label)}]`);
    lines.push(`${ind}  direction TB`);
    for (const n of byDomain.get(id) ?? []) {
      const shape = n.kind === 'task' ? `(${q(n.label)})` : n.kind === 'socket' ? `{{${q(n.label)}}}` : `[/${q(n.label)}/]`;
      lines.push(`${ind}  ${n.id}${shape}:::${n.kind}`);
    }
    for (const c of d.children) emit(c, depth + 1);
    lines.push(`${ind}end`);
  };
  emit('none', 1);
  const styles: string[] = [];
  p.edges.forEach((e, k) => {
    const arrow = e.status === 'allowed' ? '-->' : '-.->';
    lines.push(`  ${e.from} ${arrow}|${q(e.label)}| ${e.to}`);
    if (e.status === 'allowed') styles.push(`  linkStyle ${k} stroke:#2a8a2a,stroke-width:2px,color:#1d5e1d`);
    else if (e.status === 'denied') styles.push(`  linkStyle ${k} stroke:#d32f2f,stroke-width:2px,stroke-dasharray:5 4,color:#b71c1c`);
    else styles.push(`  linkStyle ${k} stroke:#888,stroke-dasharray:3 3,color:#555`);
  });
  lines.push(...styles);
  lines.push('  classDef task fill:#e8eefc,stroke:#3a5a9c,color:#111');
  lines.push('  classDef socket fill:#eaf7e6,stroke:#3d7a2e,color:#111');
  lines.push('  classDef address fill:#f4f4f4,stroke:#999,stroke-dasharray:3 3,color:#444');
  return `${lines.join('\n')}\n`;
}

export function exportMermaid(input: ExportInput): string {
  return renderMermaid(buildPicture(input, scenarioTitle(input)));
}
