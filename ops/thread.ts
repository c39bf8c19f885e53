/** clone(CLONE_THREAD): a new thread of the acting process, with the acting thread's credentials (its domain). */
import { z } from 'zod';
import { newTask } from '../model/state.js';
import { base, taskName } from './fields.js';
import type { OpDef } from './types.js';
import { fp } from './footprint.js';

const schema = z.strictObject({ op: z.literal('thread'), ...base, child: taskName });
export type ThreadStep = z.infer<typeof schema>;

export const thread: OpDef<ThreadStep> = {
  op: 'thread',
  schema,
  names: { newThread: 'child' },
  text: (st) => `${st.by} thread ${st.child}`,
  wire: (st, e) => [e.newTask(st.child)],
  apply: (w, t, st) => {
    newTask(w, st.child, t.proc, t);
    return { result: 'ok' };
  },
  readOnly: false,
  observes: [],
  // Footprint: reads the creator's credentials (shared with the new thread); writes the new task
  // (the next name, which any other fork or clone would take too) and the process (its threads:
  // what a process-directed signal and every step of the process see). Asks no hook.
  footprint: (_w, t, st) => fp(t).taskNamed(st.child, true).proc(t.proc, true).quiet().done(),
  reaches: null,
  gen: {
    weight: 3,
    needsSock: false,
    build: (g) => {
      const child = g.newTask('T');
      g.push({ op: 'thread', by: g.by, child });
      g.addThread(child);
    },
  },
  exhaustive: {
    label: 'thread',
    asks: false,
    successors: (x) => (x.nextThread ? [{ op: 'thread', by: x.t.name, child: x.nextThread }] : []),
  },
  c: (st, x) => [`.a = ${x.task(st.child)}`],
  kselftest: (st, x) => ({
    lines: [
      `\tctx->pid[${x.task(st.child)}] = getpid();`,
      `\tASSERT_EQ(0, pthread_create(&thread, NULL, task_${st.child}, _metadata));`,
      '\tASSERT_EQ(0, pthread_detach(thread));',
      `\tturn_wait(${x.me}); /* the thread has published its tid */`,
    ],
  }),
  shell: (st, x) => {
    x.out.push(x.head, '#   no shell equivalent (a thread of the same process); treated as the same sandbox', x.exp);
    x.sandbox.set(st.child, [...(x.sandbox.get(st.by) ?? [])]);
  },
  picture: (st, x) => x.addTask(st.child, true),
};
