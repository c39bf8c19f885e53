/** socketpair(AF_UNIX): two connected, unnamed sockets, both in the creator's domain (net/unix/af_unix.c: unix_socketpair). */
import { z } from 'zod';
import { newSock } from '../model/state.js';
import { base, sockName, socketType } from './fields.js';
import type { OpDef } from './types.js';
import { GLOBAL } from './footprint.js';

const schema = z.strictObject({ op: z.literal('socketpair'), ...base, socks: z.tuple([sockName, sockName]), type: socketType });
export type SocketpairStep = z.infer<typeof schema>;

export const socketpair: OpDef<SocketpairStep> = {
  op: 'socketpair',
  schema,
  names: { newSockets: ['socks'] },
  text: (st) => `${st.by} socketpair ${st.socks[0]},${st.socks[1]} ${st.type}`,
  wire: (st, e) => [e.newSock(st.socks[0]), e.newSock(st.socks[1]), st.type],
  apply: (w, t, st) => {
    const a = newSock(w, st.socks[0], st.type, t);
    const b = newSock(w, st.socks[1], st.type, t);
    a.peer = b;
    b.peer = a;
    a.connected = b.connected = true;
    t.proc.fds.add(a);
    t.proc.fds.add(b);
    return { result: 'ok' };
  },
  readOnly: false,
  observes: [],
  // Footprint: two new sockets: GLOBAL (not in the exhaustive alphabet).
  footprint: () => GLOBAL,
  reaches: null,
  gen: {
    weight: 5,
    needsSock: false,
    build: (g) => {
      const s0 = g.newSock();
      const s1 = g.newSock();
      const type = g.types[g.x.b % 3]!;
      g.push({ op: 'socketpair', by: g.by, socks: [s0, s1], type });
      g.typeOf.set(s0, type);
      g.typeOf.set(s1, type);
      g.held.push(s0, s1);
    },
  },
  exhaustive: null,
  c: (st, x) => [`.a = ${x.sock(st.socks[0])}`, `.b = ${x.sock(st.socks[1])}`, `.type = ${x.type(st.type)}`],
  kselftest: (st, x) => ({
    lines: [
      `\tASSERT_EQ(0, socketpair(AF_UNIX, ${x.type(st.type)} | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair));`,
      `\tsock[${x.sock(st.socks[0])}] = pair[0];`,
      `\tsock[${x.sock(st.socks[1])}] = pair[1];`,
    ],
  }),
  shell: (st, x) => {
    for (const n of st.socks) x.sockInfo.set(n, { type: st.type, by: st.by });
    x.out.push(x.head, '#   no shell equivalent (socketpair)', x.exp);
  },
  picture: (st, x) => {
    for (const n of st.socks) x.addSocket(n, st.type);
    x.setPeer(st.socks[0], st.socks[1]);
    x.setPeer(st.socks[1], st.socks[0]);
  },
};
