/**
 * Copying a World and its canonical form, for bounded exhaustive exploration: two worlds with the
 * same canonical key behave the same under every continuation (domains are compared by the shape
 * of their hierarchy, not by node numbers).
 */
import { cloneAuditState } from './audit.js';
import type { Domain, HierarchyNode, MaybeDomain } from './domain.js';
import type { Fown, Pidfd, Proc, Sock, Task, World } from './state.js';

/** A deep copy: tasks, processes and sockets are new objects; immutable domains are shared. */
export function cloneWorld(w: World): World {
  const socks = new Map<Sock, Sock>();
  const sock = (s: Sock): Sock => {
    let c = socks.get(s);
    if (!c) {
      c = { ...s, embryos: [], listener: null };
      socks.set(s, c);
      c.peer = s.peer && sock(s.peer);
      (c as { listener: Sock | null }).listener = s.listener && sock(s.listener);
      for (const e of s.embryos) c.embryos.push(sock(e));
    }
    return c;
  };
  const procs: Proc[] = [];
  const taskCopy = new Map<Task, Task>();
  for (const p of w.procs) {
    const fds = new Set<Sock>();
    for (const s of p.fds) fds.add(sock(s));
    const np: Proc = {
      ...p,
      leader: undefined as unknown as Task,
      tasks: [],
      fds,
      pidfds: new Set(),
      pending: copySet(p.pending),
    };
    for (const t of p.tasks) {
      const nt: Task = { name: t.name, proc: np, domain: t.domain, pending: copySet(t.pending), pdeathsig: t.pdeathsig, exec: t.exec, logSubdomainsOff: t.logSubdomainsOff };
      np.tasks.push(nt);
      taskCopy.set(t, nt);
      if (t === p.leader) (np as { leader: Task }).leader = nt;
    }
    procs.push(np);
  }
  const task = (t: Task): Task => taskCopy.get(t)!;
  for (const np of procs) if (np.parent) np.parent = task(np.parent);
  const pidfds = new Map<string, Pidfd>();
  for (const [n, f] of w.pidfds) pidfds.set(n, { ...f, target: task(f.target) });
  w.procs.forEach((p, i) => {
    for (const f of p.pidfds) procs[i]!.pidfds.add(pidfds.get(f.name)!);
  });

  // Same order as the original (creation order), which the canonical key and successors rely on.
  const tasks = new Map<string, Task>();
  for (const [n, t] of w.tasks) tasks.set(n, taskCopy.get(t)!);
  const sockets = new Map<string, Sock>();
  for (const [n, s] of w.sockets) sockets.set(n, sock(s));
  const boundPath = new Map<string, Sock>();
  for (const [k, s] of w.boundPath) boundPath.set(k, sock(s));
  const boundAbstract = new Map<string, Sock>();
  for (const [k, s] of w.boundAbstract) boundAbstract.set(k, sock(s));
  const fown = (f: Fown): Fown => ({ ...f, thread: f.thread && task(f.thread), setter: task(f.setter) });
  for (const [o, c] of socks) if (o.fown) c.fown = fown(o.fown);
  return {
    semantics: w.semantics,
    errata: w.errata,
    capabilities: w.capabilities,
    tasks,
    procs,
    sockets,
    tree: copyMap(w.tree),
    boundPath,
    boundAbstract,
    pidfds,
    nextNode: w.nextNode,
    joins: w.joins,
    stepIndex: w.stepIndex,
    decisions: [],
    deliveries: [],
    audit: cloneAuditState(w.audit),
    releasing: null,
  };
}

/** A copy of a set (an empty one without iterating: most pending sets are). */
const copySet = <T>(x: ReadonlySet<T>): Set<T> => {
  const c = new Set<T>();
  if (x.size) for (const v of x) c.add(v);
  return c;
};
/** A copy of a map, without the entry arrays `new Map(m)` makes. */
const copyMap = <K, V>(m: ReadonlyMap<K, V>): Map<K, V> => {
  const c = new Map<K, V>();
  if (m.size) m.forEach((v, k) => c.set(k, v));
  return c;
};

/** A socket's address as the keys write it: "@name" (abstract), the path, or nothing. */
const addrText = (s: Sock): string => (s.addr ? ('abstract' in s.addr ? `@${s.addr.abstract}` : s.addr.pathname) : '');

/** The live processes holding each socket, in process order (a socket no one holds is absent). */
function holdersOf(w: World): Map<Sock, Proc[]> {
  const m = new Map<Sock, Proc[]>();
  for (const p of w.procs)
    if (p.alive)
      for (const s of p.fds) {
        const h = m.get(s);
        if (h) h.push(p);
        else m.set(s, [p]);
      }
  return m;
}

/** The live process that joined each process group last (pid_task(pgrp, PIDTYPE_PGID) finds it first). */
function newestOfGroups(w: World): Set<Proc> {
  const last = new Map<number, Proc>();
  for (const p of w.procs) if (p.alive && (last.get(p.pgid)?.joined ?? -1) < p.joined) last.set(p.pgid, p);
  return new Set(last.values());
}

/**
 * Writes domains layer by layer, numbering hierarchy nodes in the order it meets them (so that
 * shared layers show as shared), with what logging decides by (a node's flags, model/audit.ts)
 * only when not the default.
 */
function domainWriter(): (d: MaybeDomain) => string {
  const nodeIds = new Map<HierarchyNode, number>();
  return (d) => {
    if (!d) return '-';
    return (d as Domain).layers
      .map((l) => {
        let id = nodeIds.get(l.node);
        if (id === undefined) nodeIds.set(l.node, (id = nodeIds.size));
        const lg = l.node.log;
        const log = lg.sameExec && !lg.newExec && !lg.disabled && !lg.quietScope ? '' : `~${+lg.sameExec}${+lg.newExec}${+lg.disabled}${lg.quietScope}`;
        return `${id}:${l.scope}:${l.fs}:${l.rules.map((r) => `${r.path}=${r.access}`).join(',')}${log}`;
      })
      .join('>');
  };
}

/**
 * A string that identifies the world up to renaming (tasks, sockets, hierarchy nodes): equal keys
 * mean isomorphic worlds, which behave the same under every continuation up to names. Tasks with
 * their process, liveness and domain; sockets with their state, peers, pending connections and
 * holders; the filesystem.
 */
export function canonicalKey(w: World, detail: ReadonlySet<StateDetail> = ALL_DETAILS): string {
  return canonicalForm(w, detail).key;
}

/**
 * Details of a world that only some ops read (OpDef.observes): the pending signals (await_signal),
 * each process's parent (PTRACE_TRACEME, the parent-death signal at exit), the order in which
 * processes joined their groups (F_SETOWN to a group finds the newest member). A state key for an
 * alphabet whose ops read none of one leaves it out: worlds that differ only there then behave the
 * same under every continuation the alphabet has (test/state-key.test.ts checks it per alphabet).
 */
export const STATE_DETAILS = ['pending', 'parent', 'group-order'] as const;
export type StateDetail = (typeof STATE_DETAILS)[number];
export const ALL_DETAILS: ReadonlySet<StateDetail> = new Set(STATE_DETAILS);

/**
 * The canonical key with the order it lists tasks and sockets in: in two worlds with equal keys,
 * the i-th tasks (and sockets) correspond (properties/exhaustive.ts maps its sleep sets by it).
 */
export function canonicalForm(w: World, detail: ReadonlySet<StateDetail> = ALL_DETAILS): { key: string; tasks: readonly Task[]; socks: readonly Sock[] } {
  const pending = detail.has('pending');
  const parent = detail.has('parent');
  const order = detail.has('group-order');
  // Tasks and sockets are listed in an order that does not depend on their names (a signature
  // of their own state first, creation order only to break ties), so that worlds that differ
  // only by which of two like tasks or sockets did something get the same key. Everything is
  // then written relative to that order, so equal keys still mean isomorphic worlds.
  // (A world has a handful of each: plain arrays searched by indexOf, creation order is the index.)
  const allTasks: Task[] = [];
  for (const t of w.tasks.values()) allTasks.push(t);
  const allSocks: Sock[] = [];
  for (const x of w.sockets.values()) allSocks.push(x);
  const nT = allTasks.length;
  const nS = allSocks.length;
  // One round of refinement: a task's signature with those of the sockets its process holds, a
  // socket's with those of its holders' leaders, so that two like tasks holding unlike sockets are
  // ordered by what they hold rather than by when they were created.
  const ts: string[] = new Array<string>(nT);
  for (let i = 0; i < nT; i++) {
    const t = allTasks[i]!;
    const p = t.proc;
    ts[i] = `${p.alive ? 1 : 0}${p.leader === t ? 'L' : 't'}${p.tasks.length}${p.fds.size}.${p.pidfds.size}${t.pdeathsig ?? ''}${pending ? `/${signalsText(t.pending)}/${signalsText(p.pending)}` : ''}|${shapeText(t.domain)}`;
  }
  const ss: string[] = new Array<string>(nS);
  for (let i = 0; i < nS; i++) {
    const x = allSocks[i]!;
    ss[i] = `${x.type}${addrText(x)}${x.listening ? 'L' : ''}${x.connected ? 'C' : ''}${x.dead ? 'D' : ''}${x.shutdown ? 'H' : ''}${x.err ?? ''}${x.peer ? 'p' : ''}${Math.min(x.queue, 12)}e${x.embryos.length}|${shapeText(x.domain)}`;
  }
  const sockSig = (x: Sock): string => {
    const i = allSocks.indexOf(x);
    return i < 0 ? '' : ss[i]!;
  };
  const taskSig = (t: Task): string => ts[allTasks.indexOf(t)]!;
  // The live processes holding each socket, in process order.
  const holding = holdersOf(w);
  const holders: Proc[][] = allSocks.map((x) => holding.get(x) ?? []);
  const tKeys: string[] = new Array<string>(nT);
  for (let i = 0; i < nT; i++) {
    const fds = allTasks[i]!.proc.fds;
    let held = '';
    if (fds.size === 1) held = sockSig(fds.values().next().value!);
    else if (fds.size > 1) {
      const hs: string[] = [];
      for (const x of fds) hs.push(sockSig(x));
      held = hs.sort().join(';');
    }
    tKeys[i] = `${ts[i]}{${held}}`;
  }
  const tOrder = sortedOrder(tKeys);
  const tasks: Task[] = tOrder.map((i) => allTasks[i]!);
  // Sockets alike so far go by their holders' places in the task order (then by creation).
  const firstTaskOf = (p: Proc): number | undefined => {
    for (let i = 0; i < tasks.length; i++) if (tasks[i]!.proc === p) return i;
    return undefined;
  };
  const sKeys: string[] = new Array<string>(nS);
  for (let i = 0; i < nS; i++) {
    const h = holders[i]!;
    let sigs = '';
    let places = '';
    if (h.length === 1) {
      sigs = taskSig(h[0]!.leader);
      places = `${firstTaskOf(h[0]!) ?? ''}`;
    } else if (h.length > 1) {
      const hs: string[] = [];
      const ps: (number | undefined)[] = [];
      for (const p of h) {
        hs.push(taskSig(p.leader));
        ps.push(firstTaskOf(p));
      }
      sigs = hs.sort().join(';');
      places = ps.sort((a, b) => a! - b!).join(',');
    }
    sKeys[i] = `${ss[i]}{${sigs}}${places}`;
  }
  const socks: Sock[] = sortedOrder(sKeys).map((i) => allSocks[i]!);
  const dom = domainWriter();
  // Processes by the place of their first task in the order; pids map to those places.
  const procOrder: Proc[] = [];
  for (const t of tasks) if (!procOrder.includes(t.proc)) procOrder.push(t.proc);
  const procIndex = (p: Proc | undefined): number | undefined => {
    if (!p) return undefined;
    const i = procOrder.indexOf(p);
    return i < 0 ? undefined : i;
  };
  const pidIndex = (pid: number): number | undefined => {
    let q: Proc | undefined;
    for (const p of w.procs) if (p.id === pid) q = p;
    return q === undefined ? undefined : (procIndex(q) ?? -1);
  };
  const newest = order ? newestOfGroups(w) : null;
  const taskIndex = (t: Task): number | undefined => {
    const i = tasks.indexOf(t);
    return i < 0 ? undefined : i;
  };
  let key = '';
  for (const t of tasks) {
    const p = t.proc;
    let procPart = '';
    if (p.leader === t) {
      // Of the order in which processes joined a group (Proc.joined) only which one joined last
      // matters: pid_task(pgrp, PIDTYPE_PGID), hence a group owner's F_SETOWN, finds it first.
      const fds: string[] = [];
      for (const f of p.pidfds) fds.push(`${taskIndex(f.target)}${f.thread ? 't' : ''}`);
      procPart = ` g${pidIndex(p.pgid)}s${pidIndex(p.sid)}${newest?.has(p) ? 'n' : ''}${parent ? `^${p.parent ? taskIndex(p.parent) : '-'}` : ''} f${fds.sort().join(',')}`;
    }
    // domain_exec and log_subdomains_off (model/audit.ts), only when they differ from "every layer created by this program".
    const full = (1 << (t.domain?.layers.length ?? 0)) - 1;
    const cred = t.exec === full && !t.logSubdomainsOff ? '' : `e${t.exec}${t.logSubdomainsOff ? 'q' : ''}`;
    key += `${key ? '|' : ''}T${procIndex(p)}${p.alive ? '' : 'x'}[${dom(t.domain)}]${cred}${t.pdeathsig ?? ''}${pending ? `/${signalsText(t.pending)}/${signalsText(p.pending)}` : ''}${procPart}`;
  }
  // Sockets are numbered in the order (peers and embryos by the same numbers).
  const sockIds: Sock[] = [...socks];
  const sid = (x: Sock | null): string => {
    if (!x) return '-';
    let i = sockIds.indexOf(x);
    if (i < 0) i = sockIds.push(x) - 1;
    return String(i);
  };
  for (const x of socks) {
    const h = holders[allSocks.indexOf(x)]!;
    let by = '';
    if (h.length === 1) by = `${procIndex(h[0]!) ?? ''}`;
    else if (h.length > 1) {
      const bs: (number | undefined)[] = [];
      for (const p of h) bs.push(procIndex(p));
      by = bs.sort((a, b) => a! - b!).join(',');
    }
    const o = x.fown;
    const own = o
      ? `o${o.type}${o.type === 'thread' ? taskIndex(o.thread!) : pidIndex(o.pid)}[${o.record ? `${dom(o.record.domain)}${o.record.exemptOwnProcess ? 'x' : ''}` : '-'}]${taskIndex(o.setter)}[${dom(o.setterDomain)}]${o.setterExec === (1 << (o.setterDomain?.layers.length ?? 0)) - 1 ? '' : `e${o.setterExec}`}`
      : '';
    // (In the order the names are met: the domain's nodes, then the peer, then the embryos.)
    let text = `${key ? '|' : ''}S${x.type}[${dom(x.domain)}]${own}${x.async ? 'A' : ''}${x.fsig}${addrText(x)}${x.listening ? 'L' : ''}${x.connected ? 'C' : ''}${x.dead ? 'D' : ''}${x.shutdown ? 'H' : ''}${x.err ?? ''} p${sid(x.peer)} q${Math.min(x.queue, 12)} e${x.embryos.length}`;
    for (const e of x.embryos) text += `(${sid(e)}:${e.queue}${e.dead ? 'D' : ''}${e.shutdown ? 'H' : ''})`;
    key += `${text} h${by}`;
  }
  key += `${key ? '|' : ''}${[...w.tree.entries()].sort().map(([p, k]) => `${p}:${k}`).join(',')}`;
  return { key, tasks, socks };
}

/** A domain's shape: each layer's scopes, handled filesystem accesses and number of rules. */
function shapeText(d: MaybeDomain): string {
  if (!d) return '-';
  let out = '';
  for (const l of d.layers) out += `${out ? '>' : ''}${l.scope}.${l.fs}.${l.rules.length}`;
  return out;
}

/** Pending signals as the keys write them: sorted, comma-separated. */
function signalsText(p: ReadonlySet<string>): string {
  return p.size === 0 ? '' : p.size === 1 ? p.values().next().value! : [...p].sort().join(',');
}

/** Indices 0..n-1 sorted by their strings, ties by index (creation order). */
function sortedOrder(keys: readonly string[]): number[] {
  const idx: number[] = [];
  for (let i = 0; i < keys.length; i++) idx.push(i);
  return idx.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b));
}

/**
 * What of a world one step reads or writes, as entities (ops/footprint.ts selectionOf builds it
 * from the step's footprint): the credentials and pending sets of some tasks, some processes and
 * their pending sets, some sockets (with their embryos), the filesystem with the pathname
 * bindings, the socket table, and some abstract bindings.
 */
export interface Selection {
  readonly tasks: ReadonlySet<Task>;
  readonly taskPending: ReadonlySet<Task>;
  readonly procs: ReadonlySet<Proc>;
  readonly procPending: ReadonlySet<Proc>;
  readonly socks: ReadonlySet<Sock>;
  readonly fs: boolean;
  readonly socketTable: boolean;
  /** Whether the binding of an abstract key (type + "\0" + name) is selected. */
  readonly abstract: (key: string) => boolean;
}

/**
 * The part of a world a selection covers, written like the canonical key but relative to the
 * selection (its tasks and sockets numbered in creation order, references to anything outside it
 * written "?"), with the names it gave them: in two worlds whose projections for a step's
 * selection are equal, the step — renamed — reads the same, so has the same outcome up to names
 * (properties/exhaustive.ts keys its check memo by it). `detail`: the hidden details the step
 * reads (OpDef.observes); the others are left out.
 */
export function projection(w: World, sel: Selection, detail: ReadonlySet<StateDetail> = ALL_DETAILS): { key: string; names: Map<string, string> } {
  const order = detail.has('group-order');
  const names = new Map<string, string>();
  const taskRef = new Map<Task, number>();
  for (const t of w.tasks.values())
    if (sel.tasks.has(t) || sel.taskPending.has(t)) {
      taskRef.set(t, taskRef.size);
      names.set(t.name, `t${taskRef.size - 1}`);
    }
  const procRef = new Map<Proc, number>();
  for (const p of w.procs) if (sel.procs.has(p) || sel.procPending.has(p)) procRef.set(p, procRef.size);
  for (const t of taskRef.keys()) if (!procRef.has(t.proc)) procRef.set(t.proc, procRef.size);
  const sockRef = new Map<Sock, number>();
  for (const s of w.sockets.values())
    if (sel.socks.has(s)) {
      sockRef.set(s, sockRef.size);
      names.set(s.name, `s${sockRef.size - 1}`);
    }
  const pidProc = new Map<number, Proc>(w.procs.map((p) => [p.id, p]));
  const tr = (t: Task | null): string => (!t ? '-' : (taskRef.get(t)?.toString() ?? '?'));
  const pr = (p: Proc | undefined): string => (!p ? '-' : (procRef.get(p)?.toString() ?? '?'));
  const sr = (s: Sock | null): string => (!s ? '-' : (sockRef.get(s)?.toString() ?? '?'));
  const dom = domainWriter();
  const parts: string[] = [];
  for (const [t, i] of taskRef) {
    const pend = sel.taskPending.has(t) && detail.has('pending') ? `/${signalsText(t.pending)}` : '';
    parts.push(`T${i}p${pr(t.proc)}${t.proc.leader === t ? 'L' : ''}[${dom(t.domain)}]e${t.exec}${t.logSubdomainsOff ? 'q' : ''}${t.pdeathsig ?? ''}${pend}`);
  }
  const newest = order ? newestOfGroups(w) : null;
  for (const [p, i] of procRef) {
    if (!sel.procs.has(p) && !sel.procPending.has(p)) continue;
    // Of its descriptors, only those of selected sockets: which processes hold a socket is the
    // socket's (ops/footprint.ts Fp.sock), so a step whose outcome depends on it selects it.
    const held = [...p.fds].filter((s) => sockRef.has(s)).map((s) => sockRef.get(s)!).sort((a, b) => a - b);
    const pend = sel.procPending.has(p) && detail.has('pending') ? `/${signalsText(p.pending)}` : '';
    const pidfds = [...p.pidfds].map((f) => `${tr(f.target)}${f.thread ? 't' : ''}`).sort().join(',');
    parts.push(
      `P${i}${p.alive ? '' : 'x'}l${tr(p.leader)}n${p.tasks.length}:${p.tasks.map(tr).join(',')} f${held.join(',')} d${pidfds} g${pr(pidProc.get(p.pgid))}s${pr(pidProc.get(p.sid))}${newest?.has(p) ? 'n' : ''}${detail.has('parent') ? `^${tr(p.parent)}` : ''}${pend}`,
    );
  }
  const sockText = (s: Sock): string => {
    const o = s.fown;
    const own = o
      ? `o${o.type}${o.type === 'thread' ? tr(o.thread) : pr(pidProc.get(o.pid))}[${o.record ? `${dom(o.record.domain)}${o.record.exemptOwnProcess ? 'x' : ''}` : '-'}]${tr(o.setter)}[${dom(o.setterDomain)}]e${o.setterExec}`
      : '';
    return `${s.type}[${dom(s.domain)}]${own}${s.async ? 'A' : ''}${s.fsig}${addrText(s)}${s.listening ? 'L' : ''}${s.connected ? 'C' : ''}${s.dead ? 'D' : ''}${s.shutdown ? 'H' : ''}${s.err ?? ''} p${sr(s.peer)} q${Math.min(s.queue, 12)}`;
  };
  const holding = holdersOf(w);
  for (const [s, i] of sockRef) {
    const holders = holding.get(s) ?? [];
    const known = holders.filter((p) => procRef.has(p)).map((p) => procRef.get(p)!).sort((a, b) => a - b);
    parts.push(`S${i}${sockText(s)} e${s.embryos.map((e) => `(${sockText(e)})`).join('')} h${known.join(',')}+${holders.length - known.length}`);
  }
  if (sel.fs) parts.push(`F${[...w.tree.entries()].sort().map(([p, k]) => `${p}:${k}`).join(',')} B${[...w.boundPath.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1)).map(([p, s]) => `${p}=${sr(s)}`).join(',')}`);
  if (sel.socketTable) parts.push(`N${w.sockets.size}`);
  const abs: string[] = [];
  for (const [k, s] of w.boundAbstract) if (sel.abstract(k)) abs.push(`${k}=${sr(s)}`);
  if (abs.length) parts.push(`A${abs.sort().join(',')}`);
  return { key: parts.join('|'), names };
}
