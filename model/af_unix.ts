/**
 * UNIX sockets as net/unix/af_unix.c runs them, with the LSM hooks where the kernel calls them.
 * Only what the v1 operations can observe: bind, listen, connect, sendto, send, close.
 *
 * Precedence (net/unix/af_unix.c: unix_find_other, unix_stream_connect, unix_dgram_connect,
 * unix_dgram_sendmsg; the project's docs/scenario-format.md, "Results"): address lookup (ENOENT/ENOTDIR, ECONNREFUSED, EPROTOTYPE, then the
 * unix_find hook: RESOLVE_UNIX) → for streams: not listening ECONNREFUSED, backlog EAGAIN, client
 * state EISCONN/EINVAL, then unix_stream_connect → for datagrams: af_unix's own may_send EPERM,
 * dead peer, then unix_may_send, then the receive queue (EAGAIN).
 */
import { lookup, lookupCreate, parentOf, pathAccessDeniedLayer } from './fs.js';
import type { Denial, UnixContext } from './hooks.js';
import { ACCESS_FS_MAKE_SOCK } from './limits.js';
import { socketEvent } from './fown.js';
import { abstractKey, consult, logFsDenial, newEmbryo, newSock, subjectOf, type Proc, type Reach, type Sock, type Task, type World } from './state.js';
import { addrText, type Address } from './uapi.js';
import type { AuditCall } from './audit.js';

/** listen() backlog used by every runner (replayer/ops.h SCOPECHECK_LISTEN_BACKLOG, the exports). */
export const LISTEN_BACKLOG = 16;
/** net.unix.max_dgram_qlen default: a datagram receive queue holds this many plus one. */
export const MAX_DGRAM_QLEN = 10;

export interface Result {
  result: string;
  denial?: Denial;
  reach?: Reach;
  note?: string;
}

const ok: Result = { result: 'ok' };
const err = (result: string, note?: string): Result => (note ? { result, note } : { result });

function reachOf(task: Task, other: Sock, kind: Reach['kind'], isPeer: boolean, path: string | null = null): Reach {
  return {
    path,
    kind,
    clientTask: task.name,
    client: task.domain,
    target: other.domain,
    targetName: other.name,
    listener: other.listener?.name ?? null,
    targetOwner: other.creator,
    isPeer,
    sameThreadGroup: false,
  };
}

function unixCtx(task: Task, s: Sock, other: Sock, syscall: UnixContext['syscall'], lookupPath: string | null): UnixContext {
  return {
    client: task.domain,
    server: other.domain,
    serverAddress: other.addr,
    lookupPath,
    isPeer: s.peer === other,
    syscall,
    socketType: s.type,
    clientTask: task.name,
    serverCreator: other.creator,
  };
}

/** unix_find_other(): the live socket bound at an address, of the caller's type. */
function findOther(
  w: World,
  task: Task,
  s: Sock,
  addr: Address,
  syscall: UnixContext['syscall'],
): { other: Sock; reach: Reach } | Result {
  if ('abstract' in addr) {
    // The abstract hash includes the socket type: a lookup only finds sockets of the caller's type.
    const other = w.boundAbstract.get(abstractKey(s.type, addr.abstract));
    if (!other) return err('ECONNREFUSED', `no ${s.type} socket is bound to @${addr.abstract}`);
    return { other, reach: reachOf(task, other, 'abstract', s.peer === other) };
  }
  const path = addr.pathname;
  const l = lookup(w.tree, path);
  if (!l.ok) return err(l.errno, `lookup of "${path}"`);
  if (l.kind !== 'sock') return err('ECONNREFUSED', `"${path}" is not a socket`);
  const other = w.boundPath.get(path);
  if (!other) return err('ECONNREFUSED', `no live socket is bound to "${path}"`);
  const reach = reachOf(task, other, 'pathname', s.peer === other, path);
  if (other.type !== s.type) return { ...err('EPROTOTYPE', `"${path}" is a ${other.type} socket`), reach };
  const denial = consult(w, 'unix_find', unixCtx(task, s, other, syscall, path), unixAudit(task, path));
  if (denial) return { result: denial.errno, denial, reach };
  return { other, reach };
}

/**
 * What logging is told of a UNIX socket hook: the calling thread, and the path the record shows —
 * the looked-up path (fs.c hook_unix_find, LSM_AUDIT_DATA_PATH) or the server socket's address
 * (task.c, LSM_AUDIT_DATA_NET with the peer sk: its bound path, or the hex of an abstract name,
 * which the record shows here as "@name"; nothing for an unnamed socket).
 */
const unixAudit = (task: Task, path: string | null): AuditCall => ({ subject: subjectOf(task), object: path === null ? null : { path } });

export function bind(w: World, task: Task, s: Sock, addr: Address): Result {
  if ('abstract' in addr) {
    if (s.addr) return err('EINVAL', `${s.name} is already bound`);
    const key = abstractKey(s.type, addr.abstract);
    if (w.boundAbstract.has(key)) return err('EADDRINUSE', `a ${s.type} socket is bound to @${addr.abstract}`);
    w.boundAbstract.set(key, s);
    s.addr = addr;
    return ok;
  }
  const path = addr.pathname;
  const c = lookupCreate(w.tree, path);
  if (!c.ok) return c.errno === 'EEXIST' ? err('EADDRINUSE', `"${path}" exists`) : err(c.errno, `lookup of "${path}"`);
  const layer = pathAccessDeniedLayer(task.domain, ACCESS_FS_MAKE_SOCK, parentOf(path));
  if (layer >= 0) {
    logFsDenial(w, task, 'make_sock', layer, parentOf(path));
    return {
      result: 'EACCES',
      note: `layer ${layer} handles make_sock and has no rule for the parent of "${path}"`,
    };
  }
  if (s.addr) return err('EINVAL', `${s.name} is already bound`);
  w.tree.set(path, 'sock');
  w.boundPath.set(path, s);
  s.addr = addr;
  return ok;
}

export function listen(w: World, s: Sock): Result {
  if (s.type === 'dgram') return err('EOPNOTSUPP');
  if (!s.addr) return err('EINVAL', `${s.name} is not bound`);
  if (s.connected)
    return w.semantics.afUnix?.listenOnConnected === 'ok-no-effect'
      ? { result: 'ok', note: `${s.name} is connected: listen() succeeds without effect on this kernel` }
      : err('EINVAL', `${s.name} is connected`);
  s.listening = true;
  return ok;
}

export function connect(w: World, task: Task, s: Sock, addr: Address): Result {
  const f = findOther(w, task, s, addr, 'connect');
  if (!('other' in f)) return f;
  const { other, reach } = f;
  if (s.type === 'dgram') {
    const r = dgramChecks(w, task, s, other, 'connect', reach);
    if (r) return r;
    if (s.peer && s.peer !== other) dgramDisconnected(w, s, s.peer);
    s.peer = other;
    s.connected = true;
    return { result: 'ok', reach };
  }
  // unix_stream_connect (stream and seqpacket)
  if (!other.listening) return { ...err('ECONNREFUSED', `${other.name} is not listening`), reach };
  if (other.embryos.length > LISTEN_BACKLOG) return { ...err('EAGAIN', `the backlog of ${other.name} is full`), reach };
  if (s.connected) return { ...err('EISCONN'), reach };
  if (s.listening) return { ...err('EINVAL', `${s.name} is listening`), reach };
  const denial = consult(w, 'unix_stream_connect', unixCtx(task, s, other, 'connect', null), unixAudit(task, other.addr && addrText(other.addr)));
  if (denial) return { result: denial.errno, denial, reach };
  const embryo = newEmbryo(other);
  embryo.peer = s;
  embryo.connected = true;
  other.embryos.push(embryo);
  s.peer = embryo;
  s.connected = true;
  socketEvent(w, other, 'readable'); // unix_stream_connect: other->sk_data_ready(other)
  return { result: 'ok', reach };
}

/** unix_dgram_connect / unix_dgram_sendmsg after the lookup: af_unix's may_send, then the LSM. */
function dgramChecks(w: World, task: Task, s: Sock, other: Sock, syscall: UnixContext['syscall'], reach: Reach): Result | null {
  if (other.peer && other.peer !== s) return { ...err('EPERM', `${other.name} is connected to another socket (af_unix)`), reach };
  const denial = consult(w, 'unix_may_send', unixCtx(task, s, other, syscall, null), unixAudit(task, other.addr && addrText(other.addr)));
  if (denial) return { result: denial.errno, denial, reach };
  return null;
}

/**
 * unix_dgram_disconnected(): a datagram socket leaves its peer (re-connect, or the peer died).
 * Its unread datagrams are dropped and, if the old peer was connected back to it, the old peer
 * gets a pending ECONNRESET.
 */
function dgramDisconnected(w: World, s: Sock, old: Sock): void {
  if (s.queue === 0) return;
  s.queue = 0;
  if (!old.dead && old.peer === s) {
    old.err = 'ECONNRESET';
    // sk_error_report → sock_def_error_report: the old peer's owner is signalled (POLL_ERR).
    socketEvent(w, old, 'readable');
  }
}

/** sock_error(): a pending error is returned once (sock_alloc_send_pskb, before the lookup). */
function pendingError(s: Sock): Result | null {
  if (!s.err) return null;
  const e = s.err;
  s.err = null;
  return err(e, 'pending socket error');
}

/** One datagram to `other` (unix_dgram_sendmsg from the lookup on). */
function dgramSend(w: World, task: Task, s: Sock, other: Sock, syscall: 'sendto' | 'send', reach: Reach): Result {
  if (other.peer && other.peer !== s) return { ...err('EPERM', `${other.name} is connected to another socket (af_unix)`), reach };
  if (other.dead) {
    if (s.type === 'seqpacket') return { ...err('EPIPE', `the peer of ${s.name} is closed`), reach };
    if (s.peer === other) {
      s.peer = null;
      s.connected = false;
      dgramDisconnected(w, s, other);
    }
    return { ...err('ECONNREFUSED', `the peer of ${s.name} is closed`), reach };
  }
  if (s.type !== 'seqpacket') {
    const denial = consult(w, 'unix_may_send', unixCtx(task, s, other, syscall, null), unixAudit(task, other.addr && addrText(other.addr)));
    if (denial) return { result: denial.errno, denial, reach };
  }
  if (other !== s && other.peer !== s && other.queue > MAX_DGRAM_QLEN)
    return { ...err('EAGAIN', `the receive queue of ${other.name} is full`), reach };
  other.queue++;
  socketEvent(w, other, 'readable');
  return { result: 'ok', reach };
}

export function sendto(w: World, task: Task, s: Sock, addr: Address): Result {
  if (s.type === 'stream') return s.connected ? err('EISCONN') : err('EOPNOTSUPP', `${s.name} is not connected`);
  if (s.type === 'seqpacket') return send(w, task, s); // unix_seqpacket_sendmsg ignores the address
  const pending = pendingError(s);
  if (pending) return pending;
  const f = findOther(w, task, s, addr, 'sendto');
  if (!('other' in f)) return f;
  return dgramSend(w, task, s, f.other, 'sendto', f.reach);
}

/**
 * send() of one byte on a connected socket; with `oob`, MSG_OOB (stream sockets only: the byte
 * is urgent data, unix_stream_sendmsg → queue_oob → sk_send_sigurg).
 */
export function send(w: World, task: Task, s: Sock, oob = false): Result {
  if (s.type === 'stream') {
    if (!s.peer) return err('ENOTCONN');
    if (s.shutdown || s.peer.dead || s.peer.shutdown) return err('EPIPE', `the peer of ${s.name} is closed`);
    s.peer.queue++;
    if (oob) socketEvent(w, s.peer, 'urgent');
    socketEvent(w, s.peer, 'readable');
    return ok;
  }
  if (oob && s.type === 'dgram') return err('EOPNOTSUPP', 'MSG_OOB on a datagram socket');
  if (s.type === 'seqpacket') {
    const pending = pendingError(s);
    if (pending) return pending;
    if (!s.connected || !s.peer) return err('ENOTCONN');
    if (oob) return err('EOPNOTSUPP', 'MSG_OOB on a seqpacket socket');
  }
  const other = s.peer;
  if (!other) return err('ENOTCONN');
  if (s.type === 'dgram') {
    const pending = pendingError(s);
    if (pending) return pending;
  }
  return dgramSend(w, task, s, other, 'send', { ...reachOf(task, other, 'connected', true) });
}

/** unix_release_sock(): the last descriptor is gone (or, for an embryo, its listener's). */
export function release(w: World, s: Sock): void {
  s.dead = true;
  if (s.addr) {
    if ('abstract' in s.addr) {
      const key = abstractKey(s.type, s.addr.abstract);
      if (w.boundAbstract.get(key) === s) w.boundAbstract.delete(key);
    } else if (w.boundPath.get(s.addr.pathname) === s) w.boundPath.delete(s.addr.pathname);
  }
  const pair = s.peer;
  if (pair) {
    s.peer = null;
    if (s.type !== 'dgram') {
      pair.shutdown = true;
      if (s.queue > 0 || s.embryo) pair.err = 'ECONNRESET';
      socketEvent(w, pair, 'readable'); // sk_wake_async(skpair, SOCK_WAKE_WAITD, POLL_HUP)
    }
  }
  for (const e of s.embryos) release(w, e);
}

/** close() of `proc`'s descriptor for `s`; the socket is released with its last one (unix_release_sock). */
export function closeFd(w: World, proc: Proc, s: Sock): void {
  proc.fds.delete(s);
  if (!w.procs.some((p) => p.alive && p.fds.has(s))) release(w, s);
}

/**
 * accept4(): the oldest pending connection becomes a socket whose file the acting task creates
 * now (its domain: the acceptor's, net/socket.c: sock_alloc_file), held by the acting process.
 */
export function accept(w: World, task: Task, s: Sock, name: string): Result {
  if (s.type === 'dgram') return err('EOPNOTSUPP', 'accept() on a datagram socket');
  if (!s.listening) return err('EINVAL', `${s.name} is not listening`);
  const embryo = s.embryos.shift();
  if (!embryo) return err('EAGAIN', `no connection is pending on ${s.name}`);
  const n = newSock(w, name, s.type, task);
  n.addr = s.addr;
  n.connected = true;
  n.peer = embryo.peer;
  n.queue = embryo.queue;
  n.shutdown = embryo.shutdown;
  n.err = embryo.err;
  if (n.peer && n.peer.peer === embryo) n.peer.peer = n;
  task.proc.fds.add(n);
  return ok;
}
