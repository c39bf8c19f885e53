/**
 * pidfd_send_signal() (kernel/signal.c): checked as kill() or tgkill() would be, with the domain
 * of the task that sends, never that of the task that opened the pidfd: a process pidfd is judged
 * against the thread-group leader and signals the process, a thread pidfd against that thread.
 */
import { z } from 'zod';
import { killOne } from '../model/signals.js';
import { base, signal, signalC, signalText, signalWire, sockName } from './fields.js';
import { held, heldPidfd } from './world.js';
import { withGenSignal } from './signal.js';
import type { OpDef } from './types.js';
import { GLOBAL } from './footprint.js';

const schema = z.strictObject({ op: z.literal('pidfd_send_signal'), ...base, pidfd: sockName, signal: signal.optional() });
export type PidfdSendSignalStep = z.infer<typeof schema>;

export const pidfd_send_signal: OpDef<PidfdSendSignalStep> = {
  op: 'pidfd_send_signal',
  schema,
  names: { sockets: ['pidfd'] },
  text: (st) => `${st.by} pidfd_send_signal ${st.pidfd}${st.signal ? ` ${st.signal}` : ''}`,
  wire: (st, e) => [e.sock(st.pidfd), signalWire(st.signal)],
  apply: (w, t, st) => {
    const f = heldPidfd(w, t, st.pidfd);
    if (!f) return { result: 'EBADF', note: held(w, t, st.pidfd) ? `${st.pidfd} is a socket, not a pidfd` : `${t.name}'s process holds no descriptor for ${st.pidfd}` };
    if (!f.target.proc.alive) return { result: 'ESRCH', note: `the process of ${f.target.name} has exited` };
    const { denial, reach } = killOne(w, t, f.target, { syscall: 'pidfd_send_signal', signal: signalText(st.signal), queue: f.thread ? 'thread' : 'process', via: 'pidfd' });
    if (denial) return { result: denial.errno, denial, reach };
    return { result: 'ok', reach };
  },
  readOnly: false,
  observes: [],
  // Footprint: a signal through a pidfd: GLOBAL (not in the exhaustive alphabet).
  footprint: () => GLOBAL,
  reaches: 'signal',
  gen: {
    weight: 1,
    needsSock: false,
    build: (g) => {
      const mine = g.held.filter((n) => g.pidfds.has(n));
      const pidfd = mine.length ? mine[g.x.b % mine.length]! : null;
      if (!pidfd) {
        const target = g.tasks[g.x.d % g.tasks.length]!;
        const n = g.newSock();
        g.push({ op: 'pidfd_open', by: g.by, target, pidfd: n });
        g.held.push(n);
        g.pidfds.add(n);
        return;
      }
      g.push(withGenSignal({ op: 'pidfd_send_signal', by: g.by, pidfd }, g.x.c));
    },
  },
  exhaustive: null,
  c: (st, x) => [`.a = ${x.sock(st.pidfd)}`, `.sig = ${signalC(st.signal)}`],
  kselftest: () => ({ lines: [], unsupported: 'pidfds are not in the kselftest export yet (it keeps one descriptor table for sockets, and reaps exited processes only at the end)' }),
  shell: (_st, x) => {
    x.out.push(x.head, '#   no shell equivalent (pidfd_send_signal)', x.exp);
  },
  picture: (_st, x) => {
    const r = x.outcome.reach;
    if (r) x.edge(x.taskNode(r.targetName));
  },
};
