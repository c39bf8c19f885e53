/**
 * What a step reads and writes of the world, for the exhaustive search's partial-order reduction
 * (properties/exhaustive.ts): two steps whose footprints do not conflict (neither writes what the
 * other reads or writes) commute — both orders give the same world — and neither changes the
 * other's outcome. Each op declares its footprint in its OpDef (`footprint`); when in doubt an op
 * says GLOBAL, which conflicts with every step.
 *
 * Resources (see Fp): a task's credentials, a thread's pending signals, a process, a process's
 * pending signals, a socket (with which processes hold it), an abstract address, the filesystem
 * with the pathname bindings, the socket table.
 * Not resources: the hierarchy-node counter (World.nextNode) and the audit counters (World.audit:
 * num_denials, which nodes were logged). Both only count: the updates of two steps commute, node
 * ids are names (the canonical key compares domains by shape and leaves the audit state out), and
 * no state-local property reads them — only which step emits a domain's first "allocated" record
 * depends on their order, and no state-local property looks at allocated records (denial-logged
 * compares the access records). The soundness test (properties/exhaustive.test.ts) checks the
 * reduction against the full search.
 */
import type { Address, SocketType } from '../model/uapi.js';
import { abstractKey, type Proc, type Sock, type Task, type World } from '../model/state.js';
import type { Selection } from '../model/snapshot.js';

/**
 * A footprint as bit masks: `lo` has 8 bits each for task credentials, thread pending sets,
 * processes and process pending sets; `hi` 8 bits of sockets, the filesystem, the socket table,
 * and 22 bits of abstract addresses. An entity is mapped to its bit by its creation index (the
 * number in P3, T2, s1, the pid) or a hash, modulo the room: two entities sharing a bit only make
 * steps conflict that would not have to (conservative), never the other way round.
 */
export interface Footprint {
  /** Conflicts with every step (fork, exit, group signals, file owners…). */
  readonly global: boolean;
  /**
   * The step never asks a hook, reaches anything or is denied by Landlock (its outcome has no
   * reach, denial or decisions): no state-local property can fail on it. The exhaustive search
   * does not take such a step where it would only be checked (the last level), and verifies the
   * claim wherever it does take it.
   */
  readonly quiet: boolean;
  readonly rlo: number;
  readonly rhi: number;
  readonly wlo: number;
  readonly whi: number;
}

export const GLOBAL: Footprint = { global: true, quiet: false, rlo: 0, rhi: 0, wlo: 0, whi: 0 };

/** The pending sets' bits (lo): of threads (8–15) and of processes (24–31). */
const PENDING_LO = 0xff00ff00 | 0;

/**
 * Whether a step of footprint `f` changes nothing a state key sees: it writes nothing, or only
 * pending sets where the key leaves them out (`pending`: whether it keeps them). Taking such a
 * step leads back to the state it was taken from (test/state-key.test.ts checks it).
 */
export function keyInert(f: Footprint, pending: boolean): boolean {
  return !f.global && f.whi === 0 && (pending ? f.wlo === 0 : (f.wlo & ~PENDING_LO) === 0);
}

/** Whether two footprints conflict: dependent steps (GLOBAL conflicts with everything). */
export function conflicts(a: Footprint, b: Footprint): boolean {
  if (a.global || b.global) return true;
  return ((a.wlo & (b.rlo | b.wlo)) | (a.whi & (b.rhi | b.whi)) | (b.wlo & a.rlo) | (b.whi & a.rhi)) !== 0;
}

/** A stable small number for a name: the digits it ends with (creation order in exhaustive mode), else a hash. */
function indexOf(name: string): number {
  let n = 0;
  let i = name.length - 1;
  let mul = 1;
  while (i >= 0 && name.charCodeAt(i) >= 48 && name.charCodeAt(i) <= 57) {
    n += (name.charCodeAt(i) - 48) * mul;
    mul *= 10;
    i--;
  }
  if (i < name.length - 1 && name.indexOf('~') < 0) return n;
  let h = 0;
  for (let j = 0; j < name.length; j++) h = (h * 31 + name.charCodeAt(j)) | 0;
  return h >>> 0;
}

const FS_BIT = 1 << 8;
const SOCKET_TABLE_BIT = 1 << 9;

// Where each entity has its bit: Fp sets them, selectionOf reads them back (one mapping for both).
/** A task's credentials (lo); its own pending set is 8 bits up. */
const taskBit = (name: string) => 1 << (indexOf(name) & 7);
const taskPendingBit = (name: string) => 1 << (8 + (indexOf(name) & 7));
/** A process (lo); its shared pending set is 8 bits up. */
const procBit = (id: number) => 1 << (16 + (id & 7));
const procPendingBit = (id: number) => (1 << (24 + (id & 7))) | 0;
/** A socket (hi), an embryo by its listener's name. */
const sockBit = (name: string) => 1 << (indexOf(name) & 7);
/** An abstract address (hi), by its key (type + "\0" + name). */
const addrBit = (key: string) => 1 << (10 + (indexOf(key) % 22));

/** Builds a footprint: the acting task's credentials are read by every step (its outcome records its domain). */
export class Fp {
  private rlo = 0;
  private rhi = 0;
  private wlo = 0;
  private whi = 0;
  private isQuiet = false;
  /** A task's credentials: domain, domain_exec, log_subdomains_off, pdeathsig. */
  task(t: Task, write = false): this {
    return this.taskNamed(t.name, write);
  }
  /** A thread's own pending signals. */
  taskPending(t: Task, write = false): this {
    return this.lo(taskPendingBit(t.name), write);
  }
  /** A process: alive, its threads, pidfds, group and session (its socket descriptors are the sockets'). */
  proc(p: Proc, write = false): this {
    return this.procId(p.id, write);
  }
  /** A process by its id: one that does not exist yet (the next pid, which fork takes). */
  procId(id: number, write = false): this {
    return this.lo(procBit(id), write);
  }
  /** A task by name: one that does not exist yet (the next name, which fork and clone take). */
  taskNamed(name: string, write = false): this {
    return this.lo(taskBit(name), write);
  }
  /** Which processes hold a socket (a fork copies the descriptors): the socket, without what an event on it does. */
  holders(s: Sock): this {
    return this.hiBits(sockBit((s.listener ?? s).name), true);
  }
  /** A process's shared pending signals. */
  procPending(p: Proc, write = false): this {
    return this.lo(procPendingBit(p.id), write);
  }
  /**
   * A socket: its state, peer, queue, backlog, pending error, owner, and which processes hold it.
   * Writing one with a file owner may signal the owner (model/fown.ts: socketEvent), which may
   * be a process group: the step then reads every process and every task's credentials, and
   * writes every pending set (anyone).
   */
  sock(s: Sock | null | undefined, write = false): this {
    if (!s) return this;
    const l = s.listener ?? s;
    if (write && (s.fown || l.fown)) this.anyone().anyonePending();
    return this.hiBits(sockBit(l.name), write);
  }
  /** Every process (alive, group, session, when it joined) and every task's credentials: the members of a group, kill(-1)'s targets, an owner's recipients. */
  anyone(): this {
    this.rlo |= 0x00ff00ff;
    return this;
  }
  /** Every pending set (a signal to whoever the group or the owner is). */
  anyonePending(): this {
    this.wlo |= 0xff00ff00 | 0;
    return this;
  }
  /** A socket by name (one that does not exist yet, or that the acting process may not hold). */
  sockNamed(name: string, write = false): this {
    return this.hiBits(sockBit(name), write);
  }
  /** The filesystem and the pathname bindings. */
  fs(write = false): this {
    return this.hiBits(FS_BIT, write);
  }
  /** The socket table (a new socket takes the next name). */
  socketTable(write = false): this {
    return this.hiBits(SOCKET_TABLE_BIT, write);
  }
  /** An address of a lookup or bind by a socket of `type`: the abstract name, or the filesystem. */
  addr(type: SocketType, a: Address, write = false): this {
    if (!('abstract' in a)) return this.fs(write);
    return this.hiBits(addrBit(abstractKey(type, a.abstract)), write);
  }
  /** See Footprint.quiet. */
  quiet(): this {
    this.isQuiet = true;
    return this;
  }
  done(): Footprint {
    return { global: false, quiet: this.isQuiet, rlo: this.rlo, rhi: this.rhi, wlo: this.wlo, whi: this.whi };
  }
  private lo(bit: number, write: boolean): this {
    if (write) this.wlo |= bit;
    else this.rlo |= bit;
    return this;
  }
  private hiBits(bit: number, write: boolean): this {
    if (write) this.whi |= bit;
    else this.rhi |= bit;
    return this;
  }
}

/** A footprint builder starting with what every step reads: the acting task's credentials (its outcome records its domain) and its process (alive). */
export const fp = (t: Task): Fp => new Fp().task(t).proc(t.proc);

/** The socket `name` if the acting process holds it (what onHeld finds). */
export function heldSock(w: World, t: Task, name: string): Sock | null {
  const s = w.sockets.get(name);
  return s && t.proc.fds.has(s) ? s : null;
}

/** The socket bound at an address for a lookup by a socket of `type`, if any (unix_find_other). */
export function boundAt(w: World, type: SocketType, a: Address): Sock | undefined {
  return 'abstract' in a ? w.boundAbstract.get(abstractKey(type, a.abstract)) : w.boundPath.get(a.pathname);
}

/**
 * The entities a footprint covers in `w` (every one whose bit it has: a shared bit selects both),
 * for the projection a step's outcome depends on (model/snapshot.ts projection). Null for GLOBAL.
 */
export function selectionOf(w: World, f: Footprint): Selection | null {
  if (f.global) return null;
  const lo = f.rlo | f.wlo;
  const hi = f.rhi | f.whi;
  const tasks = new Set<Task>();
  const taskPending = new Set<Task>();
  for (const t of w.tasks.values()) {
    if (lo & taskBit(t.name)) tasks.add(t);
    if (lo & taskPendingBit(t.name)) taskPending.add(t);
  }
  const procs = new Set<Proc>();
  const procPending = new Set<Proc>();
  for (const p of w.procs) {
    if (lo & procBit(p.id)) procs.add(p);
    if (lo & procPendingBit(p.id)) procPending.add(p);
  }
  const socks = new Set<Sock>();
  for (const s of w.sockets.values()) if (hi & sockBit((s.listener ?? s).name)) socks.add(s);
  return {
    tasks,
    taskPending,
    procs,
    procPending,
    socks,
    fs: (hi & FS_BIT) !== 0,
    socketTable: (hi & SOCKET_TABLE_BIT) !== 0,
    abstract: (key) => (hi & addrBit(key)) !== 0,
  };
}
