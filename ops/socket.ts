/** socket(AF_UNIX): the socket's file carries the creating thread's credentials, hence its domain (net/socket.c: sock_alloc_file). */
import { z } from 'zod';
import { newSock } from '../model/state.js';
import { base, sockName, socketType } from './fields.js';
import type { OpDef } from './types.js';
import { fp } from './footprint.js';

const schema = z.strictObject({ op: z.literal('socket'), ...base, sock: sockName, type: socketType });
export type SocketStep = z.infer<typeof schema>;

export const socket: OpDef<SocketStep> = {
  op: 'socket',
  schema,
  names: { newSockets: ['sock'] },
  text: (st) => `${st.by} socket ${st.sock} ${st.type}`,
  wire: (st, e) => [e.newSock(st.sock), st.type],
  apply: (w, t, st) => {
    t.proc.fds.add(newSock(w, st.sock, st.type, t));
    return { result: 'ok' };
  },
  readOnly: false,
  observes: [],
  // Footprint: the socket table (the next name) and the new socket (held by the acting process).
  footprint: (_w, t, st) => fp(t).socketTable(true).sockNamed(st.sock, true).quiet().done(),
  reaches: null,
  gen: {
    weight: 11,
    needsSock: false,
    build: (g) => {
      const s = g.newSock();
      const type = g.types[g.x.b % 3]!;
      g.push({ op: 'socket', by: g.by, sock: s, type });
      g.typeOf.set(s, type);
      g.held.push(s);
    },
  },
  exhaustive: {
    label: 'socket (stream, dgram)',
    asks: false,
    successors: (x) => (x.nextSock ? x.types.map((type) => ({ op: 'socket' as const, by: x.t.name, sock: x.nextSock!, type })) : []),
  },
  c: (st, x) => [`.a = ${x.sock(st.sock)}`, `.type = ${x.type(st.type)}`],
  kselftest: (st, x) => ({
    lines: [`\tsock[${x.sock(st.sock)}] = socket(AF_UNIX, ${x.type(st.type)} | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);`, `\tASSERT_LE(0, sock[${x.sock(st.sock)}]);`],
  }),
  shell: (st, x) => {
    x.sockInfo.set(st.sock, { type: st.type, by: st.by });
    x.out.push(x.head, '#   (created by the socat command of its bind/listen or connect below)', x.exp);
  },
  picture: (st, x) => x.addSocket(st.sock, st.type),
};
