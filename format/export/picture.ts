/**
 * The picture the diagram exporters (mermaid, svg) draw, computed from a scenario and the
 * model's outcomes alone: the domain tree, every task in each domain it lived in, every socket in
 * its creator's domain, and one arrow per connect/sendto/send/kill/tgkill. Pure.
 */
import { stepText } from '../render.js';
import type { Address } from '../scenario.js';
import { addrText, type ExportInput } from './common.js';

export interface PicDomain {
  /** "none" for the world outside every domain, else "D<node id>". */
  id: string;
  /** "no domain" or e.g. "D1 scope=abstract_unix_socket|signal". */
  label: string;
  parent: string | null;
  children: string[];
}

export interface PicNode {
  id: string;
  kind: 'task' | 'socket' | 'address';
  label: string;
  /** The domain it sits in (PicDomain.id). */
  domain: string;
}

export type EdgeStatus = 'allowed' | 'denied' | 'error';

export interface PicEdge {
  step: number;
  op: string;
  from: string;
  to: string;
  result: string;
  status: EdgeStatus;
  /** "#5 connect: EPERM (layer 0, abstract_unix_socket)". */
  label: string;
  /** The step as scopecheck prints it. */
  text: string;
  denial?: { layer: number; mechanism: string; hook: string };
}

export interface Picture {
  title: string;
  semantics: string;
  domains: Map<string, PicDomain>;
  nodes: PicNode[];
  edges: PicEdge[];
}

/** Parses a domain description ("D1[scope=signal] > D3[]") into [id, label] per layer. */
export function parseDomainChain(desc: string): { id: string; label: string }[] {
  if (desc === 'none' || !desc) return [];
  return desc.split(' > ').map((layer) => {
    const m = /^(D\d+)\[(.*)\]$/.exec(layer.trim());
    if (!m) return { id: layer.trim(), label: layer.trim() };
    return { id: m[1]!, label: m[2] ? `${m[1]} ${m[2]}` : m[1]! };
  });
}

const addrKey = (a: Address) => ('abstract' in a ? `a:${a.abstract}` : `p:${a.pathname}`);
const baseSock = (n: string) => n.replace(/~\d+$/, '');

export function buildPicture(input: ExportInput, title: string): Picture {
  const { scenario: s, outcomes } = input;
  const domains = new Map<string, PicDomain>([['none', { id: 'none', label: 'no domain', parent: null, children: [] }]]);
  const addDomain = (desc: string): string => {
    let parent = 'none';
    for (const l of parseDomainChain(desc)) {
      if (!domains.has(l.id)) {
        domains.set(l.id, { id: l.id, label: l.label, parent, children: [] });
        domains.get(parent)!.children.push(l.id);
      }
      parent = l.id;
    }
    return parent;
  };

  const nodes: PicNode[] = [];
  const nodeIds = new Set<string>();
  const taskDomain = new Map<string, string>([['P0', 'none']]);
  const taskProc = new Map<string, number>([['P0', 0]]);
  const occurrences = new Map<string, number>();
  let nextProc = 1;
  const taskNode = (t: string, step: number): string => {
    const d = taskDomain.get(t) ?? 'none';
    const id = `task_${t}_${d}`;
    if (!nodeIds.has(id)) {
      nodeIds.add(id);
      const n = occurrences.get(t) ?? 0;
      occurrences.set(t, n + 1);
      nodes.push({ id, kind: 'task', label: n === 0 ? t : `${t} (from #${step})`, domain: d });
    }
    return id;
  };
  taskNode('P0', 0);
  const sockLabel = new Map<string, PicNode>();
  const bound = new Map<string, string>();
  const peer = new Map<string, string>();
  const addrNode = (a: Address): string => {
    const id = `addr_${addrKey(a).replace(/[^A-Za-z0-9_]/g, '_')}`;
    if (!nodeIds.has(id)) {
      nodeIds.add(id);
      nodes.push({ id, kind: 'address', label: `${addrText(a)} (nothing bound)`, domain: 'none' });
    }
    return id;
  };
  const edges: PicEdge[] = [];

  s.steps.forEach((st, i) => {
    const out = outcomes[i];
    if (!out) return;
    const actorDomain = addDomain(out.domain);
    const ok = out.result === 'ok';
    const edge = (to: string) => {
      const from = taskNode(st.by, i);
      const status: EdgeStatus = ok ? 'allowed' : out.denial ? 'denied' : 'error';
      const why = out.denial ? ` (layer ${out.denial.layer}, ${out.denial.mechanism})` : '';
      edges.push({
        step: i,
        op: st.op,
        from,
        to,
        result: out.result,
        status,
        label: `#${i} ${st.op}: ${out.result}${why}`,
        text: stepText(st),
        ...(out.denial ? { denial: { layer: out.denial.layer, mechanism: out.denial.mechanism, hook: out.denial.hook } } : {}),
      });
    };
    switch (st.op) {
      case 'fork':
      case 'thread':
        taskDomain.set(st.child, actorDomain);
        taskProc.set(st.child, st.op === 'fork' ? nextProc++ : taskProc.get(st.by)!);
        taskNode(st.by, i);
        taskNode(st.child, i);
        break;
      case 'restrict_self':
        if (ok) {
          const p = taskProc.get(st.by);
          for (const [t, q] of taskProc) if (t === st.by || (st.tsync && q === p)) taskDomain.set(t, actorDomain);
          for (const [t, q] of taskProc) if (t === st.by || (st.tsync && q === p)) taskNode(t, i);
        }
        break;
      case 'socket':
      case 'socketpair': {
        const names = st.op === 'socket' ? [st.sock] : st.socks;
        for (const n of names) {
          const node: PicNode = { id: `sock_${n}`, kind: 'socket', label: `${n} ${st.type}`, domain: actorDomain };
          nodes.push(node);
          nodeIds.add(node.id);
          sockLabel.set(n, node);
        }
        if (st.op === 'socketpair') {
          peer.set(st.socks[0], st.socks[1]);
          peer.set(st.socks[1], st.socks[0]);
        }
        break;
      }
      case 'bind':
        if (ok) {
          bound.set(addrKey(st.addr), st.sock);
          const n = sockLabel.get(st.sock);
          if (n) n.label += ` ${addrText(st.addr)}`;
        }
        break;
      case 'connect':
      case 'sendto': {
        const target = out.reach ? baseSock(out.reach.targetName) : bound.get(addrKey(st.addr));
        edge(target && sockLabel.has(target) ? `sock_${target}` : addrNode(st.addr));
        if (st.op === 'connect' && ok && target) peer.set(st.sock, target);
        break;
      }
      case 'send': {
        const target = out.reach ? baseSock(out.reach.targetName) : peer.get(st.sock);
        if (target && sockLabel.has(target)) edge(`sock_${target}`);
        break;
      }
      case 'kill':
      case 'tgkill': {
        const victim = out.reach ? out.reach.targetName : st.target;
        edge(taskNode(victim, i));
        break;
      }
      default:
        break;
    }
  });
  return { title, semantics: input.semantics, domains, nodes, edges };
}
