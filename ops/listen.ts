/** listen(): a bound stream or seqpacket socket starts accepting connections (net/unix/af_unix.c: unix_listen). */
import { z } from 'zod';
import * as unix from '../model/af_unix.js';
import { base, sockName } from './fields.js';
import { onHeld } from './world.js';
import type { OpDef } from './types.js';
import { fp, heldSock } from './footprint.js';

const schema = z.strictObject({ op: z.literal('listen'), ...base, sock: sockName });
export type ListenStep = z.infer<typeof schema>;

export const listen: OpDef<ListenStep> = {
  op: 'listen',
  schema,
  names: { sockets: ['sock'] },
  text: (st) => `${st.by} listen ${st.sock}`,
  wire: (st, e) => [e.sock(st.sock)],
  apply: (w, t, st) => onHeld(w, t, st.sock, (s) => unix.listen(w, s)),
  readOnly: false,
  observes: [],
  // Footprint: the socket.
  footprint: (w, t, st) => {
    const s = heldSock(w, t, st.sock);
    return (s ? fp(t).sock(s, true) : fp(t).sockNamed(st.sock)).quiet().done();
  },
  reaches: null,
  gen: {
    weight: 6,
    needsSock: true,
    build: (g) => g.push({ op: 'listen', by: g.by, sock: g.sock }),
  },
  exhaustive: {
    label: 'listen',
    asks: false,
    successors: (x) => {
      const out: ListenStep[] = [];
      for (const s of x.t.proc.fds) if (s.type !== 'dgram' && s.addr && !s.listening) out.push({ op: 'listen', by: x.t.name, sock: s.name });
      return out;
    },
  },
  c: (st, x) => [`.a = ${x.sock(st.sock)}`],
  kselftest: (st, x) => ({ lines: [`\tEXPECT_EQ(${x.want}, RES(listen(sock[${x.sock(st.sock)}], ${unix.LISTEN_BACKLOG})));`] }),
  shell: (st, x) => {
    const info = x.sockInfo.get(st.sock);
    x.out.push(x.head, x.exp);
    if (info?.addr && x.ok) {
      const v = `PID_${st.sock}`;
      x.out.push(`${x.p}socat ${x.socat('listen', info.addr, info.type)} /dev/null & ${v}=$!; sleep 0.3`);
      info.pid = v;
      x.pidVar.set(st.by, v);
      x.bg.push(v);
      if (info.by !== st.by) x.out.push(`#   note: socat creates the socket in ${st.by}'s sandbox, the scenario in ${info.by}'s`);
    }
  },
  picture: () => {},
};
