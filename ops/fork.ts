/** fork(): a new process with the acting task's domain and a copy of its descriptors (kernel/fork.c: copy_process). */
import { z } from 'zod';
import { newProcess } from '../model/state.js';
import { base, taskName } from './fields.js';
import type { OpDef } from './types.js';
import { fp } from './footprint.js';

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
  observes: [],
  // Footprint: reads the parent's credentials and process (its descriptors, pidfds, group and
  // session); writes the child — the next name and the next pid, which any other fork or clone
  // would take too, so two of them never commute — and every socket the parent holds (the child
  // holds it too). Whoever reads every process (a group signal, kill(-1), a group owner) reads the
  // child, hence the order in which processes joined a group. Asks no hook.
  footprint: (w, t, st) => {
    const f = fp(t).taskNamed(st.child, true).procId(w.procs.length, true).quiet();
    for (const s of t.proc.fds) f.holders(s);
    return f.done();
  },
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
    asks: false,
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
