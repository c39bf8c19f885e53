/**
 * The semantics interface (version 2): what a semantics decides, and what it is told. The hooks are
 * declared once, here, keyed by their kernel names (as include/linux/lsm_hook_defs.h declares the
 * LSM hooks): HookContexts says what each is told, HOOK_METHODS which method of a semantics
 * implements it. Adding a hook is one line in each; consumers dispatch through `callHook`.
 *
 * A semantics is a thin layer over the model's core: the masks its uAPI accepts and the LSM
 * hooks Landlock's scoping implements, named after the kernel's (version 1 had the first four:
 * unix_find, unix_stream_connect, unix_may_send, task_kill; version 2 adds file_set_fowner,
 * file_send_sigiotask, ptrace_access_check and ptrace_traceme, and a version-1 module gets them
 * from the built-in of its ABI, see `upgradeSemantics`). The model performs everything else (af_unix lookups, socket
 * states, errno precedence, domains and their inheritance) the same way for every semantics.
 * A hook returns null to allow, or a Denial (file_set_fowner returns what it records). Hooks
 * must be pure functions of their context.
 */
import type { MaybeDomain } from './domain.js';
import type { Address, SocketType } from './uapi.js';

export const SEMANTICS_INTERFACE_VERSION = 2;
/** The interface versions a semantics module may declare. */
export const SEMANTICS_INTERFACE_VERSIONS = [1, 2] as const;

/** Which restriction denied. */
export type Mechanism = 'abstract_unix_socket' | 'pathname_unix_socket' | 'resolve_unix' | 'signal' | 'ptrace' | string;


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

/** How a signal of the kill family was sent (kernel/signal.c, kernel/exit.c). */
export type SignalSyscall = 'kill' | 'tgkill' | 'killpg' | 'kill_all' | 'pidfd_send_signal' | 'pdeathsig';

export interface SignalContext {
  /** The domain of the sending thread (for the parent-death signal: the exiting parent's). */
  sender: MaybeDomain;
  /**
   * The domain of the target task: the thread-group leader for kill, killpg, kill_all and a
   * process pidfd; the thread for tgkill and a thread pidfd; for the parent-death signal, the
   * thread that set it (kernel/exit.c: forget_original_parent → group_send_sig_info(…, t, …)).
   */
  target: MaybeDomain;
  /** Sender and target are threads of one process. */
  sameThreadGroup: boolean;
  syscall: SignalSyscall;
  /** The signal ("0" for an existence probe). */
  signal?: string;
  /** The errata mask in force (bit N-1 set: erratum N fixed). */
  errata: number;
  senderTask: string;
  targetTask: string;
}

/** What file_set_fowner records on the file (security/landlock/fs.c: landlock_file(file)->fown_subject, fown_tg). */
export interface FownRecord {
  /** The caller's domain, when it handles LANDLOCK_SCOPE_SIGNAL. */
  domain: NonNullable<MaybeDomain>;
  /** The youngest layer handling the signal scope (fown_layer), for audit. */
  layer: number;
  /** Whether the owner's own process is exempt at delivery (fown_tg, recorded by the later fix). */
  exemptOwnProcess: boolean;
}

/** F_SETOWN_EX on a file (fs/fcntl.c: __f_setown), after which security_file_set_fowner() runs. */
export interface FownContext {
  /** The domain of the calling thread. */
  caller: MaybeDomain;
  /** F_OWNER_PID (a process), F_OWNER_TID (a thread) or F_OWNER_PGRP (a process group). */
  ownerType: 'process' | 'thread' | 'pgrp';
  /**
   * pid_task(fown->pid, fown->pid_type) is a task of the caller's own process (for a group: the
   * member pid_task finds first, the one that joined last); false when it finds none.
   */
  ownerInCallerThreadGroup: boolean;
  errata: number;
  callerTask: string;
}

/** One SIGIO or SIGURG to one recipient (fs/fcntl.c: send_sigio_to_task / send_sigurg_to_task → sigio_perm). */
export interface SigioContext {
  /** What file_set_fowner recorded at F_SETOWN (null: nothing). */
  recorded: FownRecord | null;
  /** The domain the F_SETOWN caller had then, recorded or not (for proposals that judge by it). */
  setterDomain: MaybeDomain;
  /** The recipient task's domain (a thread for a thread owner, else a thread-group leader). */
  target: MaybeDomain;
  /** The recipient is a task of the process that called F_SETOWN. */
  targetInOwnerProcess: boolean;
  signal: string;
  /** Who called F_SETOWN, and the recipient, for explanations. */
  setter: string;
  targetTask: string;
}

/** A ptrace access check (kernel/ptrace.c: __ptrace_may_access, ptrace_traceme). */
export interface PtraceContext {
  /** The tracer's domain (current for attach and /proc reads; the parent for PTRACE_TRACEME). */
  tracer: MaybeDomain;
  /** The tracee's domain. */
  tracee: MaybeDomain;
  /** attach: PTRACE_SEIZE/ATTACH (EPERM); read: a /proc access through ptrace_may_access (EACCES); traceme. */
  mode: 'attach' | 'read' | 'traceme';
  tracerTask: string;
  traceeTask: string;
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
  file_set_fowner: FownContext;
  file_send_sigiotask: SigioContext;
  ptrace_access_check: PtraceContext;
  ptrace_traceme: PtraceContext;
}

/** What each hook returns: a denial or null, except file_set_fowner, which returns what it records. */
export type HookResults = { [H in HookName]: H extends 'file_set_fowner' ? FownRecord | null : Denial | null };

/** The LSM hook a decision comes from. */
export type HookName = keyof HookContexts;

/** The hooks that decide about a UNIX socket (their context is a UnixContext). */
export type UnixHookName = { [H in HookName]: HookContexts[H] extends UnixContext ? H : never }[HookName];

/** The method of a semantics that implements each hook. */
export const HOOK_METHODS = {
  unix_find: 'unixFind',
  unix_stream_connect: 'unixStreamConnect',
  unix_may_send: 'unixMaySend',
  task_kill: 'taskKill',
  file_set_fowner: 'fileSetFowner',
  file_send_sigiotask: 'fileSendSigiotask',
  ptrace_access_check: 'ptraceAccessCheck',
  ptrace_traceme: 'ptraceTraceme',
} as const satisfies Record<HookName, keyof Hooks>;

/** The hooks of interface version 1 (a version-1 module implements these only). */
export const HOOKS_V1 = ['unix_find', 'unix_stream_connect', 'unix_may_send', 'task_kill'] as const satisfies readonly HookName[];

export const HOOK_NAMES = Object.keys(HOOK_METHODS) as HookName[];

/** Calls hook `h` of a semantics with its context. */
export function callHook<H extends HookName>(hooks: Hooks, h: H, ctx: HookContexts[H]): HookResults[H] {
  const f = hooks[HOOK_METHODS[h]] as unknown as (c: HookContexts[H]) => HookResults[H];
  return f(ctx);
}

/** One call of a hook: what it was told and what it decided (`denial` is null for file_set_fowner, which records instead). */
export type Decision = {
  [H in HookName]: { hook: H; ctx: HookContexts[H]; denial: Denial | null; auditSubject?: AuditSubject } & (H extends 'file_set_fowner' ? { recorded: FownRecord | null } : unknown);
}[HookName];

/** Whose credentials a hook judged with, for logging (model/audit.ts AuditCall): the domain and its domain_exec bits. */
export interface AuditSubject {
  readonly domain: MaybeDomain;
  readonly exec: number;
}

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
  /** security_task_kill: kill(), tgkill(), kill(-pgrp), kill(-1), pidfd_send_signal(), the parent-death signal. */
  taskKill(ctx: SignalContext): Denial | null;
  /** security_file_set_fowner: F_SETOWN(_EX) records the domain owner signals are judged by. (Version 2.) */
  fileSetFowner(ctx: FownContext): FownRecord | null;
  /** security_file_send_sigiotask: one SIGIO/SIGURG to one recipient; a denial drops it silently. (Version 2.) */
  fileSendSigiotask(ctx: SigioContext): Denial | null;
  /** security_ptrace_access_check: PTRACE_ATTACH/SEIZE and /proc accesses. (Version 2.) */
  ptraceAccessCheck(ctx: PtraceContext): Denial | null;
  /** security_ptrace_traceme: PTRACE_TRACEME, the parent as tracer. (Version 2.) */
  ptraceTraceme(ctx: PtraceContext): Denial | null;
}

export type Verdict = 'holds' | 'violated';

export interface Semantics {
  /** SEMANTICS_INTERFACE_VERSION (2); a module may still declare 1 (cli/semantics.ts fills in the version-2 hooks). */
  readonly interfaceVersion: 1 | 2;
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
  /**
   * The semantics' file_set_fowner records nothing for a process-group owner whose first member
   * (the one that joined last) is the caller's own process, once erratum 2 is fixed: the group is
   * then signalled unscoped (kernels without the process-group fix, spec §4.6). For the
   * properties' expected verdicts; optional (false).
   */
  readonly fownGroupOwnerBypass?: boolean;
  /**
   * Landlock's audit logging (ABI 7: the LOG_* flags of landlock_restrict_self, which
   * `restrictSelfFlags` then lists, and the records of model/audit.ts); `quietScoped`: the
   * ruleset's quiet_scoped (ABI 10) exists — before, a ruleset attribute that sets it is larger
   * than the kernel's struct with a non-zero tail (copy_min_struct_from_user: E2BIG). Optional:
   * absent, nothing is logged and quiet_scoped is refused so.
   */
  readonly audit?: AuditFacts;
  /** af_unix behaviour of the kernels this semantics describes, where kernels differ (optional; additive to version 1). */
  readonly afUnix?: AfUnixQuirks;
  /** pidfd behaviour, where kernels differ (optional). */
  readonly pidfd?: PidfdQuirks;
  /** ptrace behaviour outside Landlock, where kernels differ (optional). */
  readonly ptrace?: PtraceQuirks;
}

/** What a semantics logs, and kernel-version differences of logging that the model reproduces. */
export interface AuditFacts {
  /** The ruleset's quiet_scoped exists (ABI 10). */
  readonly quietScoped: boolean;
  /**
   * LOG_SUBDOMAINS_OFF is kept in new credentials only when they have a domain (cred.c:
   * hook_cred_transfer copied the Landlock blob only `if (old_llcred->domain)`): set by
   * restrict_self(-1, LOG_SUBDOMAINS_OFF) on a task without a domain, it is lost at the next
   * prepare_creds() — the next restrict_self, a fork, an exec — and silences nothing. Found on
   * Debian's 6.18.15 (`scopecheck diff traces/6.18.15/audit.results.jsonl.gz`); 7.0.13 and later
   * copy the blob whatever it holds ("it does not require a current domain", cred.h).
   */
  readonly subdomainsOffNeedsDomain?: boolean;
}

/** Kernel-version differences of pidfds that the model reproduces. */
export interface PidfdQuirks {
  /**
   * pidfd_open() of a pid that still exists (as a group or session id) when its process has
   * exited: ESRCH (6.18 on), or EINVAL (Debian's 6.12.117: pidfd_create() finds no thread-group
   * leader; found by `scopecheck diff traces/6.12.117`).
   */
  readonly openWithoutProcess?: 'EINVAL' | 'ESRCH';
}

/** Kernel-version differences of ptrace access that the model reproduces. */
export interface PtraceQuirks {
  /**
   * A /proc/<pid> memory-view read (environ) by a perfmon_capable() task (CAP_PERFMON or
   * CAP_SYS_ADMIN) passes after ptrace_may_access(), and so Landlock, refused (kernel/fork.c:
   * may_access_mm): true on 6.18 and later, false on Debian's 6.12.117 (EACCES). Matters only for
   * scenarios with "capabilities": "all".
   */
  readonly perfmonReadsMm?: boolean;
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
