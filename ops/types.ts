/**
 * What one operation of the scenario language is: everything every consumer needs to know about it,
 * in one object (the analogue of one LSM hook's function plus its LSM_HOOK_INIT line). Each op is
 * one module of this folder exporting an `OpDef`; `ops/index.ts` lists them. Every field is
 * required, so a new op that leaves a consumer out does not compile; a consumer that does not
 * apply to an op says so explicitly (`null`, or an empty result).
 *
 * The contexts below are what each consumer hands an op: the op modules import nothing of the
 * consumers (the exporters, the generator, the exhaustive search), only the model they perform on.
 */
import type { z } from 'zod';
import type { MaybeDomain } from '../model/domain.js';
import type { StepOutcome, Task, World } from '../model/state.js';
import type { Address, FsRightName, ScopeName, SocketType } from '../model/uapi.js';
import type { Footprint } from './footprint.js';
import type { StateDetail } from '../model/snapshot.js';

/** The fields every step has. */
export interface StepBase {
  readonly op: string;
  /** The acting task. */
  readonly by: string;
  /** The result the scenario's author expects ("ok" or an errno name). */
  readonly expect?: string | undefined;
  /** The audit records the author expects the step to emit (format 1.2). */
  readonly expect_audit?: readonly string[] | undefined;
}

/** Keys of S whose value is a name (a string) or a list of names. */
export type NameKey<S> = { [K in keyof S]-?: NonNullable<S[K]> extends string | readonly string[] ? K : never }[keyof S] & string;

/**
 * The names a step introduces and uses, besides `by` (always a live task). Structural validation,
 * renaming, and the lists of a scenario's tasks and sockets are all derived from this.
 */
export interface NameSpec<S> {
  /** A field naming the process this step creates (its first task). */
  readonly newProcess?: NameKey<S>;
  /** A field naming a thread this step adds to the acting task's process. */
  readonly newThread?: NameKey<S>;
  /** Fields naming sockets this step creates (a list field creates one per element, all different). */
  readonly newSockets?: readonly NameKey<S>[];
  /** Fields naming sockets introduced by earlier steps. */
  readonly sockets?: readonly NameKey<S>[];
  /** Fields naming tasks introduced by earlier steps; `alive`: their process must not have exited. */
  readonly tasks?: readonly { readonly field: NameKey<S>; readonly alive: boolean }[];
  /** Object fields with one key whose value names such a task (setown's `owner`: {"process": task}…). */
  readonly taskIn?: readonly { readonly field: keyof S & string; readonly alive: boolean }[];
  /** The step ends the acting task's process (exit_group). */
  readonly exitsProcess?: boolean;
  /** The acting task must be a process's first task, and the process must have no other thread (exec). */
  readonly singleThreaded?: boolean;
}

/** Turns names into the replayer's indices while a scenario is encoded (see replayer/replayer.c). */
export interface WireEncoder {
  task(name: string): string;
  sock(name: string): string;
  newTask(name: string): string;
  newSock(name: string): string;
  /** "a NAME" or "p PATH". */
  addr(a: Address): string;
  /** A decimal mask of names, bit i = order[i]. */
  mask(names: readonly string[] | undefined, order: readonly string[]): string;
}

/** What `apply` returns: the outcome without the acting task's domain, which the engine adds. */
export type ApplyResult = Omit<StepOutcome, 'domain'>;

/** What the kind of IPC a step reaches: by address, on a connection, a signal, or none. */
export type ReachKind = 'address' | 'connected' | 'signal' | 'ptrace' | null;

/** The restrict_self fields the generator and the exhaustive search use ("restrict profiles"). */
export interface RestrictFields {
  scoped?: ScopeName[];
  handled_fs?: FsRightName[];
  rules?: { path: string; access: FsRightName[] }[];
  tsync?: boolean;
}

/** The generator's state while it turns action records into steps (properties/arbitrary.ts). */
export interface GenContext {
  /** The action record being built: numbers read modulo what exists. */
  readonly x: { readonly k: number; readonly a: number; readonly b: number; readonly c: number; readonly d: number };
  /** The acting task, and the live tasks. */
  readonly by: string;
  readonly alive: readonly string[];
  /** Every task introduced so far (live or not). */
  readonly tasks: readonly string[];
  /** The acting task is a thread, or its process has threads. */
  readonly threaded: boolean;
  /** What the generator's uAPI logs: LOG_* flags (ABI 7) and quiet_scoped (ABI 10). */
  readonly logging: { readonly flags: boolean; readonly quiet: boolean };
  /** Descriptors (sockets and pidfds) the acting process holds (mutable: the op updates it). */
  readonly held: string[];
  /** Which descriptor names are pidfds (the op adds the ones it opens). */
  readonly pidfds: Set<string>;
  /** The held socket the action picks (undefined when none is held). */
  readonly sock: string;
  /** The address the action picks (a bound one most of the time). */
  readonly addr: Address;
  readonly types: readonly SocketType[];
  readonly dirs: Set<string>;
  readonly dirChoices: readonly string[];
  readonly bound: Address[];
  readonly typeOf: Map<string, SocketType>;
  readonly boundType: Map<Address, SocketType>;
  readonly connectedTo: Map<string, Address>;
  push(st: object): void;
  /** Inserts a step before the last one pushed. */
  insertBeforeLast(st: object): void;
  newTask(prefix: 'P' | 'T'): string;
  newSock(): string;
  /** Registers a new process (fork) holding the given sockets, or a thread of the acting process. */
  addProcess(child: string, fds: string[]): void;
  addThread(child: string): void;
  /** Marks the acting process exited. */
  exitProcess(): void;
  /** The process of a task holds `sock` from now on. */
  give(to: string, sock: string): void;
  /** The restrict_self fields of profile n (0: every IPC restriction of the generator's uAPI). */
  profile(n: number): RestrictFields;
  /** Which profile a number draws. */
  profileOf(n: number): number;
  /** Best-effort sandboxing for two semantics (compare): the second uAPI's profiles, if any. */
  readonly dual: ((n: number) => RestrictFields) | null;
}

export interface GenDef<S> {
  /** Relative weight of this kind among the generated actions. */
  readonly weight: number;
  /** The op acts on a held socket: with none held, the action creates one instead. */
  readonly needsSock: boolean;
  readonly build: (ctx: GenContext) => void;
  /** Only for the type: the step this op builds. */
  readonly _step?: S;
}

/** What the exhaustive search hands an op: the acting task and the room left in the bound. */
export interface SuccessorContext {
  readonly w: World;
  readonly t: Task;
  /** Every task of the world, in creation order. */
  readonly tasks: readonly Task[];
  /** Name of the next task, or null when the bound has no room for one. */
  readonly nextTask: string | null;
  readonly nextThread: string | null;
  /** Name of the next socket, or null when the bound has no room for one. */
  readonly nextSock: string | null;
  /** Whether the acting task may add a layer. */
  readonly canAddLayer: boolean;
  readonly profiles: readonly RestrictFields[];
  readonly addrs: readonly Address[];
  readonly types: readonly SocketType[];
}

export interface ExhaustiveDef<S> {
  /** How the alphabet shows this op (e.g. "socket (stream, dgram)"). */
  readonly label: string;
  readonly successors: (ctx: SuccessorContext) => S[];
  /**
   * Whether a step of these may ask a hook, reach anything or be denied: its footprint may be
   * other than quiet (ops/footprint.ts). False: every one is quiet, so none can break a property,
   * and the search does not even generate them on its last level, where steps are only checked
   * (it verifies the claim wherever it computes such a step's footprint).
   */
  readonly asks: boolean;
}

/** The C export (format/export/c.ts): a `struct step` initializer of replayer/ops.h. */
export interface CContext {
  readonly i: number;
  task(name: string): number;
  sock(name: string): number;
  /** "LL_SCOPE_X | LL_SCOPE_Y" or "0". */
  mask(names: readonly string[] | undefined, prefix: string): string;
  /** A `struct addr` initializer. */
  addr(a: Address): string;
  type(t: SocketType): string;
  str(s: string): string;
  /** Adds a declaration before the steps table (a rules array). */
  declare(text: string): void;
}

/** The kselftest export (format/export/kselftest.ts). */
export interface KselftestContext {
  readonly i: number;
  /** The expected value: "0" or an errno name. */
  readonly want: string;
  /** The acting task's index. */
  readonly me: number;
  /** `turn_give(next actor);` */
  readonly give: string;
  task(name: string): number;
  sock(name: string): number;
  /** The index of a task's process (its first task). */
  proc(task: string): number;
  /** The step at which the process of `task` exited, if it did. */
  exitedAt(task: string): number | undefined;
  /** `set_addr(&addr, …)` for an address. */
  addr(a: Address): string;
  scopes(names: readonly string[] | undefined): string;
  fs(names: readonly string[] | undefined): string;
  type(t: SocketType): string;
}

export interface KselftestPiece {
  readonly lines: string[];
  /** The op has no kselftest translation (yet): why; the export refuses the scenario, naming the step. */
  readonly unsupported?: string;
  /** The lines already hand over the turn (and end the process): no `give` after them. */
  readonly gives?: boolean;
  /** What removes what the step made in the test's directory, run by P0 at the end if it succeeded. */
  readonly undo?: string;
}

/** The shell export (format/export/shell.ts): its running state and what it knows of the step. */
export interface ShellContext {
  readonly i: number;
  /** "# #i step", the expected-result comment, whether the model says ok, the acting task's sandbox prefix. */
  readonly head: string;
  readonly exp: string;
  readonly ok: boolean;
  readonly p: string;
  readonly outcome: StepOutcome | undefined;
  readonly out: string[];
  prefix(task: string): string;
  /** task → sandboxer invocations, oldest first. */
  readonly sandbox: Map<string, string[]>;
  readonly sockInfo: Map<string, { type: string; by: string; addr?: Address; pid?: string }>;
  /** task → shell variable holding a pid of a process of it. */
  readonly pidVar: Map<string, string>;
  /** Background pids to kill at the end. */
  readonly bg: string[];
  socat(kind: 'listen' | 'recv' | 'connect' | 'sendto', a: Address, type: string): string;
  scopeLetter(scope: string): string;
}

/** The diagram (format/export/picture.ts): the picture being built. */
export interface PictureContext {
  readonly i: number;
  readonly outcome: StepOutcome;
  readonly ok: boolean;
  /** The acting task's domain after the step (a picture domain id). */
  readonly actorDomain: string;
  /** An arrow from the acting task to a node, labelled with the step's result. */
  edge(to: string): void;
  /** The node of a task in its current domain (created on first use). */
  taskNode(task: string): string;
  /** The node of a socket, if it was drawn. */
  sockNode(name: string): string | null;
  /** A node for an address nothing is bound to. */
  addrNode(a: Address): string;
  /** The socket bound at an address, if any. */
  boundAt(a: Address): string | undefined;
  bind(a: Address, sock: string): void;
  /** The peer the picture knows of a socket (socketpair, connect). */
  peerOf(sock: string): string | undefined;
  setPeer(a: string, b: string): void;
  addSocket(name: string, type: SocketType): void;
  /** A new task (fork or thread) in the acting task's domain. */
  addTask(child: string, thread: boolean): void;
  /** The acting task (or, with TSYNC, its whole process) moved to the actor's domain. */
  moveToActorDomain(tsync: boolean): void;
}

/** One operation of the scenario language. */
export interface OpDef<S extends StepBase> {
  readonly op: S['op'];
  /** The zod schema of a step (a strict object with `op`, `by`, `expect`). */
  readonly schema: z.ZodType<S>;
  readonly names: NameSpec<S>;
  /** The step as `scopecheck run` prints it: "P1 connect s0 -> @a". */
  text(st: S): string;
  /** The step's arguments on the replayer's wire, after "<op> <by>" (replayer/replayer.c). */
  wire(st: S, enc: WireEncoder): string[];
  /** Performs the step on the model's world, `t` acting (ops/world.ts has what an op needs of it). */
  apply(w: World, t: Task, st: S): ApplyResult;
  /** The step never changes the world (the exhaustive search evaluates it without a copy). */
  readonly readOnly: boolean;
  /**
   * What the step reads of the world's hidden details (model/snapshot.ts StateDetail): pending
   * signals, parents, the order in which processes joined their groups. The exhaustive state key
   * leaves out what no op of its alphabet reads.
   */
  readonly observes: readonly StateDetail[];
  /**
   * What the step reads and writes of `w` when `t` performs it now (ops/footprint.ts), for the
   * exhaustive search's partial-order reduction; GLOBAL when in doubt. Must cover everything the
   * step's apply, its outcome and its exhaustive successors depend on.
   */
  footprint(w: World, t: Task, st: S): Footprint;
  /** What the step can reach (for the properties, `compare` and the diagrams). */
  readonly reaches: ReachKind;
  readonly gen: GenDef<S>;
  /** The exhaustive alphabet's steps of this op, or null: left to random mode. */
  readonly exhaustive: ExhaustiveDef<S> | null;
  c(st: S, ctx: CContext): string[];
  kselftest(st: S, ctx: KselftestContext): KselftestPiece;
  shell(st: S, ctx: ShellContext): void;
  picture(st: S, ctx: PictureContext): void;
}

/** The domain a diagram draws a task or socket in. */
export type DomainOf = (d: MaybeDomain) => string;
