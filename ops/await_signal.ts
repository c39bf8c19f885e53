/**
 * sigtimedwait() with a zero timeout for one signal (kernel/signal.c: do_sigtimedwait,
 * dequeue_signal): the acting thread's own pending signals first, then its process's. Every
 * task keeps the scenario's signals blocked, so a delivered signal waits here.
 */
import { z } from 'zod';
import { takeSignal } from '../model/signals.js';
import { base, realSignal } from './fields.js';
import type { OpDef } from './types.js';
import { fp } from './footprint.js';

const schema = z.strictObject({ op: z.literal('await_signal'), ...base, signal: realSignal });
export type AwaitSignalStep = z.infer<typeof schema>;

const GEN = ['SIGUSR1', 'SIGUSR1', 'SIGIO', 'SIGURG', 'SIGUSR2'] as const;

export const await_signal: OpDef<AwaitSignalStep> = {
  op: 'await_signal',
  schema,
  names: {},
  text: (st) => `${st.by} await_signal ${st.signal}`,
  wire: (st) => [st.signal.slice(3)],
  apply: (_w, t, st) => (takeSignal(t, st.signal) ? { result: 'ok' } : { result: 'EAGAIN', note: `no ${st.signal} is pending for ${t.name} or its process` }),
  readOnly: false,
  observes: ['pending'],
  // Footprint: the acting thread's pending signals and its process's.
  footprint: (_w, t) => fp(t).taskPending(t, true).procPending(t.proc, true).quiet().done(),
  reaches: null,
  gen: { weight: 3, needsSock: false, build: (g) => g.push({ op: 'await_signal', by: g.by, signal: GEN[g.x.c % GEN.length]! }) },
  exhaustive: {
    label: 'await_signal (SIGUSR1)',
    asks: false,
    successors: (x) => [{ op: 'await_signal', by: x.t.name, signal: 'SIGUSR1' }],
  },
  c: (st) => [`.sig = ${st.signal}`],
  kselftest: (st, x) => ({
    lines: [
      '\t{',
      '\t\tconst struct timespec zero = {};',
      '\t\tsigset_t set;',
      '',
      '\t\tsigemptyset(&set);',
      `\t\tsigaddset(&set, ${st.signal});`,
      `\t\tEXPECT_EQ(${x.want}, RES(sigtimedwait(&set, NULL, &zero)));`,
      '\t}',
    ],
  }),
  shell: (_st, x) => {
    x.out.push(x.head, '#   no shell equivalent (sigtimedwait of a blocked signal)', x.exp);
  },
  picture: () => {},
};
