/**
 * Copying a World and its canonical form, for bounded exhaustive exploration: two worlds with the
 * same canonical key behave the same under every continuation (domains are compared by the shape
 * of their hierarchy, not by node numbers).
 */
import type { Domain, HierarchyNode, MaybeDomain } from './domain.js';
import type { Proc, Sock, Task, World } from './state.js';

/** A deep copy: tasks, processes and sockets are new objects; immutable domains are shared. */
export function cloneWorld(w: World): World {
  const socks = new Map<Sock, Sock>();
  const sock = (s: Sock): Sock => {
    let c = socks.get(s);
    if (!c) {
      c = { ...s, embryos: [] };
      socks.set(s, c);
      c.peer = s.peer && sock(s.peer);
      for (const e of s.embryos) c.embryos.push(sock(e));
    }
    return c;
  };
  const procs: Proc[] = [];
  const taskCopy = new Map<Task, Task>();
  for (const p of w.procs) {
    const np: Proc = { id: p.id, leader: undefined as unknown as Task, tasks: [], fds: new Set([...p.fds].map(sock)), alive: p.alive };
    for (const t of p.tasks) {
      const nt: Task = { name: t.name, proc: np, domain: t.domain };
      np.tasks.push(nt);
      taskCopy.set(t, nt);
      if (t === p.leader) (np as { leader: Task }).leader = nt;
    }
    procs.push(np);
  }
  // Same order as the original (creation order), which the canonical key and successors rely on.
  const tasks = new Map<string, Task>();
  for (const [n, t] of w.tasks) tasks.set(n, taskCopy.get(t)!);
  const sockets = new Map<string, Sock>();
  for (const [n, s] of w.sockets) sockets.set(n, sock(s));
  const boundPath = new Map<string, Sock>();
  for (const [k, s] of w.boundPath) boundPath.set(k, sock(s));
  const boundAbstract = new Map<string, Sock>();
  for (const [k, s] of w.boundAbstract) boundAbstract.set(k, sock(s));
  return {
    semantics: w.semantics,
    errata: w.errata,
    tasks,
    procs,
    sockets,
    tree: new Map(w.tree),
    boundPath,
    boundAbstract,
    nextNode: w.nextNode,
    decisions: [],
  };
}

/**
 * A string that identifies the world up to the numbering of hierarchy nodes (for the alphabet of
 * exhaustive mode: it records pending connections per listener as counts, which is enough while no
 * socket can be closed): tasks in creation
 * order with their process, liveness and domain; sockets with their state; the filesystem.
 */
export function canonicalKey(w: World): string {
  const nodeIds = new Map<HierarchyNode, number>();
  const dom = (d: MaybeDomain): string => {
    if (!d) return '-';
    return (d as Domain).layers
      .map((l) => {
        let id = nodeIds.get(l.node);
        if (id === undefined) nodeIds.set(l.node, (id = nodeIds.size));
        return `${id}:${l.scope}:${l.fs}:${l.rules.map((r) => `${r.path}=${r.access}`).join(',')}`;
      })
      .join('>');
  };
  const sockIds = new Map<Sock, number>();
  const sid = (s: Sock | null): string => {
    if (!s) return '-';
    let id = sockIds.get(s);
    if (id === undefined) sockIds.set(s, (id = sockIds.size));
    return String(id);
  };
  const parts: string[] = [];
  const procIndex = new Map<Proc, number>();
  w.procs.forEach((p, i) => procIndex.set(p, i));
  for (const [, t] of w.tasks) parts.push(`T${procIndex.get(t.proc)}${t.proc.alive ? '' : 'x'}[${dom(t.domain)}]`);
  for (const [, s] of w.sockets) {
    sid(s);
    const holders = w.procs.filter((p) => p.alive && p.fds.has(s)).map((p) => procIndex.get(p)).join(',');
    const a = s.addr ? ('abstract' in s.addr ? `@${s.addr.abstract}` : s.addr.pathname) : '';
    parts.push(
      `S${s.type[0]}[${dom(s.domain)}]${a}${s.listening ? 'L' : ''}${s.connected ? 'C' : ''}${s.dead ? 'D' : ''}${s.shutdown ? 'H' : ''}${s.err ?? ''} p${sid(s.peer)} q${Math.min(s.queue, 12)} e${s.embryos.length}${s.embryos.map((e) => `(${e.queue}${e.dead ? 'D' : ''}${e.shutdown ? 'H' : ''})`).join('')} h${holders}`,
    );
  }
  parts.push([...w.tree.entries()].sort().map(([p, k]) => `${p}:${k}`).join(','));
  return parts.join('|');
}
