/**
 * What kill and tgkill share (kernel/signal.c: kill_pid_info, do_tkill; both call
 * security_task_kill, security/landlock/task.c: hook_task_kill): `kill` is judged against the
 * thread-group leader's credentials and makes the signal pending for the process, `tgkill`
 * against the named thread's, pending for that thread.
 */
import { z } from 'zod';
import { killOne } from '../model/signals.js';
import { base, signal, signalC, signalText, signalWire, taskName } from './fields.js';
import { taskOf } from './world.js';
import type { OpDef } from './types.js';
import { fp } from './footprint.js';

const schemaOf = <K extends 'kill' | 'tgkill'>(op: K) => z.strictObject({ op: z.literal(op), ...base, target: taskName, signal: signal.optional() });
export type SignalStep<K extends 'kill' | 'tgkill'> = z.infer<ReturnType<typeof schemaOf<K>>>;

/** The generator's signals: mostly the probe and SIGUSR1, sometimes the others. */
export const GEN_SIGNALS = [0, 'SIGUSR1', 0, 'SIGUSR1', 'SIGUSR2', 'SIGIO', 'SIGURG', 0] as const;

/** A generated step of the kill family with signal number `c` of GEN_SIGNALS (the probe left implicit). */
export function withGenSignal<S extends object>(st: S, c: number): S & { signal?: Exclude<(typeof GEN_SIGNALS)[number], 0> } {
  const sig = GEN_SIGNALS[c % GEN_SIGNALS.length]!;
  return sig === 0 ? st : { ...st, signal: sig };
}

export function signalOp<K extends 'kill' | 'tgkill'>(op: K, weight: number): OpDef<SignalStep<K>> {
  const schema = schemaOf(op);
  return {
    op,
    schema: schema as unknown as z.ZodType<SignalStep<K>>,
    names: { tasks: [{ field: 'target', alive: false }] },
    text: (st) => `${st.by} ${st.op} ${st.target}${st.signal ? ` ${st.signal}` : ''}`,
    wire: (st, e) => [e.task(st.target), signalWire(st.signal)],
    apply: (w, t, st) => {
      const target = taskOf(w, st.target);
      if (!target.proc.alive) return { result: 'ESRCH', note: `${st.target}'s process has exited` };
      const victim = op === 'kill' ? target.proc.leader : target;
      const { denial, reach } = killOne(w, t, victim, { syscall: op, signal: signalText(st.signal), queue: op === 'kill' ? 'process' : 'thread' });
      if (denial) return { result: denial.errno, denial, reach };
      return { result: 'ok', reach };
    },
    // A delivered signal is pending until an await_signal takes it.
    readOnly: false,
    observes: [],
    // Footprint: the target's process (alive) and the credentials judged; a real signal (not the
    // probe 0) writes the pending set it joins.
    footprint: (w, t, st) => {
      const target = taskOf(w, st.target);
      const f = fp(t).proc(target.proc);
      if (!target.proc.alive) return f.done();
      const victim = op === 'kill' ? target.proc.leader : target;
      f.task(victim);
      if (signalText(st.signal) !== '0') {
        if (op === 'kill') f.procPending(target.proc, true);
        else f.taskPending(victim, true);
      }
      return f.done();
    },
    reaches: 'signal',
    gen: {
      weight,
      needsSock: false,
      build: (g) => {
        g.push(withGenSignal({ op, by: g.by, target: g.tasks[g.x.d % g.tasks.length]! }, g.x.c));
      },
    },
    exhaustive: {
      label: op,
      asks: true,
      successors: (x) => {
        const out: SignalStep<K>[] = [];
        for (const target of x.tasks) if (op === 'kill' ? target !== x.t : target.proc.alive) out.push({ op, by: x.t.name, target: target.name } as SignalStep<K>);
        return out;
      },
    },
    c: (st, x) => [`.a = ${x.task(st.target)}`, `.sig = ${signalC(st.signal)}`],
    kselftest: (st, x) => {
      const t = x.task(st.target);
      const sig = signalC(st.signal);
      const ex = x.exitedAt(st.target);
      if (ex !== undefined && ex < x.i)
        return { lines: [`\t/* ${st.target} exited at #${ex} and was reaped: ESRCH, its pid is never signalled */`, `\tEXPECT_EQ(${x.want}, ESRCH);`] };
      if (op === 'kill') return { lines: [`\tEXPECT_EQ(${x.want}, RES(kill(ctx->pid[${t}], ${sig})));`] };
      return { lines: [`\tEXPECT_EQ(${x.want}, RES(syscall(__NR_tgkill, ctx->pid[${t}], ctx->tid[${t}], ${sig})));`] };
    },
    shell: (st, x) => {
      const sig = signalWire(st.signal);
      x.out.push(x.head);
      if (op === 'tgkill') x.out.push('#   no shell equivalent for tgkill; kill on the process instead');
      x.out.push(x.exp);
      const v = x.pidVar.get(st.target);
      if (v) x.out.push(`${x.p}/bin/kill -s ${sig} "$${v}"; echo "#${x.i} kill: exit status $? (0 = ok)"`);
      else {
        // A stand-in for the target: a sleeping process in its sandbox.
        const sv = `PID_${st.target}`;
        x.out.push(`${x.prefix(st.target)}sleep 600 & ${sv}=$!; sleep 0.2   # a stand-in for ${st.target}, in its sandbox`);
        x.pidVar.set(st.target, sv);
        x.bg.push(sv);
        x.out.push(`${x.p}/bin/kill -s ${sig} "$${sv}"; echo "#${x.i} kill: exit status $? (0 = ok)"`);
      }
    },
    picture: (st, x) => {
      const r = x.outcome.reach;
      x.edge(x.taskNode(r ? r.targetName : st.target));
    },
  };
}
