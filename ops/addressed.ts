/** What connect and sendto share: how the generator aims them, their shell commands and their arrows. */

import type { Address } from '../model/uapi.js';
import type { GenContext, PictureContext, ShellContext } from './types.js';

/** Usually a fresh client of the server's type; sometimes a socket the process already holds; for sendto, sometimes the current peer by address (the peer exemption). */
export function genAddressed(g: GenContext, kind: 'connect' | 'sendto'): void {
  const { by, x, held, sock, addr } = g;
  const want = kind === 'sendto' ? 'dgram' : g.boundType.get(addr);
  const peered = kind === 'sendto' && x.c % 2 === 0 ? held.find((h) => g.connectedTo.has(h)) : undefined;
  if (peered) g.push({ op: 'sendto', by, sock: peered, addr: g.connectedTo.get(peered)! });
  else if (want && x.d % 4 !== 0 && !(kind === 'connect' && x.d % 4 === 1)) {
    const s = g.newSock();
    g.push({ op: 'socket', by, sock: s, type: want });
    g.typeOf.set(s, want);
    held.push(s);
    g.push({ op: kind, by, sock: s, addr });
    if (kind === 'connect' && want === 'dgram') g.connectedTo.set(s, addr);
  } else {
    g.push({ op: kind, by, sock, addr });
    if (kind === 'connect' && g.typeOf.get(sock) === 'dgram') g.connectedTo.set(sock, addr);
  }
}

export function shellAddressed(st: { op: 'connect' | 'sendto'; sock: string; addr: Address }, x: ShellContext): void {
  const info = x.sockInfo.get(st.sock);
  const type = info?.type ?? 'stream';
  const kind = type === 'dgram' ? 'sendto' : st.op === 'sendto' ? null : 'connect';
  x.out.push(x.head, x.exp);
  if (!kind) x.out.push('#   no shell equivalent (sendto on a connection-oriented socket)');
  else {
    x.out.push(`echo x | ${x.p}socat - ${x.socat(kind, st.addr, type)}; echo "#${x.i} ${st.op}: socat exit status $? (0 = ok)"`);
    if (type === 'dgram' && st.op === 'connect') x.out.push('#   (socat connects and sends in one go: the next send is included)');
  }
}

/** An arrow to the socket reached (an embryo is drawn as its listener), else to the address. */
export function pictureAddressed(st: { op: 'connect' | 'sendto'; sock: string; addr: Address }, x: PictureContext): void {
  const r = x.outcome.reach;
  const target = r ? (r.listener ?? r.targetName) : x.boundAt(st.addr);
  const node = target ? x.sockNode(target) : null;
  x.edge(node ?? x.addrNode(st.addr));
  if (st.op === 'connect' && x.ok && target) x.setPeer(st.sock, target);
}

