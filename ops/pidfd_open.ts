/**
 * pidfd_open() (kernel/pid.c): a descriptor for the target's process (its thread-group leader)
 * or, with `thread`, for the target thread itself (PIDFD_THREAD). No Landlock check: what a pidfd
 * may signal is decided when it is used, with the user's domain (pidfd_send_signal).
 */
import { z } from 'zod';
import type { Pidfd } from '../model/state.js';
import { pidExists } from '../model/fown.js';
import { base, sockName, taskName } from './fields.js';
import { taskOf } from './world.js';
import type { OpDef } from './types.js';
import { GLOBAL } from './footprint.js';

const schema = z.strictObject({ op: z.literal('pidfd_open'), ...base, target: taskName, pidfd: sockName, thread: z.boolean().optional() });
export type PidfdOpenStep = z.infer<typeof schema>;

export const pidfd_open: OpDef<PidfdOpenStep> = {
  op: 'pidfd_open',
  schema,
  names: { newSockets: ['pidfd'], tasks: [{ field: 'target', alive: false }] },
  text: (st) => `${st.by} pidfd_open ${st.pidfd} ${st.target}${st.thread ? ' thread' : ''}`,
  wire: (st, e) => [e.task(st.target), e.newSock(st.pidfd), st.thread ? '1' : '0'],
  apply: (w, t, st) => {
    const target = taskOf(w, st.target);
    if (!target.proc.alive) {
      // Its pid may live on as a group or session id: find_get_pid() finds it, with no process.
      // (The pid is the process's for a process pidfd; a thread's own id only for a leader.)
      const stale = (!st.thread || target.proc.leader === target) && pidExists(w, target.proc.id);
      const errno = stale ? (w.semantics.pidfd?.openWithoutProcess ?? 'ESRCH') : 'ESRCH';
      return { result: errno, note: `${st.target}'s process has exited${stale ? ' (its pid is still a process group or session id)' : ''}` };
    }
    const f: Pidfd = { name: st.pidfd, target: st.thread ? target : target.proc.leader, thread: st.thread ?? false };
    w.pidfds.set(st.pidfd, f);
    t.proc.pidfds.add(f);
    return { result: 'ok' };
  },
  readOnly: false,
  observes: [],
  // Footprint: a new descriptor: GLOBAL (not in the exhaustive alphabet).
  footprint: () => GLOBAL,
  reaches: null,
  gen: {
    weight: 1,
    needsSock: false,
    build: (g) => {
      const target = g.tasks[g.x.d % g.tasks.length]!;
      const pidfd = g.newSock();
      g.push(g.x.b % 3 === 0 ? { op: 'pidfd_open', by: g.by, target, pidfd, thread: true } : { op: 'pidfd_open', by: g.by, target, pidfd });
      g.held.push(pidfd);
      g.pidfds.add(pidfd);
    },
  },
  exhaustive: null,
  c: (st, x) => [`.a = ${x.task(st.target)}`, `.b = ${x.sock(st.pidfd)}`, `.c = ${st.thread ? 1 : 0}`],
  kselftest: () => ({ lines: [], unsupported: 'pidfds are not in the kselftest export yet (it keeps one descriptor table for sockets, and reaps exited processes only at the end)' }),
  shell: (_st, x) => {
    x.out.push(x.head, '#   no shell equivalent (pidfd_open)', x.exp);
  },
  picture: () => {},
};
