/**
 * Evaluates a scenario under a semantics: one outcome per step, with the acting task's domain and,
 * for a denial, the layer and the rule that decided. Pure: a new World per call.
 */
import type { Scenario, Step } from '../format/scenario.js';
import * as unix from './af_unix.js';
import { describeDomain } from './domain.js';
import { ACCESS_FS_MAKE_DIR } from './limits.js';
import { lookupCreate, parentOf, pathAccessDeniedLayer } from './fs.js';
import type { Semantics, SignalContext } from './semantics/types.js';
import { consultKill, newProcess, newSock, newWorld, type Sock, type StepOutcome, type Task, type World } from './state.js';
import { restrictSelf } from './syscalls.js';

export interface EvalOptions {
  /** Errata mask to use instead of the semantics' own. */
  errata?: number;
}

/** Evaluates every step; throws only for a scenario that failed validation (dangling names). */
export function evaluate(s: Scenario, semantics: Semantics, opts: EvalOptions = {}): StepOutcome[] {
  const w = newWorld(semantics, opts.errata ?? semantics.errata);
  return s.steps.map((st) => step(w, st));
}

/** Just the results, as a trace stores them. */
export function results(s: Scenario, semantics: Semantics, opts: EvalOptions = {}): string[] {
  return evaluate(s, semantics, opts).map((o) => o.result);
}

function taskOf(w: World, name: string): Task {
  const t = w.tasks.get(name);
  if (!t) throw new Error(`model: unknown task ${name} (scenario not validated?)`);
  return t;
}

/** The socket, if the acting process holds a descriptor for it. */
function held(w: World, t: Task, name: string): Sock | null {
  const s = w.sockets.get(name);
  return s && t.proc.fds.has(s) ? s : null;
}

function dropFd(w: World, t: Task, s: Sock): void {
  t.proc.fds.delete(s);
  if (!w.procs.some((p) => p.alive && p.fds.has(s))) unix.release(w, s);
}

export function step(w: World, st: Step): StepOutcome {
  const t = taskOf(w, st.by);
  w.decisions = [];
  const r = apply(w, t, st);
  const out: StepOutcome = { ...r, domain: describeDomain(t.domain) };
  return w.decisions.length ? { ...out, decisions: w.decisions } : out;
}

function apply(w: World, t: Task, st: Step): Omit<StepOutcome, 'domain'> {
  switch (st.op) {
    case 'fork':
      newProcess(w, st.child, t.domain, t.proc.fds);
      return { result: 'ok' };
    case 'thread': {
      const th: Task = { name: st.child, proc: t.proc, domain: t.domain };
      t.proc.tasks.push(th);
      w.tasks.set(st.child, th);
      return { result: 'ok' };
    }
    case 'exit': {
      const p = t.proc;
      p.alive = false;
      for (const s of [...p.fds]) dropFd(w, t, s);
      return { result: 'ok' };
    }
    case 'restrict_self':
      return restrictSelf(w, t, st);
    case 'mkdir': {
      const c = lookupCreate(w.tree, st.path);
      if (!c.ok) return { result: c.errno };
      const layer = pathAccessDeniedLayer(t.domain, ACCESS_FS_MAKE_DIR, parentOf(st.path));
      if (layer >= 0) return { result: 'EACCES', note: `layer ${layer} handles make_dir and has no rule for the parent` };
      w.tree.set(st.path, 'dir');
      return { result: 'ok' };
    }
    case 'socket':
      t.proc.fds.add(newSock(w, st.sock, st.type, t));
      return { result: 'ok' };
    case 'socketpair': {
      const a = newSock(w, st.socks[0], st.type, t);
      const b = newSock(w, st.socks[1], st.type, t);
      a.peer = b;
      b.peer = a;
      a.connected = b.connected = true;
      t.proc.fds.add(a);
      t.proc.fds.add(b);
      return { result: 'ok' };
    }
    case 'bind':
    case 'listen':
    case 'connect':
    case 'sendto':
    case 'send':
    case 'close':
    case 'pass': {
      const s = held(w, t, st.sock);
      if (!s) return { result: 'EBADF', note: `${t.name}'s process holds no descriptor for ${st.sock}` };
      switch (st.op) {
        case 'bind':
          return unix.bind(w, t, s, st.addr);
        case 'listen':
          return unix.listen(w, s);
        case 'connect':
          return unix.connect(w, t, s, st.addr);
        case 'sendto':
          return unix.sendto(w, t, s, st.addr);
        case 'send':
          return unix.send(w, t, s);
        case 'close':
          dropFd(w, t, s);
          return { result: 'ok' };
        case 'pass':
          taskOf(w, st.to).proc.fds.add(s);
          return { result: 'ok' };
      }
      break;
    }
    case 'kill':
    case 'tgkill': {
      const target = taskOf(w, st.target);
      if (!target.proc.alive) return { result: 'ESRCH', note: `${st.target}'s process has exited` };
      const victim = st.op === 'kill' ? target.proc.leader : target;
      const ctx: SignalContext = {
        sender: t.domain,
        target: victim.domain,
        sameThreadGroup: victim.proc === t.proc,
        syscall: st.op,
        errata: w.errata,
        senderTask: t.name,
        targetTask: victim.name,
      };
      const reach = {
        kind: 'signal' as const,
        clientTask: t.name,
        client: t.domain,
        target: victim.domain,
        targetName: victim.name,
        targetOwner: victim.name,
        isPeer: false,
        sameThreadGroup: ctx.sameThreadGroup,
        path: null,
      };
      const denial = consultKill(w, ctx);
      if (denial) return { result: denial.errno, denial, reach };
      return { result: 'ok', reach };
    }
  }
}
