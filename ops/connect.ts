/**
 * connect(): a stream/seqpacket connection through the listener's backlog, or a datagram socket's
 * default peer (net/unix/af_unix.c: unix_stream_connect, unix_dgram_connect; the LSM hooks
 * unix_find, unix_stream_connect and unix_may_send decide on the way).
 */
import { z } from 'zod';
import * as unix from '../model/af_unix.js';
import { addrText } from '../model/uapi.js';
import { genAddressed, pictureAddressed, shellAddressed } from './addressed.js';
import { address, base, sockName } from './fields.js';
import { onHeld } from './world.js';
import type { OpDef } from './types.js';
import { boundAt, fp, heldSock } from './footprint.js';

const schema = z.strictObject({ op: z.literal('connect'), ...base, sock: sockName, addr: address });
export type ConnectStep = z.infer<typeof schema>;

export const connect: OpDef<ConnectStep> = {
  op: 'connect',
  schema,
  names: { sockets: ['sock'] },
  text: (st) => `${st.by} connect ${st.sock} -> ${addrText(st.addr)}`,
  wire: (st, e) => [e.sock(st.sock), e.addr(st.addr)],
  apply: (w, t, st) => onHeld(w, t, st.sock, (s) => unix.connect(w, t, s, st.addr)),
  readOnly: false,
  observes: [],
  // Footprint: the socket, the address looked up, the socket bound there now (its backlog, its
  // peer), and the socket's old peer (a datagram re-connect drops its queue, the peer gets
  // ECONNRESET). When nothing is bound there (af_unix.c unix_find_other fails before any hook:
  // ECONNREFUSED or the path lookup's error) or the descriptor is not held (EBADF): quiet, and
  // it writes nothing.
  footprint: (w, t, st) => {
    const s = heldSock(w, t, st.sock);
    if (!s) return fp(t).sockNamed(st.sock).quiet().done();
    const other = boundAt(w, s.type, st.addr);
    if (!other) return fp(t).sock(s).addr(s.type, st.addr).quiet().done();
    return fp(t).sock(s, true).addr(s.type, st.addr).sock(other, true).sock(s.peer, true).done();
  },
  reaches: 'address',
  gen: { weight: 13, needsSock: true, build: (g) => genAddressed(g, 'connect') },
  exhaustive: {
    label: 'connect',
    asks: true,
    successors: (x) => {
      const out: ConnectStep[] = [];
      for (const s of x.t.proc.fds) for (const addr of x.addrs) out.push({ op: 'connect', by: x.t.name, sock: s.name, addr });
      return out;
    },
  },
  c: (st, x) => [`.a = ${x.sock(st.sock)}`, `.addr = ${x.addr(st.addr)}`],
  kselftest: (st, x) => ({
    lines: [`\taddr_len = ${x.addr(st.addr)};`, `\tEXPECT_EQ(${x.want}, RES(connect(sock[${x.sock(st.sock)}], (struct sockaddr *)&addr, addr_len)));`],
  }),
  shell: shellAddressed,
  picture: pictureAddressed,
};
