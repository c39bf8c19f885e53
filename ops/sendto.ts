/** sendto() with an address: one datagram (net/unix/af_unix.c: unix_dgram_sendmsg; seqpacket ignores the address). */
import { z } from 'zod';
import * as unix from '../model/af_unix.js';
import { addrText } from '../model/uapi.js';
import { genAddressed, pictureAddressed, shellAddressed } from './addressed.js';
import { address, base, sockName } from './fields.js';
import { onHeld } from './world.js';
import type { OpDef } from './types.js';
import { boundAt, fp, heldSock } from './footprint.js';

const schema = z.strictObject({ op: z.literal('sendto'), ...base, sock: sockName, addr: address });
export type SendtoStep = z.infer<typeof schema>;

export const sendto: OpDef<SendtoStep> = {
  op: 'sendto',
  schema,
  names: { sockets: ['sock'] },
  text: (st) => `${st.by} sendto ${st.sock} -> ${addrText(st.addr)}`,
  wire: (st, e) => [e.sock(st.sock), e.addr(st.addr)],
  apply: (w, t, st) => onHeld(w, t, st.sock, (s) => unix.sendto(w, t, s, st.addr)),
  readOnly: false,
  observes: [],
  // Footprint: the socket (its pending error, its peer), the address looked up, the socket bound there now, and the peer.
  footprint: (w, t, st) => {
    const s = heldSock(w, t, st.sock);
    if (!s) return fp(t).sockNamed(st.sock).quiet().done(); // EBADF
    const other = boundAt(w, s.type, st.addr);
    // Quiet where af_unix.c fails before any hook, and then it writes nothing: a stream socket
    // (EISCONN / EOPNOTSUPP), nothing bound at the address (unix_find_other) — but a datagram
    // socket's pending error, which the call returns and clears (sock_error), comes first.
    if (s.type === 'dgram' && s.err !== null) return fp(t).sock(s, true).quiet().done();
    if (s.type === 'stream' || (s.type === 'dgram' && !other)) return fp(t).sock(s).addr(s.type, st.addr).quiet().done();
    return fp(t).sock(s, true).addr(s.type, st.addr).sock(other, true).sock(s.peer, true).done();
  },
  reaches: 'address',
  gen: { weight: 8, needsSock: true, build: (g) => genAddressed(g, 'sendto') },
  exhaustive: {
    label: 'sendto',
    asks: true,
    successors: (x) => {
      const out: SendtoStep[] = [];
      for (const s of x.t.proc.fds) if (s.type === 'dgram') for (const addr of x.addrs) out.push({ op: 'sendto', by: x.t.name, sock: s.name, addr });
      return out;
    },
  },
  c: (st, x) => [`.a = ${x.sock(st.sock)}`, `.addr = ${x.addr(st.addr)}`],
  kselftest: (st, x) => ({
    lines: [
      `\taddr_len = ${x.addr(st.addr)};`,
      `\tEXPECT_EQ(${x.want}, RES(sendto(sock[${x.sock(st.sock)}], "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&addr, addr_len)));`,
    ],
  }),
  shell: shellAddressed,
  picture: pictureAddressed,
};
