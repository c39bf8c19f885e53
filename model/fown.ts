/**
 * File owners (fs/fcntl.c: f_setown_ex, __f_setown, send_sigio, send_sigurg, sigio_perm) and
 * Landlock's two hooks on them (security/landlock/fs.c: hook_file_set_fowner; task.c:
 * hook_file_send_sigiotask): the domain a SIGIO or SIGURG is judged by is recorded at F_SETOWN,
 * each recipient is checked with it, and a refused signal is dropped silently.
 */
import type { FownContext } from './hooks.js';
import { queueSignal, signalReach, type SignalQueue } from './signals.js';
import { consult, taskObject, type Fown, type Proc, type Sock, type Task, type World } from './state.js';

/** Is there a struct pid for `id` (find_vpid)? A pid lives while its process does, or while it is some live process's group or session id. */
export function pidExists(w: World, id: number): boolean {
  return w.procs.some((p) => p.alive && (p.id === id || p.pgid === id || p.sid === id));
}

/** The live members of process group `pgid`, the one that joined last first (the hlist of pid->tasks[PIDTYPE_PGID]). */
export function groupMembers(w: World, pgid: number): Proc[] {
  return w.procs.filter((p) => p.alive && p.pgid === pgid).sort((a, b) => b.joined - a.joined);
}

export type OwnerSpec = { type: 'process'; proc: Proc } | { type: 'thread'; task: Task } | { type: 'pgrp'; pgid: number };

/**
 * F_SETSIG, F_SETOWN_EX, F_SETFL |= O_ASYNC on `s` by `t` (the setown op): the first error, or
 * ok. F_SETSIG takes effect even when F_SETOWN_EX then fails.
 */
export function setOwner(w: World, t: Task, s: Sock, owner: OwnerSpec, signal: string): { result: string; note?: string } {
  s.fsig = signal;
  // f_setown_ex: find_vpid() of the owner's id: ESRCH when no such pid exists any more.
  let pid: number;
  let found: Task | null;
  if (owner.type === 'thread') {
    pid = owner.task.proc.id;
    // A thread's id outlives it only as its process's id (a leader's pid as a group or session id).
    const findable = owner.task.proc.alive || (owner.task.proc.leader === owner.task && pidExists(w, pid));
    if (!findable) return { result: 'ESRCH', note: `${owner.task.name}'s process has exited` };
    found = owner.task.proc.alive ? owner.task : null;
  } else if (owner.type === 'process') {
    pid = owner.proc.id;
    if (!pidExists(w, pid)) return { result: 'ESRCH', note: `${owner.proc.leader.name}'s process has exited` };
    found = owner.proc.alive ? owner.proc.leader : null;
  } else {
    pid = owner.pgid;
    if (!pidExists(w, pid)) return { result: 'ESRCH', note: `process group ${pid} no longer exists` };
    found = groupMembers(w, pid)[0]?.leader ?? null;
  }
  const ctx: FownContext = {
    caller: t.domain,
    ownerType: owner.type,
    ownerInCallerThreadGroup: found !== null && found.proc === t.proc,
    errata: w.errata,
    callerTask: t.name,
  };
  const record = consult(w, 'file_set_fowner', ctx);
  const fown: Fown = { type: owner.type, pid, thread: owner.type === 'thread' ? owner.task : null, record, setter: t, setterDomain: t.domain, setterExec: t.exec, step: w.stepIndex };
  s.fown = fown;
  s.async = true;
  return { result: 'ok' };
}

/** The tasks an owner signal goes to now, and where it is pending. */
function recipients(w: World, f: Fown): { task: Task; queue: SignalQueue }[] {
  if (f.type === 'thread') return f.thread && f.thread.proc.alive ? [{ task: f.thread, queue: 'thread' }] : [];
  if (f.type === 'process') {
    const p = w.procs[f.pid];
    return p && p.alive ? [{ task: p.leader, queue: 'process' }] : [];
  }
  return groupMembers(w, f.pid).map((p) => ({ task: p.leader, queue: 'process' as const }));
}

/** send_sigio / send_sigurg to every recipient of the owner of `s`, each checked by file_send_sigiotask. */
function signalOwner(w: World, s: Sock, signal: string, via: 'sigio' | 'sigurg', uncertain = false): void {
  const f = s.fown;
  if (!f) return;
  for (const r of recipients(w, f)) {
    const denial = consult(w, 'file_send_sigiotask', {
      recorded: f.record,
      setterDomain: f.setterDomain,
      target: r.task.domain,
      targetInOwnerProcess: r.task.proc === f.setter.proc,
      signal,
      setter: f.setter.name,
      targetTask: r.task.name,
    }, {
      // The subject is the copy of the caller's credentials file_set_fowner kept (fown_subject,
      // its domain_exec included), blamed at its fown_layer: the record's layer.
      subject: { domain: f.record?.domain ?? f.setterDomain, exec: f.setterExec },
      object: taskObject(r.task),
      ...(uncertain ? { uncertain: true } : {}),
    });
    if (!denial) queueSignal(r.task, signal, r.queue);
    w.deliveries.push({
      // The F_SETOWN caller is the sender, with its domain at that time.
      reach: signalReach(f.setter, r.task, via, f.setterDomain),
      signal,
      allowed: !denial,
      ...(denial ? { denial } : {}),
      recorded: f.record,
    });
  }
}

/**
 * An event on socket `s` (net/unix/af_unix.c): 'readable' — data or a connection arrived, or the
 * stream peer hung up (sk_data_ready / sk_wake_async(SOCK_WAKE_WAITD)): the F_SETSIG signal
 * (SIGIO by default) when O_ASYNC is set; 'urgent' — an out-of-band byte arrived
 * (sk_send_sigurg): SIGURG to the owner whatever O_ASYNC says, plus the F_SETSIG signal through
 * the fasync list when F_SETSIG is not 0 (fs/fcntl.c: kill_fasync_rcu).
 */
export function socketEvent(w: World, s: Sock, event: 'readable' | 'urgent'): void {
  if (!s.fown) return;
  // An event on a socket the same exit releases: whether it comes before that socket's own
  // release depends on the order (exitProcess): deferred, then sent as possible.
  if (w.releasing?.socks.has(s)) {
    const e = w.releasing.events.get(s) ?? new Set();
    e.add(event);
    w.releasing.events.set(s, e);
    return;
  }
  if (s.dead) return;
  fire(w, s, event);
}

/** The owner signals of one event on `s`; `uncertain`: the event may or may not happen (its order against a release). */
export function fire(w: World, s: Sock, event: 'readable' | 'urgent', uncertain = false): void {
  if (event === 'urgent') {
    signalOwner(w, s, 'SIGURG', 'sigurg', uncertain);
    if (s.async && s.fsig !== 'SIGIO') signalOwner(w, s, s.fsig, 'sigio', uncertain);
    return;
  }
  if (s.async) signalOwner(w, s, s.fsig, 'sigio', uncertain);
}
