/**
 * The model's world: tasks (threads with their own credentials), processes with their
 * descriptors, UNIX sockets, the scenario's small filesystem. One World per evaluation; nothing
 * global.
 */
import type { MaybeDomain } from './domain.js';
import type { Tree } from './fs.js';
import { callHook, type Decision, type Denial, type HookContexts, type HookName, type Semantics } from './hooks.js';
import type { Address, SocketType } from './uapi.js';

export interface Task {
  readonly name: string;
  readonly proc: Proc;
  /** The domain in this thread's credentials. */
  domain: MaybeDomain;
}

export interface Proc {
  readonly id: number;
  readonly leader: Task;
  readonly tasks: Task[];
  /** Sockets this process holds a descriptor for. */
  readonly fds: Set<Sock>;
  alive: boolean;
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
}

export interface World {
  readonly semantics: Semantics;
  readonly errata: number;
  readonly tasks: Map<string, Task>;
  readonly procs: Proc[];
  readonly sockets: Map<string, Sock>;
  readonly tree: Tree;
  /** Pathname → the live socket bound there (unix_find_socket_byinode). */
  readonly boundPath: Map<string, Sock>;
  /** type + "\0" + abstract name → the socket bound there (one namespace per socket type). */
  readonly boundAbstract: Map<string, Sock>;
  nextNode: number;
  /** Hook calls of the step being evaluated. */
  decisions: Decision[];
}

export type { Decision };

/** Calls a hook of the semantics and records the decision (security_*() calling the LSM). */
export function consult<H extends HookName>(w: World, hook: H, ctx: HookContexts[H]): Denial | null {
  const denial = callHook(w.semantics.hooks, hook, ctx);
  w.decisions.push({ hook, ctx, denial } as Decision);
  return denial;
}

/** What a step reached, or tried to: the raw material of the properties. */
export interface Reach {
  /** abstract / pathname: a socket by address; connected: a datagram send with no address;
   * signal: kill/tgkill. */
  readonly kind: 'abstract' | 'pathname' | 'connected' | 'signal';
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
}

export function newWorld(semantics: Semantics, errata = semantics.errata): World {
  const tasks = new Map<string, Task>();
  const procs: Proc[] = [];
  const w: World = {
    semantics,
    errata,
    tasks,
    procs,
    sockets: new Map(),
    tree: new Map(),
    boundPath: new Map(),
    boundAbstract: new Map(),
    nextNode: 1,
    decisions: [],
  };
  newProcess(w, 'P0', null);
  return w;
}

export function newProcess(w: World, name: string, domain: MaybeDomain, fds: Iterable<Sock> = []): Task {
  const tasks: Task[] = [];
  const proc: Proc = { id: w.procs.length, leader: undefined as unknown as Task, tasks, fds: new Set(fds), alive: true };
  const t: Task = { name, proc, domain };
  (proc as { leader: Task }).leader = t;
  tasks.push(t);
  w.procs.push(proc);
  w.tasks.set(name, t);
  return t;
}

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
  };
}

export const abstractKey = (type: SocketType, name: string): string => `${type}\0${name}`;
