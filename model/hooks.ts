/**
 * The semantics interface (version 1): what a semantics decides, and what it is told. The hooks are
 * declared once, here, keyed by their kernel names (as include/linux/lsm_hook_defs.h declares the
 * LSM hooks): HookContexts says what each is told, HOOK_METHODS which method of a semantics
 * implements it. Adding a hook is one line in each; consumers dispatch through `callHook`.
 *
 * A semantics is a thin layer over the model's core: the masks its uAPI accepts and four LSM
 * hooks, named after the kernel's. The model performs everything else (af_unix lookups, socket
 * states, errno precedence, domains and their inheritance) the same way for every semantics.
 * A hook returns null to allow, or a Denial. Hooks must be pure functions of their context.
 */
import type { MaybeDomain } from './domain.js';
import type { Address, SocketType } from './uapi.js';

export const SEMANTICS_INTERFACE_VERSION = 1;

/** Which restriction denied. */
export type Mechanism = 'abstract_unix_socket' | 'pathname_unix_socket' | 'resolve_unix' | 'signal' | string;


export interface Denial {
  /** The errno the syscall fails with: EPERM for scopes, EACCES for RESOLVE_UNIX. */
  errno: string;
  mechanism: Mechanism;
  hook: HookName;
  /** The layer blamed (0 = oldest) of the subject's domain, as audit reports it. */
  layer: number;
  /** One line for a human: why this layer denies. */
  reason: string;
}

/** A UNIX socket reaching a peer by address, or sending on a connected datagram socket. */
export interface UnixContext {
  /** The domain of the calling thread (current_cred()). */
  client: MaybeDomain;
  /** The domain of whoever created the server socket's file (f_cred), fixed at creation. */
  server: MaybeDomain;
  /** The server socket's bound address (null for an unnamed socket, e.g. from socketpair). */
  serverAddress: Address | null;
  /** The path the client resolved (pathname lookups only). */
  lookupPath: string | null;
  /** unix_peer(client socket) == server: the datagram peer exemption applies to it. */
  isPeer: boolean;
  /** The syscall: connect, sendto (explicit address) or send (connected, no address). */
  syscall: 'connect' | 'sendto' | 'send';
  socketType: SocketType;
  /** The task names, for explanations. */
  clientTask: string;
  serverCreator: string;
}

export interface SignalContext {
  /** The domain of the sending thread. */
  sender: MaybeDomain;
  /** The domain of the target task (the thread-group leader for kill, the thread for tgkill). */
  target: MaybeDomain;
  /** Sender and target are threads of one process. */
  sameThreadGroup: boolean;
  syscall: 'kill' | 'tgkill';
  /** The errata mask in force (bit N-1 set: erratum N fixed). */
  errata: number;
  senderTask: string;
  targetTask: string;
}

/**
 * What each LSM hook is told, keyed by the kernel's hook name without the hook_ prefix
 * (security/landlock/fs.c hook_unix_find, task.c hook_unix_stream_connect, hook_unix_may_send,
 * hook_task_kill).
 */
export interface HookContexts {
  unix_find: UnixContext;
  unix_stream_connect: UnixContext;
  unix_may_send: UnixContext;
  task_kill: SignalContext;
}

/** The LSM hook a decision comes from. */
export type HookName = keyof HookContexts;

/** The hooks that decide about a UNIX socket (their context is a UnixContext). */
export type UnixHookName = { [H in HookName]: HookContexts[H] extends UnixContext ? H : never }[HookName];

/** The method of a semantics (interface version 1) that implements each hook. */
export const HOOK_METHODS = {
  unix_find: 'unixFind',
  unix_stream_connect: 'unixStreamConnect',
  unix_may_send: 'unixMaySend',
  task_kill: 'taskKill',
} as const satisfies Record<HookName, keyof Hooks>;

export const HOOK_NAMES = Object.keys(HOOK_METHODS) as HookName[];

/** Calls hook `h` of a semantics with its context. */
export function callHook<H extends HookName>(hooks: Hooks, h: H, ctx: HookContexts[H]): Denial | null {
  const f = hooks[HOOK_METHODS[h]] as (c: HookContexts[H]) => Denial | null;
  return f(ctx);
}

/** One call of a hook: what it was told and what it decided. */
export type Decision = { [H in HookName]: { hook: H; ctx: HookContexts[H]; denial: Denial | null } }[HookName];

/** The hooks told about a UNIX socket. */
export const UNIX_HOOKS = ['unix_find', 'unix_stream_connect', 'unix_may_send'] as const satisfies readonly UnixHookName[];
// …and every hook whose context is a UnixContext is listed.
true satisfies (UnixHookName extends (typeof UNIX_HOOKS)[number] ? true : false);

export type UnixDecision = Extract<Decision, { hook: UnixHookName }>;
export const isUnixDecision = (d: Decision): d is UnixDecision => (UNIX_HOOKS as readonly string[]).includes(d.hook);

export interface Hooks {
  /** security_unix_find: inside the pathname lookup, after the type check (RESOLVE_UNIX). */
  unixFind(ctx: UnixContext): Denial | null;
  /** security_unix_stream_connect: stream and seqpacket connect, after the listen/backlog checks. */
  unixStreamConnect(ctx: UnixContext): Denial | null;
  /** security_unix_may_send: datagram connect and every datagram send. */
  unixMaySend(ctx: UnixContext): Denial | null;
  /** security_task_kill: kill() and tgkill(). */
  taskKill(ctx: SignalContext): Denial | null;
}

export type Verdict = 'holds' | 'violated';

export interface Semantics {
  /** Always SEMANTICS_INTERFACE_VERSION (1). */
  readonly interfaceVersion: 1;
  readonly name: string;
  readonly description: string;
  /** What landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) reports. */
  readonly abi: number;
  /** The errata fixed (LANDLOCK_CREATE_RULESET_ERRATA). */
  readonly errata: number;
  /** Scope bits landlock_create_ruleset accepts; others give EINVAL. */
  readonly scopes: number;
  /** Filesystem access rights it accepts; others give EINVAL. */
  readonly fsRights: number;
  /** landlock_restrict_self flags it accepts (LANDLOCK_RESTRICT_SELF_TSYNC = 1 << 3). */
  readonly restrictSelfFlags: number;
  /** Restrictions a domain can turn on for pathname sockets (for properties and reports). */
  readonly pathnameRestriction: 'none' | 'scope' | 'resolve_unix' | string;
  readonly hooks: Hooks;
  /** Expected verdicts that differ from the properties' defaults. */
  readonly expectations?: Readonly<Record<string, Verdict>>;
  /** af_unix behaviour of the kernels this semantics describes, where kernels differ (optional; additive to version 1). */
  readonly afUnix?: AfUnixQuirks;
}

/** Kernel-version differences of af_unix that the model reproduces. */
export interface AfUnixQuirks {
  /**
   * listen() on a connected stream or seqpacket socket: EINVAL (6.12, 6.18, 7.1, 7.2, 7.3), or
   * success without any effect — the socket does not become a listener (Debian's 7.0.13, found
   * by `scopecheck diff traces/7.0.13`).
   */
  readonly listenOnConnected?: 'EINVAL' | 'ok-no-effect';
}
