/**
 * The model's world: tasks (threads with their own credentials), processes with their
 * descriptors, UNIX sockets, the scenario's small filesystem. One World per evaluation; nothing
 * global.
 */
import { logDenial, newAuditState, type AuditCall, type AuditRecord, type AuditState } from './audit.js';
import type { MaybeDomain } from './domain.js';
import type { Tree } from './fs.js';
import { callHook, type Decision, type Denial, type FownRecord, type HookContexts, type HookName, type HookResults, type Semantics } from './hooks.js';
import { FS_RIGHT_NAMES, type Address, type SocketType } from './uapi.js';

export interface Task {
  readonly name: string;
  readonly proc: Proc;
  /** The domain in this thread's credentials. */
  domain: MaybeDomain;
  /** Signals pending for this thread only (tgkill, a thread pidfd, a thread owner). */
  readonly pending: Set<string>;
  /** PR_SET_PDEATHSIG (null: none). */
  pdeathsig: string | null;
  /**
   * landlock_cred(cred)->domain_exec: bit i set when layer i was created by the program this task
   * runs now (restrict_self sets it; execve clears it, security/landlock/cred.c:
   * hook_bprm_creds_for_exec). Whether a denial is "same exec" for logging.
   */
  exec: number;
  /** landlock_cred(cred)->log_subdomains_off: layers this task creates from now on are not logged. */
  logSubdomainsOff: boolean;
}

export interface Proc {
  /** The process's pid, as the model numbers them (P0's is 0): process-group and session ids are pids. */
  readonly id: number;
  readonly leader: Task;
  readonly tasks: Task[];
  /** Sockets this process holds a descriptor for. */
  readonly fds: Set<Sock>;
  /** Pidfds this process holds a descriptor for. */
  readonly pidfds: Set<Pidfd>;
  alive: boolean;
  /** Signals pending for the process (shared_pending): taken by the first of its tasks that waits. */
  readonly pending: Set<string>;
  /** Process group and session (pids). */
  pgid: number;
  sid: number;
  /** When this process last joined its group: pid_task(pgrp, PIDTYPE_PGID) finds the latest one first. */
  joined: number;
  /** The task whose fork created this process (real_parent); null: the runner (P0, and orphans). */
  parent: Task | null;
}

/** A pidfd (kernel/pid.c: pidfd_open): refers to a process (its leader) or, with PIDFD_THREAD, one thread. */
export interface Pidfd {
  readonly name: string;
  readonly target: Task;
  readonly thread: boolean;
}

/** F_SETOWN_EX on a socket's file (fs/fcntl.c: struct fown_struct) plus what Landlock recorded. */
export interface Fown {
  readonly type: 'process' | 'thread' | 'pgrp';
  /** The owner pid: the process (process owner), the process group (pgrp owner). */
  readonly pid: number;
  /** The owner thread (thread owner). */
  readonly thread: Task | null;
  /** What file_set_fowner recorded (landlock_file(file)->fown_subject). */
  readonly record: FownRecord | null;
  /** Who called F_SETOWN, its process and its domain then (for the properties). */
  readonly setter: Task;
  readonly setterDomain: MaybeDomain;
  /** The caller's domain_exec then (fown_subject is a copy of its landlock_cred_security). */
  readonly setterExec: number;
  readonly step: number;
}

export interface Sock {
  readonly name: string;
  readonly type: SocketType;
  /** Task that created the socket file; its domain then is the socket's domain (f_cred). */
  readonly creator: string;
  readonly domain: MaybeDomain;
  /** A server-side socket of a pending stream connection (no file, never a lookup target). */
  readonly embryo: boolean;
  /** For an embryo: the listening socket whose backlog holds it (unix_stream_connect's `other`). */
  readonly listener: Sock | null;
  addr: Address | null;
  listening: boolean;
  /** sk_state == TCP_ESTABLISHED (stream/seqpacket connected, or a connected datagram socket). */
  connected: boolean;
  /** unix_peer(). */
  peer: Sock | null;
  /** Listener: pending connections in the backlog (never accepted in v1). */
  readonly embryos: Sock[];
  /** Messages queued for reading (never read in v1). */
  queue: number;
  /** SOCK_DEAD: released. */
  dead: boolean;
  /** sk_shutdown == SHUTDOWN_MASK, set when the stream peer is released. */
  shutdown: boolean;
  /** A pending sk_err. */
  err: string | null;
  /** The file's owner (F_SETOWN_EX), null: none. */
  fown: Fown | null;
  /** F_SETSIG: the signal sent for I/O readiness ("SIGIO": F_SETSIG 0). */
  fsig: string;
  /** O_ASYNC is set on the file (F_SETFL): readiness signals the owner. */
  async: boolean;
}

export interface World {
  readonly semantics: Semantics;
  readonly errata: number;
  /** The scenario's "capabilities": every task has none (default), or the runner's full set. */
  readonly capabilities: 'none' | 'all';
  readonly tasks: Map<string, Task>;
  readonly procs: Proc[];
  readonly sockets: Map<string, Sock>;
  readonly tree: Tree;
  /** Pathname → the live socket bound there (unix_find_socket_byinode). */
  readonly boundPath: Map<string, Sock>;
  /** type + "\0" + abstract name → the socket bound there (one namespace per socket type). */
  readonly boundAbstract: Map<string, Sock>;
  readonly pidfds: Map<string, Pidfd>;
  nextNode: number;
  /** A counter for Proc.joined. */
  joins: number;
  /** The index of the step being evaluated. */
  stepIndex: number;
  /** Hook calls of the step being evaluated. */
  decisions: Decision[];
  /** Signals the step being evaluated sent, or tried to, besides its own reach (groups, owners, the parent-death signal). */
  deliveries: Delivery[];
  /** What Landlock's logging did so far (model/audit.ts); its `records` are the step's. */
  readonly audit: AuditState;
  /**
   * While an exit releases several sockets at once: those sockets, and the events their releases
   * cause on one another (deferred: model/process.ts exitProcess). Null between steps.
   */
  releasing: { readonly socks: ReadonlySet<Sock>; readonly events: Map<Sock, Set<'readable' | 'urgent'>> } | null;
}

/** One signal to one recipient that Landlock decided (a killpg member, an owner's SIGIO, a parent-death signal…). */
export interface Delivery {
  readonly reach: Reach;
  readonly signal: string;
  /** Landlock let it through (it is pending now, unless the signal is 0). */
  readonly allowed: boolean;
  readonly denial?: Denial;
  /** For a file owner's signal: what file_set_fowner had recorded (null: nothing). */
  readonly recorded?: FownRecord | null;
}

export type { Decision };

/**
 * Calls a hook of the semantics and records the decision (security_*() calling the LSM). A hook
 * that can deny is told, for logging, whose credentials it judged with and about what object:
 * a denial is counted and logged as landlock_log_denial() does (model/audit.ts).
 */
export function consult(w: World, hook: 'file_set_fowner', ctx: HookContexts['file_set_fowner']): FownRecord | null;
export function consult<H extends Exclude<HookName, 'file_set_fowner'>>(w: World, hook: H, ctx: HookContexts[H], audit: AuditCall): Denial | null;
export function consult<H extends HookName>(w: World, hook: H, ctx: HookContexts[H], audit?: AuditCall): HookResults[H] {
  const r = callHook(w.semantics.hooks, hook, ctx);
  if (hook === 'file_set_fowner') w.decisions.push({ hook, ctx, denial: null, recorded: r } as Decision);
  else {
    w.decisions.push({ hook, ctx, denial: r, ...(audit ? { auditSubject: audit.subject } : {}) } as Decision);
    if (r && audit) logDenial(w.audit, w.semantics, audit, r as Denial);
  }
  return r;
}

/**
 * A filesystem denial the model decides itself (bind's make_sock, mkdir's make_dir: fs.c
 * hook_path_mknod, hook_path_mkdir → current_check_access_path on the parent directory): logged
 * as `fs.<right>` with the directory's path ("." for the scenario's own).
 */
export function logFsDenial(w: World, t: Task, rights: string | readonly string[], layer: number, dir: string | null): void {
  const mechanism = (typeof rights === 'string' ? [rights] : rights).map((r) => `fs.${r}`).join(',');
  logDenial(w.audit, w.semantics, { subject: subjectOf(t), object: dir === null ? null : { path: dir === '' ? '.' : dir } }, { mechanism, layer });
}

/**
 * hook_file_open (security/landlock/fs.c) on a file outside the scenario's directory, which no
 * rule can name (the runner's own program for exec, a /proc file for a ptrace read): refused by
 * the youngest layer that handles one of `rights`, logged with the rights that layer handles
 * (get_denied_layer; log_blockers lists them in bit order). The record's path is the runner's,
 * not the scenario's: it has no object here (a recorder writes "?"). Returns the layer, or -1.
 */
export function fileOpenOutside(w: World, t: Task, rights: number): { layer: number; blockers: string } | null {
  const d = t.domain;
  for (let j = (d?.layers.length ?? 0) - 1; j >= 0; j--) {
    const handled = d!.layers[j]!.fs & rights;
    if (!handled) continue;
    const names = FS_RIGHT_NAMES.filter((_, i) => handled & (1 << i));
    logFsDenial(w, t, names, j, null);
    return { layer: j, blockers: names.map((n) => `fs.${n}`).join(',') };
  }
  return null;
}

/** The audit subject of a task acting now: its domain and domain_exec. */
export const subjectOf = (t: Task): AuditCall['subject'] => ({ domain: t.domain, exec: t.exec });

/** The audit object of a task: its process (opid is a TGID), by the name of its first task. */
export const taskObject = (t: Task): { opid: string } => ({ opid: t.proc.leader.name });

/** What a step reached, or tried to: the raw material of the properties. */
export interface Reach {
  /** abstract / pathname: a socket by address; connected: a datagram send with no address;
   * signal: a signal of the kill family or to a file owner; ptrace: an attach, a /proc read, a traceme. */
  readonly kind: 'abstract' | 'pathname' | 'connected' | 'signal' | 'ptrace';
  /** How a signal travelled, when not by kill/tgkill: a group, kill(-1), a pidfd, the parent-death signal, a file owner. */
  readonly via?: 'killpg' | 'kill_all' | 'pidfd' | 'pdeathsig' | 'sigio' | 'sigurg';
  readonly clientTask: string;
  readonly client: MaybeDomain;
  /** The socket's domain, or the target task's. */
  readonly target: MaybeDomain;
  /** Socket name or task name (an embryo socket's own name; see `listener`). */
  readonly targetName: string;
  /** When the target is an embryo (the server end of a pending connection): its listener's name. */
  readonly listener: string | null;
  /** Task that created the target socket (or the target task). */
  readonly targetOwner: string;
  /** The client socket was already connected to this peer (datagram peer exemption). */
  readonly isPeer: boolean;
  readonly sameThreadGroup: boolean;
  /** The path looked up (pathname kind). */
  readonly path: string | null;
}

export interface StepOutcome {
  /** "ok" or the errno name. */
  readonly result: string;
  /** The acting task's domain after the step (describeDomain() shows it). */
  readonly domain: MaybeDomain;
  readonly denial?: Denial;
  readonly reach?: Reach;
  /** Why a non-Landlock error happened, when it is not obvious. */
  readonly note?: string;
  /** Every hook call the step made, in order. */
  readonly decisions?: readonly Decision[];
  /** Signals the step sent to other recipients (see World.deliveries). */
  readonly deliveries?: readonly Delivery[];
  /** The audit records the step's denials emit (model/audit.ts), when there are any. */
  readonly audit?: readonly AuditRecord[];
  /** Why some of the step's denials were counted but not logged (log flags, exec, quiet_scoped). */
  readonly auditSilenced?: readonly string[];
}

export function newWorld(semantics: Semantics, errata = semantics.errata, capabilities: 'none' | 'all' = 'none'): World {
  const tasks = new Map<string, Task>();
  const procs: Proc[] = [];
  const w: World = {
    semantics,
    errata,
    capabilities,
    tasks,
    procs,
    sockets: new Map(),
    tree: new Map(),
    boundPath: new Map(),
    boundAbstract: new Map(),
    pidfds: new Map(),
    nextNode: 1,
    joins: 0,
    stepIndex: 0,
    decisions: [],
    deliveries: [],
    audit: newAuditState(),
    releasing: null,
  };
  newProcess(w, 'P0', null);
  return w;
}

/**
 * A new process whose only task is `name`: P0 (parent null: the runner made it leader of a new
 * session and process group), or fork()ed by `parent`, whose domain, descriptors, process group
 * and session it inherits (kernel/fork.c: copy_process).
 */
export function newProcess(w: World, name: string, parent: Task | null): Task {
  const tasks: Task[] = [];
  const id = w.procs.length;
  const from = parent?.proc;
  const proc: Proc = {
    id,
    leader: undefined as unknown as Task,
    tasks,
    fds: new Set(from?.fds),
    pidfds: new Set(from?.pidfds),
    alive: true,
    pending: new Set(),
    pgid: from ? from.pgid : id,
    sid: from ? from.sid : id,
    joined: w.joins++,
    parent,
  };
  const t = newTask(w, name, proc, parent);
  (proc as { leader: Task }).leader = t;
  w.procs.push(proc);
  return t;
}

/** A task of `proc` (its first, or a new thread), with a copy of the credentials of `from` (fork, clone), or none. */
export function newTask(w: World, name: string, proc: Proc, from: Task | null): Task {
  // A new process gets a copy of the credentials (copy_creds → prepare_creds); a thread shares them
  // (copy_creds with CLONE_THREAD), so nothing of them is lost (keptSubdomainsOff).
  const sameCreds = from !== null && from.proc === proc;
  const t: Task = {
    name,
    proc,
    domain: from?.domain ?? null,
    pending: new Set(),
    pdeathsig: null,
    exec: from?.exec ?? 0,
    logSubdomainsOff: from ? (sameCreds ? from.logSubdomainsOff : keptSubdomainsOff(w, from)) : false,
  };
  proc.tasks.push(t);
  w.tasks.set(name, t);
  return t;
}

/** Whether a copy of `t`'s credentials (prepare_creds: fork, restrict_self, execve; not a thread, which shares them) keeps LOG_SUBDOMAINS_OFF (AuditFacts.subdomainsOffNeedsDomain). */
export const keptSubdomainsOff = (w: World, t: Task): boolean => t.logSubdomainsOff && (t.domain !== null || !w.semantics.audit?.subdomainsOffNeedsDomain);

/** A socket created by `creator` (socket(), socketpair()), whose file has its domain. */
export function newSock(w: World, name: string, type: SocketType, creator: Task): Sock {
  const s = sockObject(name, type, creator.name, creator.domain, null);
  w.sockets.set(name, s);
  return s;
}

/** The server end of a pending stream connection (unix_stream_connect's newsk): no file, in the listener's domain. */
export function newEmbryo(listener: Sock): Sock {
  return sockObject(`${listener.name}~${listener.embryos.length}`, listener.type, '(kernel)', listener.domain, listener);
}

function sockObject(name: string, type: SocketType, creator: string, domain: MaybeDomain, listener: Sock | null): Sock {
  return {
    name,
    type,
    creator,
    domain,
    embryo: listener !== null,
    listener,
    addr: null,
    listening: false,
    connected: false,
    peer: null,
    embryos: [],
    queue: 0,
    dead: false,
    shutdown: false,
    err: null,
    fown: null,
    fsig: 'SIGIO',
    async: false,
  };
}

export const abstractKey = (type: SocketType, name: string): string => `${type}\0${name}`;
