/**
 * Signals and UNIX sockets scoping (kernel: security/landlock/task.c): every scoped check goes
 * through domain_is_scoped(), here `domainIsScoped` in domain.ts.
 */
import { domainIsScoped, domainLabel, type MaybeDomain } from './domain.js';
import type { Denial, SignalContext, UnixContext, UnixHookName } from './hooks.js';
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
