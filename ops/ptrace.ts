/**
 * ptrace access (kernel/ptrace.c): `attach` is PTRACE_SEIZE of the target thread (ended at once),
 * `read` opens /proc/<target>/environ (ptrace_may_access(PTRACE_MODE_READ_FSCREDS) through
 * mm_access). Landlock restricts both with no flag at all (security/landlock/task.c:
 * hook_ptrace_access_check): the tracer must have no domain or one the target's domain is
 * nested in. The same process is decided before the LSM: an attach EPERM, a read allowed.
 */
import { z } from 'zod';
import { FS } from '../model/limits.js';
import { consult, fileOpenOutside, subjectOf, taskObject } from '../model/state.js';
import { base, taskName } from './fields.js';
import { taskOf } from './world.js';
import type { OpDef } from './types.js';
import { fp } from './footprint.js';

const schema = z.strictObject({ op: z.literal('ptrace'), ...base, target: taskName, mode: z.enum(['attach', 'read']) });
export type PtraceStep = z.infer<typeof schema>;

export const ptrace: OpDef<PtraceStep> = {
  op: 'ptrace',
  schema,
  names: { tasks: [{ field: 'target', alive: false }] },
  text: (st) => `${st.by} ptrace ${st.mode} ${st.target}`,
  wire: (st, e) => [e.task(st.target), st.mode],
  apply: (w, t, st) => {
    const target = taskOf(w, st.target);
    // A gone task: ptrace() finds no such pid (ESRCH); its /proc directory is gone (ENOENT, found
    // by the kernel traces: the model said ESRCH).
    if (!target.proc.alive) return { result: st.mode === 'read' ? 'ENOENT' : 'ESRCH', note: `${st.target}'s process has exited` };
    const reach = {
      kind: 'ptrace' as const,
      clientTask: t.name,
      client: t.domain,
      target: target.domain,
      targetName: target.name,
      listener: null,
      targetOwner: target.name,
      isPeer: false,
      sameThreadGroup: target.proc === t.proc,
      path: null,
    };
    // A /proc/<pid>/environ read: security_file_open() (Landlock's hook_file_open: read_file, which
    // no rule can grant outside the scenario's directory) comes before environ_open()'s ptrace check.
    if (st.mode === 'read') {
      const denied = fileOpenOutside(w, t, FS.read_file);
      if (denied) return { result: 'EACCES', note: `layer ${denied.layer} handles read_file, which no rule can grant on /proc`, reach };
    }
    if (target.proc === t.proc)
      return st.mode === 'attach' ? { result: 'EPERM', note: 'a thread cannot attach to its own process (ptrace_attach)', reach } : { result: 'ok', note: 'its own process: no access check', reach };
    // task.c hook_ptrace_access_check logs the tracer's youngest layer and the tracee.
    const denial = consult(w, 'ptrace_access_check', { tracer: t.domain, tracee: target.domain, mode: st.mode, tracerTask: t.name, traceeTask: target.name }, { subject: subjectOf(t), object: taskObject(target) });
    // A /proc read of another process's memory view passes when ptrace_may_access() refuses but the
    // reader is perfmon_capable() (CAP_PERFMON or CAP_SYS_ADMIN: kernel/fork.c may_access_mm), so
    // with the runner's capabilities Landlock does not restrict it (found by the replayer on
    // 6.18.44; not so on 6.12.117).
    if (denial && st.mode === 'read' && w.capabilities === 'all' && (w.semantics.ptrace?.perfmonReadsMm ?? true))
      return { result: 'ok', note: `Landlock refused, but ${t.name} is perfmon_capable() (kernel/fork.c: may_access_mm)`, reach };
    if (denial) return { result: denial.errno, denial, reach };
    return { result: 'ok', reach };
  },
  readOnly: true,
  observes: [],
  // Footprint: reads the target's process and credentials (the step changes nothing but audit counters).
  footprint: (w, t, st) => {
    const target = taskOf(w, st.target);
    return fp(t).proc(target.proc).task(target).done();
  },
  reaches: 'ptrace',
  gen: {
    weight: 1,
    needsSock: false,
    build: (g) => g.push({ op: 'ptrace', by: g.by, target: g.tasks[g.x.d % g.tasks.length]!, mode: g.x.c % 2 ? 'read' : 'attach' }),
  },
  exhaustive: {
    label: 'ptrace (attach, read; other processes)',
    asks: true,
    successors: (x) => {
      const out: PtraceStep[] = [];
      for (const t of x.tasks)
        if (t.proc.alive && t.proc !== x.t.proc) for (const mode of ['attach', 'read'] as const) out.push({ op: 'ptrace', by: x.t.name, target: t.name, mode });
      return out;
    },
  },
  c: (st, x) => [`.a = ${x.task(st.target)}`, `.c = ${st.mode === 'attach' ? 0 : 1}`],
  kselftest: () => ({ lines: [], unsupported: 'ptrace is not in the kselftest export yet (ptrace_test.c hierarchy is a matrix under scenarios/selftests/)' }),
  shell: (_st, x) => {
    x.out.push(x.head, '#   no shell equivalent (ptrace)', x.exp);
  },
  picture: (st, x) => x.edge(x.taskNode(st.target)),
};
