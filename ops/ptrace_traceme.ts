/**
 * PTRACE_TRACEME (kernel/ptrace.c: ptrace_traceme): the acting task asks to be traced by its
 * parent — the task whose fork created its process, or the runner once that process has exited
 * (or for P0). Landlock (security/landlock/task.c: hook_ptrace_traceme) requires the parent's
 * domain to be the acting task's or an ancestor of it: EPERM otherwise.
 */
import { z } from 'zod';
import { consult, subjectOf, taskObject } from '../model/state.js';
import { base } from './fields.js';
import type { OpDef } from './types.js';
import { GLOBAL } from './footprint.js';

const schema = z.strictObject({ op: z.literal('ptrace_traceme'), ...base });
export type PtraceTracemeStep = z.infer<typeof schema>;

export const ptrace_traceme: OpDef<PtraceTracemeStep> = {
  op: 'ptrace_traceme',
  schema,
  names: {},
  text: (st) => `${st.by} ptrace_traceme`,
  wire: () => [],
  apply: (w, t) => {
    const parent = t.proc.parent && t.proc.parent.proc.alive ? t.proc.parent : null;
    const reach = {
      kind: 'ptrace' as const,
      clientTask: parent ? parent.name : '(runner)',
      client: parent ? parent.domain : null,
      target: t.domain,
      targetName: t.name,
      listener: null,
      targetOwner: t.name,
      isPeer: false,
      sameThreadGroup: false,
      path: null,
    };
    // task.c hook_ptrace_traceme logs the parent's domain (the cause) and current as the object.
    const denial = consult(w, 'ptrace_traceme', { tracer: reach.client, tracee: t.domain, mode: 'traceme', tracerTask: reach.clientTask, traceeTask: t.name }, { subject: parent ? subjectOf(parent) : { domain: null, exec: 0 }, object: taskObject(t) });
    if (denial) return { result: denial.errno, denial, reach };
    return { result: 'ok', reach };
  },
  readOnly: true,
  observes: ['parent'],
  // Footprint: the parent: GLOBAL (not in the exhaustive alphabet).
  footprint: () => GLOBAL,
  reaches: 'ptrace',
  gen: { weight: 1, needsSock: false, build: (g) => g.push({ op: 'ptrace_traceme', by: g.by }) },
  exhaustive: null,
  c: () => [],
  kselftest: () => ({ lines: [], unsupported: 'ptrace is not in the kselftest export yet (ptrace_test.c hierarchy is a matrix under scenarios/selftests/)' }),
  shell: (_st, x) => {
    x.out.push(x.head, '#   no shell equivalent (PTRACE_TRACEME)', x.exp);
  },
  picture: () => {},
};
