/**
 * The registry of the scenario language's operations: one module per op, listed once here (the
 * analogue of security/landlock's landlock_hooks[] table). Every consumer reads an op's behaviour
 * from its OpDef; `Op` and `Step` are derived from this list, so adding an op here makes the
 * compiler name every place that still needs it (and test/ops-registry.test.ts checks the rest).
 *
 * The order is the generator's: action kinds are drawn by cumulative weight in this order.
 */
import { accept } from './accept.js';
import { await_signal } from './await_signal.js';
import { bind } from './bind.js';
import { close } from './close.js';
import { connect } from './connect.js';
import { exit } from './exit.js';
import { fork } from './fork.js';
import { kill } from './kill.js';
import { listen } from './listen.js';
import { mkdir } from './mkdir.js';
import { pass } from './pass.js';
import { restrict_self } from './restrict_self.js';
import { send } from './send.js';
import { sendto } from './sendto.js';
import { socket } from './socket.js';
import { socketpair } from './socketpair.js';
import { tgkill } from './tgkill.js';
import { thread } from './thread.js';
import { setpgid } from './setpgid.js';
import { setsid } from './setsid.js';
import { killpg } from './killpg.js';
import { kill_all } from './kill_all.js';
import { pidfd_open } from './pidfd_open.js';
import { pidfd_send_signal } from './pidfd_send_signal.js';
import { pdeathsig } from './pdeathsig.js';
import { setown } from './setown.js';
import { ptrace } from './ptrace.js';
import { ptrace_traceme } from './ptrace_traceme.js';
import { exec } from './exec.js';
import type { NameSpec, OpDef } from './types.js';

export const REGISTRY = {
  socket,
  connect,
  bind,
  restrict_self,
  fork,
  sendto,
  listen,
  kill,
  send,
  thread,
  pass,
  socketpair,
  mkdir,
  tgkill,
  close,
  exit,
  // Format 1.1 (docs/scenario-format.md, "Version 1.1 additions").
  await_signal,
  setown,
  accept,
  killpg,
  setpgid,
  pidfd_open,
  pidfd_send_signal,
  ptrace,
  setsid,
  kill_all,
  pdeathsig,
  ptrace_traceme,
  // Format 1.2 (docs/scenario-format.md, "Audit").
  exec,
} as const;

type Registry = typeof REGISTRY;
export type Op = keyof Registry;
type StepOfDef<D> = D extends OpDef<infer S> ? S : never;
/** One step of a scenario (docs/scenario-format.md, "Operations"). */
export type Step = { [K in Op]: StepOfDef<Registry[K]> }[Op];
export type StepOf<K extends Op> = Extract<Step, { op: K }>;

// Each entry is the op its key names.
REGISTRY satisfies { [K in Op]: OpDef<StepOf<K>> & { op: K } };

/** Every op, in registry order. */
export const OPS = Object.keys(REGISTRY) as Op[];

/** The definition of a step's op, typed for that step. */
export function opOf<S extends Step>(st: S): OpDef<S> {
  return REGISTRY[st.op] as unknown as OpDef<S>;
}

export const isOp = (s: string): s is Op => Object.hasOwn(REGISTRY, s);

/* ---- names, from each op's NameSpec ---- */

export type NameRole = 'newProcess' | 'newThread' | 'newSocket' | 'socket' | 'task';

export interface NameUse {
  role: NameRole;
  /** The field, e.g. "child", "sock", "socks.1". */
  field: string;
  name: string;
  /** For role "task": the task's process must not have exited. */
  alive?: boolean;
}

/** Per op, its named fields in the order validation and renaming visit them (from its NameSpec). */
const NAME_FIELDS = Object.fromEntries(
  OPS.map((op) => {
    const n = REGISTRY[op].names as NameSpec<Record<string, unknown>>;
    const f: { role: NameRole; key: string; alive?: boolean; nested?: boolean }[] = [];
    if (n.newProcess) f.push({ role: 'newProcess', key: n.newProcess });
    if (n.newThread) f.push({ role: 'newThread', key: n.newThread });
    for (const k of n.newSockets ?? []) f.push({ role: 'newSocket', key: k });
    for (const k of n.sockets ?? []) f.push({ role: 'socket', key: k });
    for (const t of n.tasks ?? []) f.push({ role: 'task', key: t.field, alive: t.alive });
    for (const t of n.taskIn ?? []) f.push({ role: 'task', key: t.field, alive: t.alive, nested: true });
    return [op, f];
  }),
) as Record<Op, { role: NameRole; key: string; alive?: boolean; nested?: boolean }[]>;

/** The names a step introduces and uses besides `by`, in the order validation and renaming visit them. */
export function namesOf(st: Step): NameUse[] {
  const out: NameUse[] = [];
  for (const f of NAME_FIELDS[st.op]) {
    const v = (st as unknown as Record<string, unknown>)[f.key];
    if (f.nested) {
      if (v && typeof v === 'object')
        for (const [k, name] of Object.entries(v as Record<string, unknown>))
          if (typeof name === 'string') out.push({ role: f.role, field: `${f.key}.${k}`, name, ...(f.alive === undefined ? {} : { alive: f.alive }) });
    } else if (typeof v === 'string') out.push(f.alive === undefined ? { role: f.role, field: f.key, name: v } : { role: f.role, field: f.key, name: v, alive: f.alive });
    else if (Array.isArray(v))
      v.forEach((name, i) => out.push(f.alive === undefined ? { role: f.role, field: `${f.key}.${i}`, name: String(name) } : { role: f.role, field: `${f.key}.${i}`, name: String(name), alive: f.alive }));
  }
  return out;
}

/** A copy of the step with every name (including `by`) mapped. */
export function renameStep<S extends Step>(st: S, task: (name: string, role: 'by' | NameRole) => string, sock: (name: string) => string): S {
  const x: Record<string, unknown> = { ...st, by: task(st.by, 'by') };
  for (const u of namesOf(st)) {
    const to = u.role === 'newSocket' || u.role === 'socket' ? sock(u.name) : task(u.name, u.role);
    const [key, idx] = u.field.split('.');
    if (idx === undefined) x[key!] = to;
    else if (Array.isArray(x[key!])) {
      const arr = [...(x[key!] as string[])];
      arr[Number(idx)] = to;
      x[key!] = arr;
    } else x[key!] = { ...(x[key!] as Record<string, string>), [idx]: to };
  }
  return x as S;
}

/** Tasks of a list of steps in the order they are introduced (P0 first). */
export function stepsTasks(steps: readonly Step[]): string[] {
  const out = ['P0'];
  for (const st of steps) for (const u of namesOf(st)) if (u.role === 'newProcess' || u.role === 'newThread') out.push(u.name);
  return out;
}

/** Socket names of a list of steps in the order they are introduced. */
export function stepsSockets(steps: readonly Step[]): string[] {
  const out: string[] = [];
  for (const st of steps) for (const u of namesOf(st)) if (u.role === 'newSocket') out.push(u.name);
  return out;
}

/**
 * Processes of a list of steps: each task's process (named by its first task), which tasks are
 * threads, and at which step each process exited.
 */
export function processes(steps: readonly Step[], upTo = steps.length): { procOf: Map<string, string>; threads: Set<string>; exitedAt: Map<string, number> } {
  const procOf = new Map<string, string>([['P0', 'P0']]);
  const threads = new Set<string>();
  const exitedAt = new Map<string, number>();
  const n = Math.min(upTo, steps.length);
  for (let i = 0; i < n; i++) {
    const st = steps[i]!;
    const names = opOf(st).names;
    const field = (k: string) => (st as unknown as Record<string, string>)[k]!;
    if (names.newProcess) procOf.set(field(names.newProcess), field(names.newProcess));
    if (names.newThread) {
      procOf.set(field(names.newThread), procOf.get(st.by)!);
      threads.add(field(names.newThread));
    }
    if (names.exitsProcess) exitedAt.set(procOf.get(st.by)!, i);
  }
  return { procOf, threads, exitedAt };
}
