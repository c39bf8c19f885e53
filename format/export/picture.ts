/**
 * The picture the diagram exporters (mermaid, svg) draw, computed from a scenario and the
 * model's outcomes alone: the domain tree, every task in each domain it lived in, every socket in
 * its creator's domain, and one arrow per connect/sendto/send/kill/tgkill. Pure.
 */
import { layerMasks, type MaybeDomain } from '../../model/domain.js';
import { addrText, type Address } from '../../model/uapi.js';
import { opOf } from '../../ops/index.js';
import type { PictureContext } from '../../ops/types.js';
import { stepText } from '../render.js';
import type { ExportInput } from './common.js';

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

const addrKey = (a: Address) => ('abstract' in a ? `a:${a.abstract}` : `p:${a.pathname}`);

export function buildPicture(input: ExportInput, title: string): Picture {
  const { scenario: s, outcomes } = input;
  const domains = new Map<string, PicDomain>([['none', { id: 'none', label: 'no domain', parent: null, children: [] }]]);
  /** The picture domain of a model domain: one per hierarchy node, nested as the hierarchy is. */
  const addDomain = (d: MaybeDomain): string => {
    let parent = 'none';
    for (const l of d?.layers ?? []) {
      const id = `D${l.node.id}`;
      if (!domains.has(id)) {
        const masks = layerMasks(l);
        domains.set(id, { id, label: masks ? `${id} ${masks}` : id, parent, children: [] });
        domains.get(parent)!.children.push(id);
      }
      parent = id;
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
  const sockNodes = new Map<string, PicNode>();
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
    const ctx: PictureContext = {
      i,
      outcome: out,
      ok,
      actorDomain,
      edge: (to) => {
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
      },
      taskNode: (t) => taskNode(t, i),
      sockNode: (n) => (sockNodes.has(n) ? `sock_${n}` : null),
      addrNode,
      boundAt: (a) => bound.get(addrKey(a)),
      bind: (a, sock) => {
        bound.set(addrKey(a), sock);
        const n = sockNodes.get(sock);
        if (n) n.label += ` ${addrText(a)}`;
      },
      peerOf: (n) => peer.get(n),
      setPeer: (a, b) => void peer.set(a, b),
      addSocket: (n, type) => {
        const node: PicNode = { id: `sock_${n}`, kind: 'socket', label: `${n} ${type}`, domain: actorDomain };
        nodes.push(node);
        nodeIds.add(node.id);
        sockNodes.set(n, node);
      },
      addTask: (child, isThread) => {
        taskDomain.set(child, actorDomain);
        taskProc.set(child, isThread ? taskProc.get(st.by)! : nextProc++);
        taskNode(st.by, i);
        taskNode(child, i);
      },
      moveToActorDomain: (tsync) => {
        const p = taskProc.get(st.by);
        for (const [t, q] of taskProc) if (t === st.by || (tsync && q === p)) taskDomain.set(t, actorDomain);
        for (const [t, q] of taskProc) if (t === st.by || (tsync && q === p)) taskNode(t, i);
      },
    };
    opOf(st).picture(st, ctx);
  });
  return { title, semantics: input.semantics, domains, nodes, edges };
}
