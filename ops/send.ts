/**
 * send() without an address: on a stream connection, or to a datagram socket's peer
 * (unix_dgram_sendmsg: unix_may_send with the peer exemption). With `oob`, MSG_OOB: urgent data,
 * stream sockets only, which makes the kernel send SIGURG to the receiving socket's owner.
 */
import { z } from 'zod';
import * as unix from '../model/af_unix.js';
import { base, sockName } from './fields.js';
import { onHeld } from './world.js';
import type { OpDef } from './types.js';
import { fp, heldSock } from './footprint.js';

const schema = z.strictObject({ op: z.literal('send'), ...base, sock: sockName, oob: z.boolean().optional() });
export type SendStep = z.infer<typeof schema>;

export const send: OpDef<SendStep> = {
  op: 'send',
  schema,
  names: { sockets: ['sock'] },
  text: (st) => `${st.by} send ${st.sock}${st.oob ? ' oob' : ''}`,
  wire: (st, e) => [e.sock(st.sock), st.oob ? '1' : '0'],
  apply: (w, t, st) => onHeld(w, t, st.sock, (s) => unix.send(w, t, s, st.oob ?? false)),
  readOnly: false,
  observes: [],
  // Footprint: the socket and its peer (an embryo: its listener's).
  footprint: (w, t, st) => {
    const s = heldSock(w, t, st.sock);
    return s ? fp(t).sock(s, true).sock(s.peer, true).done() : fp(t).sockNamed(st.sock).done();
  },
  reaches: 'connected',
  gen: { weight: 4, needsSock: true, build: (g) => g.push(g.x.d % 5 === 0 ? { op: 'send', by: g.by, sock: g.sock, oob: true } : { op: 'send', by: g.by, sock: g.sock }) },
  exhaustive: {
    label: 'send',
    asks: true,
    successors: (x) => {
      const out: SendStep[] = [];
      for (const s of x.t.proc.fds) if (s.peer) out.push({ op: 'send', by: x.t.name, sock: s.name });
      return out;
    },
  },
  c: (st, x) => [`.a = ${x.sock(st.sock)}`, `.c = ${st.oob ? 1 : 0}`],
  kselftest: (st, x) => ({
    lines: [`\tEXPECT_EQ(${x.want}, RES(send(sock[${x.sock(st.sock)}], "x", 1, ${st.oob ? 'MSG_OOB | ' : ''}MSG_DONTWAIT | MSG_NOSIGNAL)));`],
  }),
  shell: (_st, x) => {
    x.out.push(x.head, '#   (included in the socat client of the connect step above)', x.exp);
  },
  picture: (st, x) => {
    const r = x.outcome.reach;
    const target = r ? (r.listener ?? r.targetName) : x.peerOf(st.sock);
    const node = target ? x.sockNode(target) : null;
    if (node) x.edge(node);
  },
};
