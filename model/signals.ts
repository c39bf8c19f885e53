/**
 * Signals of the kill family (kernel/signal.c): the permission check of one recipient
 * (check_kill_permission → security_task_kill, security/landlock/task.c: hook_task_kill) and the
 * pending sets. Every task of a scenario keeps the scenario's signals blocked, so a delivered
 * signal stays pending until await_signal takes it; standard signals do not queue
 * (kernel/signal.c: legacy_queue), so a set per thread and per process is exact.
 */
import type { Denial, SignalSyscall } from './hooks.js';
import { consult, subjectOf, taskObject, type Reach, type Task, type World } from './state.js';

/** The signals a scenario may send and await (docs/scenario-format.md, "Signals"). */
export const SIGNAL_NAMES = ['SIGUSR1', 'SIGUSR2', 'SIGIO', 'SIGURG'] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];

/** Where a delivered signal is pending: the process (shared_pending) or one thread (pending). */
export type SignalQueue = 'process' | 'thread';

/** Makes `sig` pending for the recipient (nothing for the existence probe "0"). */
export function queueSignal(victim: Task, sig: string, queue: SignalQueue): void {
  if (sig === '0' || !victim.proc.alive) return;
  (queue === 'thread' ? victim.pending : victim.proc.pending).add(sig);
}

/** The reach of a signal from `sender` (its domain now, or the one given) to `victim`. */
export function signalReach(sender: Task, victim: Task, via?: Reach['via'], senderDomain = sender.domain): Reach {
  return {
    kind: 'signal',
    ...(via ? { via } : {}),
    clientTask: sender.name,
    client: senderDomain,
    target: victim.domain,
    targetName: victim.name,
    listener: null,
    targetOwner: victim.name,
    isPeer: false,
    sameThreadGroup: victim.proc === sender.proc,
    path: null,
  };
}

export interface KillOne {
  readonly denial: Denial | null;
  readonly reach: Reach;
}

/**
 * One recipient of a user-originated signal: security_task_kill with the sender's credentials
 * and the recipient's, then (allowed) the signal is pending. `victim` is the task whose
 * credentials are checked (a thread-group leader for process-directed signals).
 */
export function killOne(w: World, sender: Task, victim: Task, o: { syscall: SignalSyscall; signal: string; queue: SignalQueue; via?: Reach['via']; uncertain?: boolean }): KillOne {
  const reach = signalReach(sender, victim, o.via);
  const denial = consult(w, 'task_kill', {
    sender: sender.domain,
    target: victim.domain,
    sameThreadGroup: victim.proc === sender.proc,
    syscall: o.syscall,
    signal: o.signal,
    errata: w.errata,
    senderTask: sender.name,
    targetTask: victim.name,
  }, { subject: subjectOf(sender), object: taskObject(victim), ...(o.uncertain ? { uncertain: true } : {}) });
  if (!denial) queueSignal(victim, o.signal, o.queue);
  return { denial, reach };
}

/** killOne for one member of an aggregate (a group, kill(-1), the parent-death signal): recorded as a delivery of the step. */
export function killMember(w: World, sender: Task, victim: Task, o: { syscall: SignalSyscall; signal: string; queue: SignalQueue; via: Reach['via']; uncertain?: boolean }): boolean {
  const k = killOne(w, sender, victim, o);
  w.deliveries.push({ reach: k.reach, signal: o.signal, allowed: !k.denial, ...(k.denial ? { denial: k.denial } : {}) });
  return !k.denial;
}

/** sigtimedwait({sig}, zero timeout) by `t`: the thread's own pending set first, then its process's (kernel/signal.c: dequeue_signal). */
export function takeSignal(t: Task, sig: string): boolean {
  if (t.pending.delete(sig)) return true;
  return t.proc.pending.delete(sig);
}
