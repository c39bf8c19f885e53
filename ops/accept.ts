/**
 * accept4(…, SOCK_NONBLOCK) (net/unix/af_unix.c: unix_accept): the server end of the oldest
 * pending connection gets a file now, created by the acting task: the socket's domain is the
 * acceptor's (net/socket.c: sock_alloc_file), whoever created the listener.
 */
import { z } from 'zod';
import * as unix from '../model/af_unix.js';
import { base, sockName } from './fields.js';
import { onHeld } from './world.js';
import type { OpDef } from './types.js';
import { GLOBAL } from './footprint.js';

const schema = z.strictObject({ op: z.literal('accept'), ...base, sock: sockName, new: sockName });
export type AcceptStep = z.infer<typeof schema>;

export const accept: OpDef<AcceptStep> = {
  op: 'accept',
  schema,
  names: { sockets: ['sock'], newSockets: ['new'] },
  text: (st) => `${st.by} accept ${st.sock} -> ${st.new}`,
  wire: (st, e) => [e.sock(st.sock), e.newSock(st.new)],
  apply: (w, t, st) => onHeld(w, t, st.sock, (s) => unix.accept(w, t, s, st.new)),
  readOnly: false,
  observes: [],
  // Footprint: creates a socket and moves a pending connection: GLOBAL (not in the exhaustive alphabet).
  footprint: () => GLOBAL,
  reaches: null,
  gen: {
    weight: 2,
    needsSock: true,
    build: (g) => {
      const n = g.newSock();
      g.push({ op: 'accept', by: g.by, sock: g.sock, new: n });
      g.typeOf.set(n, g.typeOf.get(g.sock) ?? 'stream');
      g.held.push(n);
    },
  },
  exhaustive: null,
  c: (st, x) => [`.a = ${x.sock(st.sock)}`, `.b = ${x.sock(st.new)}`],
  kselftest: (st, x) => {
    const k = x.sock(st.sock);
    const n = x.sock(st.new);
    return {
      lines: [
        `\tsock[${n}] = sock[${k}] < 0 ? -1 : accept4(sock[${k}], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);`,
        `\tEXPECT_EQ(${x.want}, sock[${k}] < 0 ? EBADF : sock[${n}] < 0 ? errno : 0);`,
      ],
    };
  },
  shell: (_st, x) => {
    x.out.push(x.head, '#   (socat accepts its connections itself)', x.exp);
  },
  picture: (st, x) => x.addSocket(st.new, 'stream'),
};
