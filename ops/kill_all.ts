/**
 * kill(-1, sig) (kernel/signal.c: kill_something_info): every process but the caller's own
 * (and the PID namespace's init, the runner) is checked on its own; refusals (EPERM) are
 * skipped, so the call is ok unless another error occurs, or ESRCH when there was no candidate.
 * A scoped kill(-1) silently skips the processes outside its domain.
 */
import { z } from 'zod';
import { killMember } from '../model/signals.js';
import { base, signal, signalC, signalText, signalWire } from './fields.js';
import { withGenSignal } from './signal.js';
import type { OpDef } from './types.js';
import { fp } from './footprint.js';

const schema = z.strictObject({ op: z.literal('kill_all'), ...base, signal: signal.optional() });
export type KillAllStep = z.infer<typeof schema>;

export const kill_all: OpDef<KillAllStep> = {
  op: 'kill_all',
  schema,
  names: {},
  text: (st) => `${st.by} kill_all${st.signal ? ` ${st.signal}` : ''}`,
  wire: (st) => [signalWire(st.signal)],
  apply: (w, t, st) => {
    const candidates = w.procs.filter((p) => p.alive && p !== t.proc);
    if (!candidates.length) return { result: 'ESRCH', note: 'no other process' };
    for (const p of candidates) killMember(w, t, p.leader, { syscall: 'kill_all', signal: signalText(st.signal), queue: 'process', via: 'kill_all' });
    return { result: 'ok' };
  },
  readOnly: false,
  observes: [],
  // Footprint: every other process and its credentials; a real signal writes their pending sets.
  footprint: (_w, t, st) => (signalText(st.signal) === '0' ? fp(t).anyone().done() : fp(t).anyone().anyonePending().done()),
  reaches: 'signal',
  gen: {
    weight: 1,
    needsSock: false,
    build: (g) => {
      g.push(withGenSignal({ op: 'kill_all', by: g.by }, g.x.c));
    },
  },
  exhaustive: { label: 'kill_all (signal 0)', asks: true, successors: (x) => [{ op: 'kill_all', by: x.t.name }] },
  c: (st) => [`.sig = ${signalC(st.signal)}`],
  kselftest: () => ({
    lines: [],
    unsupported: 'kill(-1) would reach every process of the user running the test; only the replayer runs it, in a PID namespace of the scenario alone',
  }),
  shell: (_st, x) => {
    x.out.push(x.head, '#   not exported: kill -1 would reach every process of the user running this script', x.exp);
  },
  picture: (_st, x) => {
    for (const d of x.outcome.deliveries ?? []) x.edge(x.taskNode(d.reach.targetName));
  },
};
