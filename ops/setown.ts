/**
 * F_SETSIG, F_SETOWN_EX, F_SETFL |= O_ASYNC on a socket (fs/fcntl.c): the owner — a process, a
 * thread, or the process group of a task's process as of this step — is signalled when the socket
 * gets ready (SIGIO, or the F_SETSIG signal) and, for urgent data, with SIGURG. Landlock records
 * at F_SETOWN the domain those signals are judged by (security/landlock/fs.c:
 * hook_file_set_fowner) and checks each recipient with it (task.c: hook_file_send_sigiotask).
 */
import { z } from 'zod';
import { setOwner, type OwnerSpec } from '../model/fown.js';
import { base, realSignal, sockName, taskName } from './fields.js';
import { onHeld, taskOf } from './world.js';
import type { OpDef } from './types.js';
import { fp, heldSock } from './footprint.js';

const owner = z.union([z.strictObject({ process: taskName }), z.strictObject({ thread: taskName }), z.strictObject({ pgrp: taskName })], {
  error: 'must be {"process": task}, {"thread": task} or {"pgrp": task}',
});
const schema = z.strictObject({ op: z.literal('setown'), ...base, sock: sockName, owner, signal: realSignal.optional() });
export type SetownStep = z.infer<typeof schema>;
type Owner = SetownStep['owner'];

/** The owner's kind and task. */
export const ownerOf = (o: Owner): { kind: 'process' | 'thread' | 'pgrp'; task: string } =>
  'process' in o ? { kind: 'process', task: o.process } : 'thread' in o ? { kind: 'thread', task: o.thread } : { kind: 'pgrp', task: o.pgrp };
const KIND_NUMBER = { process: 0, thread: 1, pgrp: 2 } as const;

export const setown: OpDef<SetownStep> = {
  op: 'setown',
  schema,
  names: { sockets: ['sock'], taskIn: [{ field: 'owner', alive: false }] },
  text: (st) => {
    const o = ownerOf(st.owner);
    return `${st.by} setown ${st.sock} ${o.kind} ${o.task}${st.signal && st.signal !== 'SIGIO' ? ` ${st.signal}` : ''}`;
  },
  wire: (st, e) => {
    const o = ownerOf(st.owner);
    return [e.sock(st.sock), o.kind, e.task(o.task), (st.signal ?? 'SIGIO').slice(3)];
  },
  apply: (w, t, st) =>
    onHeld(w, t, st.sock, (s) => {
      const o = ownerOf(st.owner);
      const task = taskOf(w, o.task);
      const spec: OwnerSpec = o.kind === 'process' ? { type: 'process', proc: task.proc } : o.kind === 'thread' ? { type: 'thread', task } : { type: 'pgrp', pgid: task.proc.pgid };
      return setOwner(w, t, s, spec, st.signal ?? 'SIGIO');
    }),
  readOnly: false,
  observes: ['group-order'],
  // Footprint: the socket (its owner); whether the owner's pid exists and who the group's newest
  // member is read every process (and nothing here signals).
  footprint: (w, t, st) => {
    const s = heldSock(w, t, st.sock);
    return s ? fp(t).sockNamed(s.name, true).anyone().done() : fp(t).sockNamed(st.sock).done();
  },
  reaches: null,
  gen: {
    weight: 4,
    needsSock: true,
    build: (g) => {
      const kind = [0, 1, 1, 2][g.x.c % 4]!;
      // A group owner is mostly the acting task's own group: what the process-group fix is about.
      const who = kind === 1 && g.x.d % 3 !== 0 ? g.by : g.tasks[g.x.d % g.tasks.length]!;
      const o: Owner = kind === 0 ? { thread: who } : kind === 1 ? { pgrp: who } : { process: who };
      const signal = g.x.a % 4 === 0 ? { signal: 'SIGUSR2' as const } : {};
      if (g.x.b % 2 === 0) {
        g.push({ op: 'setown', by: g.by, sock: g.sock, owner: o, ...signal });
        return;
      }
      // The pattern of the selftests (sigio_to_pgid_*): an owned end of a new socketpair, the other
      // end made ready at once or by a later step.
      const [a, b] = [g.newSock(), g.newSock()];
      g.push({ op: 'socketpair', by: g.by, socks: [a, b], type: 'stream' });
      g.push({ op: 'setown', by: g.by, sock: a, owner: o, ...signal });
      for (const n of [a, b]) {
        g.typeOf.set(n, 'stream');
        g.held.push(n);
      }
      if (g.x.a % 3 !== 0) g.push({ op: 'send', by: g.by, sock: b });
    },
  },
  exhaustive: {
    label: 'setown (held sockets; each process, each thread, each group)',
    asks: true,
    successors: (x) => {
      const out: SetownStep[] = [];
      for (const s of x.t.proc.fds) {
        const groups = new Set<number>();
        for (const t of x.tasks) {
          if (!t.proc.alive) continue;
          if (t.proc.leader === t) out.push({ op: 'setown', by: x.t.name, sock: s.name, owner: { process: t.name } });
          out.push({ op: 'setown', by: x.t.name, sock: s.name, owner: { thread: t.name } });
          if (!groups.has(t.proc.pgid)) {
            groups.add(t.proc.pgid);
            out.push({ op: 'setown', by: x.t.name, sock: s.name, owner: { pgrp: t.name } });
          }
        }
      }
      return out;
    },
  },
  c: (st, x) => {
    const o = ownerOf(st.owner);
    return [`.a = ${x.sock(st.sock)}`, `.c = ${x.task(o.task)}`, `.d = ${KIND_NUMBER[o.kind]}`, `.sig = ${st.signal ?? 'SIGIO'}`];
  },
  kselftest: (st, x) => {
    const o = ownerOf(st.owner);
    // The kselftest reaps exited processes only at the end, and its P0 shares the harness's process
    // group: an exited owner (a zombie there, gone here) and group owners are not translated.
    if (o.kind === 'pgrp') return { lines: [], unsupported: 'process-group owners are not in the kselftest export (its processes share the harness\'s group)' };
    const ex = x.exitedAt(o.task);
    if (ex !== undefined && ex < x.i) return { lines: [], unsupported: `the owner ${o.task} exited at #${ex} (a zombie until the kselftest ends)` };
    const k = x.sock(st.sock);
    const t = x.task(o.task);
    const sig = st.signal && st.signal !== 'SIGIO' ? st.signal : '0';
    return {
      lines: [
        '\t{',
        '\t\tstruct f_owner_ex owner = {',
        `\t\t\t.type = ${o.kind === 'thread' ? 'F_OWNER_TID' : 'F_OWNER_PID'},`,
        `\t\t\t.pid = ctx->${o.kind === 'thread' ? 'tid' : 'pid'}[${t}],`,
        '\t\t};',
        '\t\tint err = 0;',
        '',
        `\t\tif (sock[${k}] < 0)`,
        '\t\t\terr = EBADF;',
        `\t\telse if (fcntl(sock[${k}], F_SETSIG, ${sig}) < 0)`,
        '\t\t\terr = errno;',
        `\t\telse if (fcntl(sock[${k}], F_SETOWN_EX, &owner) < 0)`,
        '\t\t\terr = errno;',
        `\t\telse if (fcntl(sock[${k}], F_SETFL, fcntl(sock[${k}], F_GETFL) | O_ASYNC) < 0)`,
        '\t\t\terr = errno;',
        `\t\tEXPECT_EQ(${x.want}, err);`,
        '\t}',
      ],
    };
  },
  shell: (_st, x) => {
    x.out.push(x.head, '#   no shell equivalent (F_SETOWN_EX)', x.exp);
  },
  picture: () => {},
};
