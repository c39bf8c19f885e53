/** fork(): a new process with the acting task's domain and a copy of its descriptors (kernel/fork.c: copy_process). */
import { z } from 'zod';
import { newProcess } from '../model/state.js';
import { base, taskName } from './fields.js';
import type { OpDef } from './types.js';
import { GLOBAL_QUIET } from './footprint.js';

const schema = z.strictObject({ op: z.literal('fork'), ...base, child: taskName });
export type ForkStep = z.infer<typeof schema>;

export const fork: OpDef<ForkStep> = {
  op: 'fork',
  schema,
  names: { newProcess: 'child' },
  text: (st) => `${st.by} fork ${st.child}`,
  wire: (st, e) => [e.newTask(st.child)],
  apply: (w, t, st) => {
    newProcess(w, st.child, t);
    return { result: 'ok' };
  },
  readOnly: false,
  // Footprint: a new process and task (the next name), copies of descriptors: GLOBAL (asks no hook).
  footprint: () => GLOBAL_QUIET,
  reaches: null,
  gen: {
    weight: 9,
    needsSock: false,
    build: (g) => {
      const child = g.newTask('P');
      g.push({ op: 'fork', by: g.by, child });
      g.addProcess(child, [...g.held]);
    },
  },
  exhaustive: {
    label: 'fork',
    successors: (x) => (x.nextTask ? [{ op: 'fork', by: x.t.name, child: x.nextTask }] : []),
  },
  c: (st, x) => [`.a = ${x.task(st.child)}`],
  kselftest: (st, x) => {
    const c = x.task(st.child);
    return {
      lines: [
        '\tchild = fork();',
        '\tASSERT_LE(0, child);',
        '\tif (child == 0) {',
        `\t\tctx->pid[${c}] = ctx->tid[${c}] = getpid();`,
        `\t\ttask_${st.child}(_metadata);`,
        '\t\t_exit(_metadata->exit_code);',
        '\t}',
        `\tctx->pid[${c}] = ctx->tid[${c}] = child;`,
      ],
    };
  },
  shell: (st, x) => {
    x.out.push(x.head, `#   (a new shell of ${st.by}: its commands run in ${st.by}'s sandbox, inherited)`, x.exp);
    x.sandbox.set(st.child, [...(x.sandbox.get(st.by) ?? [])]);
  },
  picture: (st, x) => x.addTask(st.child, false),
};
