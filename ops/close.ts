/** close(): the acting process drops its descriptor (a socket or a pidfd); a socket is released with the last one (unix_release_sock). */
import { z } from 'zod';
import { base, sockName } from './fields.js';
import { dropFd, onHeldFd } from './world.js';
import type { OpDef } from './types.js';
import { GLOBAL } from './footprint.js';

const schema = z.strictObject({ op: z.literal('close'), ...base, sock: sockName });
export type CloseStep = z.infer<typeof schema>;

export const close: OpDef<CloseStep> = {
  op: 'close',
  schema,
  names: { sockets: ['sock'] },
  text: (st) => `${st.by} close ${st.sock}`,
  wire: (st, e) => [e.sock(st.sock)],
  apply: (w, t, st) =>
    onHeldFd(
      w,
      t,
      st.sock,
      (s) => {
        dropFd(w, t, s);
        return { result: 'ok' };
      },
      (f) => {
        t.proc.pidfds.delete(f);
        return { result: 'ok' };
      },
    ),
  readOnly: false,
  observes: [],
  // Footprint: may release a socket (peers shut down, owners signalled): GLOBAL.
  footprint: () => GLOBAL,
  reaches: null,
  gen: {
    weight: 2,
    needsSock: true,
    build: (g) => {
      g.push({ op: 'close', by: g.by, sock: g.sock });
      g.held.splice(g.held.indexOf(g.sock), 1);
    },
  },
  exhaustive: null,
  c: (st, x) => [`.a = ${x.sock(st.sock)}`],
  kselftest: (st, x) => ({ lines: [`\tEXPECT_EQ(${x.want}, RES(close(sock[${x.sock(st.sock)}])));`, `\tsock[${x.sock(st.sock)}] = -1;`] }),
  shell: (_st, x) => {
    x.out.push(x.head, '#   (socat closes its socket when it exits)', x.exp);
  },
  picture: () => {},
};
