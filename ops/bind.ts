/** bind(): an abstract name, or a socket inode at a path (net/unix/af_unix.c: unix_bind; LANDLOCK_ACCESS_FS_MAKE_SOCK). */
import { z } from 'zod';
import * as unix from '../model/af_unix.js';
import { addrText } from '../model/uapi.js';
import { address, base, sockName } from './fields.js';
import { onHeld } from './world.js';
import type { OpDef } from './types.js';
import { fp, heldSock } from './footprint.js';

const schema = z.strictObject({ op: z.literal('bind'), ...base, sock: sockName, addr: address });
export type BindStep = z.infer<typeof schema>;

export const bind: OpDef<BindStep> = {
  op: 'bind',
  schema,
  names: { sockets: ['sock'] },
  text: (st) => `${st.by} bind ${st.sock} ${addrText(st.addr)}`,
  wire: (st, e) => [e.sock(st.sock), e.addr(st.addr)],
  apply: (w, t, st) => onHeld(w, t, st.sock, (s) => unix.bind(w, t, s, st.addr)),
  readOnly: false,
  observes: [],
  // Footprint: the socket and the address (for a pathname, the filesystem). Asks no hook (make_sock
  // is the model's own check, its record not a hook's).
  footprint: (w, t, st) => {
    const s = heldSock(w, t, st.sock);
    return (s ? fp(t).sock(s, true).addr(s.type, st.addr, true) : fp(t).sockNamed(st.sock)).quiet().done();
  },
  reaches: null,
  gen: {
    weight: 10,
    needsSock: true,
    build: (g) => {
      const { by, sock, addr } = g;
      if (!('abstract' in addr) && addr.pathname.startsWith('d/') && !g.dirs.has('d')) {
        g.push({ op: 'mkdir', by, path: 'd' });
        g.dirs.add('d');
      }
      g.push({ op: 'bind', by, sock, addr });
      if (!g.bound.includes(addr)) g.bound.push(addr);
      g.boundType.set(addr, g.typeOf.get(sock)!);
      // Most servers listen right away (a stream server is useless otherwise).
      if (g.typeOf.get(sock) !== 'dgram' && g.x.d < 24) g.push({ op: 'listen', by, sock });
    },
  },
  exhaustive: {
    label: 'bind (@a, p)',
    asks: false,
    successors: (x) => {
      const out: BindStep[] = [];
      for (const s of x.t.proc.fds) if (!s.addr) for (const addr of x.addrs) out.push({ op: 'bind', by: x.t.name, sock: s.name, addr });
      return out;
    },
  },
  c: (st, x) => [`.a = ${x.sock(st.sock)}`, `.addr = ${x.addr(st.addr)}`],
  kselftest: (st, x) => ({
    lines: [`\taddr_len = ${x.addr(st.addr)};`, `\tEXPECT_EQ(${x.want}, RES(bind(sock[${x.sock(st.sock)}], (struct sockaddr *)&addr, addr_len)));`],
    ...('pathname' in st.addr ? { undo: `\tEXPECT_EQ(0, unlink("${st.addr.pathname}"));` } : {}),
  }),
  shell: (st, x) => {
    const info = x.sockInfo.get(st.sock);
    x.out.push(x.head, x.exp);
    if (!info) return;
    info.addr = st.addr;
    if (info.type === 'dgram' && x.ok) {
      const v = `PID_${st.sock}`;
      x.out.push(`${x.p}socat -u ${x.socat('recv', st.addr, info.type)} /dev/null & ${v}=$!; sleep 0.3`);
      info.pid = v;
      x.pidVar.set(st.by, v);
      x.bg.push(v);
      if (info.by !== st.by) x.out.push(`#   note: socat creates the socket in ${st.by}'s sandbox, the scenario in ${info.by}'s`);
    } else x.out.push('#   (bound by the listening socat of the listen step)');
  },
  picture: (st, x) => {
    if (x.ok) x.bind(st.addr, st.sock);
  },
};
