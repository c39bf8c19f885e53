/**
 * Processes, groups and sessions (kernel/sys.c: setpgid, setsid; kernel/exit.c: do_exit,
 * forget_original_parent), as far as scoping can observe them.
 */
import { closeFd } from './af_unix.js';
import { fire } from './fown.js';
import { killMember } from './signals.js';
import type { Task, World } from './state.js';

/**
 * exit_group() of `t`'s process, and its reaping: its descriptors are closed (exit_files, which
 * can hang up stream peers and signal their owners), then each child process whose
 * real_parent is one of its threads gets its threads' parent-death signals
 * (forget_original_parent → group_send_sig_info(t->pdeath_signal, SEND_SIG_NOINFO, t,
 * PIDTYPE_TGID), checked as sent by the exiting parent thread to that thread t) and is
 * reparented to the runner.
 */
export function exitProcess(w: World, t: Task): void {
  const proc = t.proc;
  // do_exit(): exit_files() and exit_task_work() release the sockets while the process is still
  // hashed (a member of its group, an owner's target: it can be signalled, and refused, by its
  // own releases — found on 7.0.13, which has no own-process exemption); exit_notify() then
  // hands its children over (the parent-death signal) and it is gone.
  // The sockets this exit releases go in descending descriptor order (close_files() closes them
  // in ascending order and each final fput() is a task_work, run last-in first-out), and the
  // descriptor numbers are the runner's, not the scenario's: an event one release causes on
  // another of them (a stream peer's hang-up, a datagram peer's reset, a connection's listener)
  // may come before that one's own release, or not. Such events are sent as possible
  // (uncertain records; the signal counts as pending), whatever the order the model closes in.
  const released = new Set([...proc.fds].filter((s) => !w.procs.some((p) => p !== proc && p.alive && p.fds.has(s))));
  w.releasing = released.size > 1 ? { socks: released, events: new Map() } : null;
  for (const s of [...proc.fds]) closeFd(w, proc, s);
  const deferred = w.releasing?.events;
  w.releasing = null;
  for (const [s, events] of deferred ?? []) for (const e of events) fire(w, s, e, true);
  proc.alive = false;
  proc.pending.clear();
  for (const x of proc.tasks) x.pending.clear();
  proc.pidfds.clear();
  // exit_group(): the threads exit in an order the scheduler decides. A thread's children go to
  // the first thread of its group still alive (find_alive_thread), and every hand-over sends
  // their parent-death signals again, from the thread exiting then: a child of thread T gets
  // them from T and from every thread that outlives T — any of them, depending on timing (found
  // by review: on the 2-CPU 6.18.44 the siblings usually outlive the caller of exit; in the
  // single-CPU VMs they exit first). The model takes every possible sender: the forker first,
  // then the other threads in creation order; the signal is pending when one of them may send it.
  const order = [...proc.tasks];
  for (const child of w.procs) {
    if (!child.alive || !child.parent || child.parent.proc !== proc) continue;
    const senders = [child.parent, ...order.filter((x) => x !== child.parent)];
    for (const ct of child.tasks)
      if (ct.pdeathsig)
        for (const sender of senders)
          // Only the forker's own exit sends it for sure; the re-sends depend on the exit order.
          killMember(w, sender, ct, { syscall: 'pdeathsig', signal: ct.pdeathsig, queue: 'process', via: 'pdeathsig', ...(sender === child.parent ? {} : { uncertain: true }) });
    child.parent = null;
  }
}

/** setpgid(0, G) by `t` (G: the group id, or the acting process's own pid for a new group). */
export function setpgid(w: World, t: Task, pgid: number): { result: string; note?: string } {
  const p = t.proc;
  if (p.sid === p.id) return { result: 'EPERM', note: `${t.name}'s process leads a session` };
  if (pgid !== p.id) {
    const g = w.procs.find((q) => q.alive && q.pgid === pgid);
    if (!g) return { result: 'EPERM', note: `no process group ${pgid} exists` };
    if (g.sid !== p.sid) return { result: 'EPERM', note: `process group ${pgid} is in another session` };
  }
  if (p.pgid !== pgid) {
    p.pgid = pgid;
    p.joined = w.joins++;
  }
  return { result: 'ok' };
}

/** setsid() by `t`: EPERM when its process already leads a group (some process has its pid as group id). */
export function setsid(w: World, t: Task): { result: string; note?: string } {
  const p = t.proc;
  if (w.procs.some((q) => q.alive && q.pgid === p.id)) return { result: 'EPERM', note: `a process group ${p.id} exists (${t.name}'s process leads it)` };
  p.sid = p.id;
  p.pgid = p.id;
  p.joined = w.joins++;
  return { result: 'ok' };
}

/**
 * The hierarchy nodes whose denial counts ending the scenario may raise: a runner ends it by
 * killing what is left, in an order it does not promise, and then a live child's parent-death
 * signal is sent by its exiting parent (kernel/exit.c), and a last close can signal a file owner
 * (the recorded domain judges it). For comparing deallocation records (oracle/diff.ts).
 */
export function teardownDomains(w: World): Set<number> {
  const out = new Set<number>();
  const add = (d: Task['domain']) => {
    for (const l of d?.layers ?? []) out.add(l.node.id);
  };
  for (const p of w.procs) {
    if (!p.alive) continue;
    for (const t of p.tasks) if (t.pdeathsig && p.parent?.proc.alive) for (const x of p.parent.proc.tasks) add(x.domain);
    for (const s of p.fds) if (s.fown) add(s.fown.record?.domain ?? s.fown.setterDomain);
  }
  return out;
}
