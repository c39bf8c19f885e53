/**
 * "Bidirectional scoping" (upstream discussion, landlock-lsm/linux#57): a scoped domain also
 * refuses inbound connections and signals from outside it. Not a released kernel: a worked
 * example of a semantics module for `--semantics ./examples/bidirectional.ts`.
 *
 * It is abi11 plus, in every hook, the same decision taken the other way round: the server's
 * (or the signal target's) own domain is asked whether the client is outside one of its layers
 * that restricts the mechanism.
 */
import { abi11, domainIsScoped, limits, ruleGrants, commonPrefix, type Denial, type Semantics, type UnixContext } from 'scopecheck';

const { SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL, ACCESS_FS_RESOLVE_UNIX } = limits;

/** The target's youngest layer, outside which the client is, that scopes `bit`. */
function inboundScoped(ctx: UnixContext, bit: number, mechanism: string, hook: Denial['hook']): Denial | null {
  if (!ctx.serverAddress || !('abstract' in ctx.serverAddress) || ctx.isPeer) return null;
  const layer = domainIsScoped(ctx.server, ctx.client, bit);
  return layer < 0
    ? null
    : { errno: 'EPERM', mechanism, hook, layer, reason: `inbound: layer ${layer} of the server's domain scopes ${mechanism} and ${ctx.clientTask} is outside it` };
}

const bidirectional: Semantics = {
  ...abi11,
  name: 'bidirectional',
  description: 'abi11 plus inbound scoping: a scoped domain refuses connections and signals from outside it',
  hooks: {
    // File owners and ptrace as abi11 decides them (a module that leaves them out gets them too).
    ...abi11.hooks,
    unixFind: (ctx) => {
      const out = abi11.hooks.unixFind(ctx);
      if (out || !ctx.server || ctx.lookupPath === null) return out;
      const k = commonPrefix(ctx.server, ctx.client);
      for (let j = ctx.server.layers.length - 1; j >= k; j--) {
        const l = ctx.server.layers[j]!;
        if (l.fs & ACCESS_FS_RESOLVE_UNIX && !ruleGrants(l.rules, ACCESS_FS_RESOLVE_UNIX, ctx.lookupPath))
          return { errno: 'EACCES', mechanism: 'resolve_unix', hook: 'unix_find', layer: j, reason: `inbound: layer ${j} of the server's domain handles resolve_unix and ${ctx.clientTask} is outside it` };
      }
      return null;
    },
    unixStreamConnect: (ctx) => abi11.hooks.unixStreamConnect(ctx) ?? inboundScoped(ctx, SCOPE_ABSTRACT_UNIX_SOCKET, 'abstract_unix_socket', 'unix_stream_connect'),
    unixMaySend: (ctx) => abi11.hooks.unixMaySend(ctx) ?? inboundScoped(ctx, SCOPE_ABSTRACT_UNIX_SOCKET, 'abstract_unix_socket', 'unix_may_send'),
    // A file owner's SIGIO/SIGURG, inbound: judged by the domain of whoever called F_SETOWN.
    fileSendSigiotask: (ctx) => {
      const out = abi11.hooks.fileSendSigiotask(ctx);
      if (out || ctx.targetInOwnerProcess) return out;
      const layer = domainIsScoped(ctx.target, ctx.setterDomain, SCOPE_SIGNAL);
      return layer < 0 ? null : { errno: 'EPERM', mechanism: 'signal', hook: 'file_send_sigiotask', layer, reason: `inbound: layer ${layer} of ${ctx.targetTask}'s domain scopes signal and ${ctx.setter} (who set the owner) is outside it` };
    },
    taskKill: (ctx) => {
      const out = abi11.hooks.taskKill(ctx);
      if (out || ctx.sameThreadGroup) return out;
      const layer = domainIsScoped(ctx.target, ctx.sender, SCOPE_SIGNAL);
      return layer < 0 ? null : { errno: 'EPERM', mechanism: 'signal', hook: 'task_kill', layer, reason: `inbound: layer ${layer} of ${ctx.targetTask}'s domain scopes signal and ${ctx.senderTask} is outside it` };
    },
  },
  expectations: {
    // The point of the proposal.
    'inbound-closed': 'holds',
    // Open in the proposal: an inbound denial is blamed on a layer of the *target's* domain, which
    // an audit record (logged for the subject, the sender) cannot name (security/landlock/log.c).
    'denial-logged': 'violated',
    // Its price: a parent can no longer reach into a child's nested scoped domain.
    'inside-reachable': 'violated',
  },
};

export default bidirectional;
