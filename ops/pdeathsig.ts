/**
 * prctl(PR_SET_PDEATHSIG, sig) (kernel/sys.c): when the task whose fork created the acting task's
 * process exits, the kernel sends `sig` to the acting task's process, from the exiting parent
 * thread: a user-originated signal, checked by hook_task_kill (kernel/exit.c:
 * forget_original_parent). The exit step shows the delivery.
 */
import { z } from 'zod';
import { base, realSignal } from './fields.js';
import type { OpDef } from './types.js';
import { GLOBAL } from './footprint.js';

const schema = z.strictObject({ op: z.literal('pdeathsig'), ...base, signal: realSignal });
export type PdeathsigStep = z.infer<typeof schema>;

export const pdeathsig: OpDef<PdeathsigStep> = {
  op: 'pdeathsig',
  schema,
  names: {},
  text: (st) => `${st.by} pdeathsig ${st.signal}`,
  wire: (st) => [st.signal.slice(3)],
  apply: (_w, t, st) => {
    t.pdeathsig = st.signal;
    return { result: 'ok' };
  },
  readOnly: false,
  observes: [],
  // Footprint: read at the parent's exit: GLOBAL (not in the exhaustive alphabet).
  footprint: () => GLOBAL,
  reaches: null,
  gen: { weight: 1, needsSock: false, build: (g) => g.push({ op: 'pdeathsig', by: g.by, signal: g.x.c % 2 ? 'SIGUSR1' : 'SIGUSR2' }) },
  exhaustive: null,
  c: (st) => [`.sig = ${st.signal}`],
  kselftest: (st, x) => ({ lines: [`\tEXPECT_EQ(${x.want}, RES(prctl(PR_SET_PDEATHSIG, ${st.signal})));`] }),
  shell: (_st, x) => {
    x.out.push(x.head, '#   no shell equivalent (PR_SET_PDEATHSIG)', x.exp);
  },
  picture: () => {},
};
