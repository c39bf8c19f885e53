/**
 * Signals and UNIX sockets scoping (kernel: security/landlock/task.c): every scoped check goes
 * through domain_is_scoped(), here `domainIsScoped` in domain.ts.
 */
import { domainIsScoped, domainLabel, youngestLayerWith, isSameOrNested, type MaybeDomain } from './domain.js';
import type { Denial, FownContext, FownRecord, PtraceContext, SigioContext, SignalContext, UnixContext, UnixHookName } from './hooks.js';
import { ERRATUM_2_SIGNAL_THREAD_GROUP, SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_PATHNAME_UNIX_SOCKET, SCOPE_SIGNAL } from './limits.js';

const where = (d: MaybeDomain): string => (d ? `in ${domainLabel(d)}` : 'with no domain');

/** Which scope bit covers a server address, given the scope bits the UNIX hooks know. */
function unixScopeBit(ctx: UnixContext, unixScopes: number): { bit: number; mechanism: Denial['mechanism'] } | null {
  const a = ctx.serverAddress;
  if (!a) return null; // unnamed sockets cannot be used to reach a new peer
  if ('abstract' in a) return unixScopes & SCOPE_ABSTRACT_UNIX_SOCKET ? { bit: SCOPE_ABSTRACT_UNIX_SOCKET, mechanism: 'abstract_unix_socket' } : null;
  return unixScopes & SCOPE_PATHNAME_UNIX_SOCKET ? { bit: SCOPE_PATHNAME_UNIX_SOCKET, mechanism: 'pathname_unix_socket' } : null;
}

function scopedDenial(ctx: UnixContext, unixScopes: number, hook: UnixHookName): Denial | null {
  const s = unixScopeBit(ctx, unixScopes);
  if (!s) return null;
  const layer = domainIsScoped(ctx.client, ctx.server, s.bit);
  if (layer < 0) return null;
  return {
    errno: 'EPERM',
    mechanism: s.mechanism,
    hook,
    layer,
    reason: `layer ${layer} scopes ${s.mechanism} and the socket was created by ${ctx.serverCreator} ${where(ctx.server)}, outside that layer's domain`,
  };
}

/** hook_unix_stream_connect: abstract targets (plus pathname ones where the scope bit exists). */
export function hookUnixStreamConnect(ctx: UnixContext, unixScopes: number): Denial | null {
  return scopedDenial(ctx, unixScopes, 'unix_stream_connect');
}

/** hook_unix_may_send: the connected peer is always allowed, then as for connect. */
export function hookUnixMaySend(ctx: UnixContext, unixScopes: number): Denial | null {
  if (ctx.isPeer) return null;
  return scopedDenial(ctx, unixScopes, 'unix_may_send');
}

/** hook_task_kill: threads of one process may always signal each other (erratum 2 fix). */
export function hookTaskKill(ctx: SignalContext): Denial | null {
  if (ctx.sameThreadGroup && ctx.errata & ERRATUM_2_SIGNAL_THREAD_GROUP) return null;
  const layer = domainIsScoped(ctx.sender, ctx.target, SCOPE_SIGNAL);
  if (layer < 0) return null;
  return {
    errno: 'EPERM',
    mechanism: 'signal',
    hook: 'task_kill',
    layer,
    reason: `layer ${layer} scopes signal and ${ctx.targetTask} is ${where(ctx.target)}, outside that layer's domain`,
  };
}

/**
 * What hook_file_set_fowner records (security/landlock/fs.c). Three generations of the hook:
 * before erratum 2 every F_SETOWN recorded the caller's domain; the erratum-2 fix
 * (control_current_fowner) records nothing when pid_task() of the owner is in the caller's own
 * process, for every owner type, so a process-group owner whose first member is the caller's
 * process escaped scoping; the later fix (no erratum: it made Landlock stricter) always records
 * for group owners and exempts the owner's own process at delivery instead (fown_tg).
 */
export function hookFileSetFowner(ctx: FownContext, pgidFix: boolean): FownRecord | null {
  const layer = youngestLayerWith(ctx.caller, SCOPE_SIGNAL);
  if (layer < 0 || !ctx.caller) return null; // landlock_get_applicable_subject(): no layer handles signals
  if (!(ctx.errata & ERRATUM_2_SIGNAL_THREAD_GROUP)) return { domain: ctx.caller, layer, exemptOwnProcess: false };
  if (pgidFix && ctx.ownerType === 'pgrp') return { domain: ctx.caller, layer, exemptOwnProcess: true };
  if (ctx.ownerInCallerThreadGroup) return null;
  return { domain: ctx.caller, layer, exemptOwnProcess: pgidFix };
}

/** hook_file_send_sigiotask (security/landlock/task.c): the recorded domain against the recipient's. */
export function hookFileSendSigiotask(ctx: SigioContext): Denial | null {
  const rec = ctx.recorded;
  if (!rec) return null;
  if (rec.exemptOwnProcess && ctx.targetInOwnerProcess) return null;
  const layer = domainIsScoped(rec.domain, ctx.target, SCOPE_SIGNAL);
  if (layer < 0) return null;
  return {
    errno: 'EPERM',
    mechanism: 'signal',
    hook: 'file_send_sigiotask',
    layer,
    reason: `layer ${layer} of the domain ${ctx.setter} had at F_SETOWN scopes signal and ${ctx.targetTask} is ${where(ctx.target)}, outside that layer's domain: ${ctx.signal} dropped`,
  };
}

/**
 * domain_ptrace (security/landlock/task.c: domain_scope_le): the tracer must have no domain, or
 * its domain must be the tracee's or an ancestor of it. Every layer counts: no scope flag.
 */
function ptraceDenial(ctx: PtraceContext, hook: 'ptrace_access_check' | 'ptrace_traceme'): Denial | null {
  if (!ctx.tracer || isSameOrNested(ctx.tracee, ctx.tracer)) return null;
  return {
    // The hook returns EPERM; a /proc access through ptrace_may_access() surfaces as EACCES.
    errno: ctx.mode === 'read' ? 'EACCES' : 'EPERM',
    mechanism: 'ptrace',
    hook,
    layer: ctx.tracer.layers.length - 1,
    reason: `${ctx.tracerTask} (${domainLabel(ctx.tracer)}) may only trace tasks of its own domain or nested ones, and ${ctx.traceeTask} is ${where(ctx.tracee)}`,
  };
}

/** hook_ptrace_access_check: PTRACE_ATTACH/SEIZE and /proc/<pid> accesses, current as tracer. */
export const hookPtraceAccessCheck = (ctx: PtraceContext): Denial | null => ptraceDenial(ctx, 'ptrace_access_check');
/** hook_ptrace_traceme: the parent as tracer of current. */
export const hookPtraceTraceme = (ctx: PtraceContext): Denial | null => ptraceDenial(ctx, 'ptrace_traceme');
