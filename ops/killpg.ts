/**
 * kill(-G, sig) (kernel/signal.c: __kill_pgrp_info): every member of process group G (that of
 * `pgrp`'s process as of this step) is checked on its own, each as kill() would (its
 * thread-group leader's domain). ok when at least one member got it; EPERM when every member was
 * refused; ESRCH when the group is empty.
 */
import { z } from 'zod';
import { groupMembers } from '../model/fown.js';
import { killMember } from '../model/signals.js';
import { base, signal, signalC, signalText, signalWire, taskName } from './fields.js';
import { withGenSignal } from './signal.js';
import { taskOf } from './world.js';
import type { OpDef } from './types.js';
import { fp } from './footprint.js';

const schema = z.strictObject({ op: z.literal('killpg'), ...base, pgrp: taskName, signal: signal.optional() });
export type KillpgStep = z.infer<typeof schema>;

export const killpg: OpDef<KillpgStep> = {
  op: 'killpg',
  schema,
  names: { tasks: [{ field: 'pgrp', alive: false }] },
  text: (st) => `${st.by} killpg ${st.pgrp}${st.signal ? ` ${st.signal}` : ''}`,
  wire: (st, e) => [e.task(st.pgrp), signalWire(st.signal)],
  apply: (w, t, st) => {
    const pgid = taskOf(w, st.pgrp).proc.pgid;
    const members = groupMembers(w, pgid);
    if (!members.length) return { result: 'ESRCH', note: `process group ${pgid} is empty` };
    let any = false;
    for (const p of members) any = killMember(w, t, p.leader, { syscall: 'killpg', signal: signalText(st.signal), queue: 'process', via: 'killpg' }) || any;
    return any ? { result: 'ok' } : { result: 'EPERM', note: `every member of process group ${pgid} was refused` };
  },
  readOnly: false,
  observes: ['group-order'],
  // Footprint: the group's members as of now (every process) and their credentials; a real signal writes their pending sets.
  footprint: (_w, t, st) => (signalText(st.signal) === '0' ? fp(t).anyone().done() : fp(t).anyone().anyonePending().done()),
  reaches: 'signal',
  gen: {
    weight: 1,
    needsSock: false,
    build: (g) => {
      g.push(withGenSignal({ op: 'killpg', by: g.by, pgrp: g.tasks[g.x.d % g.tasks.length]! }, g.x.c));
    },
  },
  exhaustive: {
    label: 'killpg (each group, signal 0)',
    asks: true,
    successors: (x) => {
      // One step per process group that has a live member (named by its first such task).
      const seen = new Set<number>();
      const out: KillpgStep[] = [];
      for (const t of x.tasks)
        if (t.proc.alive && !seen.has(t.proc.pgid)) {
          seen.add(t.proc.pgid);
          out.push({ op: 'killpg', by: x.t.name, pgrp: t.name });
        }
      return out;
    },
  },
  c: (st, x) => [`.a = ${x.task(st.pgrp)}`, `.sig = ${signalC(st.signal)}`],
  kselftest: () => ({ lines: [], unsupported: 'process groups are not tracked by the kselftest export yet' }),
  shell: (st, x) => {
    x.out.push(x.head, `#   no shell equivalent (kill -- -PGID of ${st.pgrp}'s group)`, x.exp);
  },
  picture: (_st, x) => {
    for (const d of x.outcome.deliveries ?? []) x.edge(x.taskNode(d.reach.targetName));
  },
};
