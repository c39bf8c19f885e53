/** Passing a descriptor with SCM_RIGHTS (net/core/scm.c): the receiving process holds the same socket (or pidfd); its domain does not change. */
import { z } from 'zod';
import { base, sockName, taskName } from './fields.js';
import { onHeldFd, taskOf } from './world.js';
import type { OpDef } from './types.js';
import { GLOBAL } from './footprint.js';

const schema = z.strictObject({ op: z.literal('pass'), ...base, sock: sockName, to: taskName });
export type PassStep = z.infer<typeof schema>;

export const pass: OpDef<PassStep> = {
  op: 'pass',
  schema,
  names: { sockets: ['sock'], tasks: [{ field: 'to', alive: true }] },
  text: (st) => `${st.by} pass ${st.sock} -> ${st.to}`,
  wire: (st, e) => [e.sock(st.sock), e.task(st.to)],
  apply: (w, t, st) =>
    onHeldFd(
      w,
      t,
      st.sock,
      (s) => {
        taskOf(w, st.to).proc.fds.add(s);
        return { result: 'ok' };
      },
      (f) => {
        taskOf(w, st.to).proc.pidfds.add(f);
        return { result: 'ok' };
      },
    ),
  readOnly: false,
  observes: [],
  // Footprint: descriptors of two processes: GLOBAL (not in the exhaustive alphabet).
  footprint: () => GLOBAL,
  reaches: null,
  gen: {
    weight: 3,
    needsSock: true,
    build: (g) => {
      const to = g.alive[g.x.d % g.alive.length]!;
      g.push({ op: 'pass', by: g.by, sock: g.sock, to });
      g.give(to, g.sock);
    },
  },
  exhaustive: null,
  c: (st, x) => [`.a = ${x.sock(st.sock)}`, `.b = ${x.task(st.to)}`],
  kselftest: (st, x) => {
    const k = x.sock(st.sock);
    return {
      lines: [`\tif (sock[${k}] < 0) {`, `\t\tEXPECT_EQ(${x.want}, EBADF);`, '\t} else {', `\t\tEXPECT_EQ(${x.want}, 0);`, `\t\tpass_fd(${x.proc(st.to)}, ${k}, sock[${k}]);`, '\t}'],
    };
  },
  shell: (_st, x) => {
    x.out.push(x.head, '#   no shell equivalent (SCM_RIGHTS descriptor passing)', x.exp);
  },
  picture: () => {},
};
