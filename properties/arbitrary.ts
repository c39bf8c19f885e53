/**
 * Scenario generation, valid by construction.
 *
 * fast-check draws a plain array of small action records; `buildScenario` turns it into a
 * scenario, reading each number modulo what exists at that point (live tasks, sockets the acting
 * process holds, an address pool). Every array maps to a valid scenario, so fast-check's array
 * shrinker (drop records, shrink numbers toward 0) always produces valid, smaller scenarios, and
 * recorded arrays shrink without context.
 */
import fc from 'fast-check';
import type { Address, FsRightName, Scenario, ScopeName, SocketType, Step } from '../format/scenario.js';
import { SCENARIO_FORMAT } from '../format/scenario.js';
import { ACCESS_FS_RESOLVE_UNIX, scopeNames } from '../model/limits.js';
import type { Semantics } from '../model/semantics/types.js';

/** One generated action; its numbers are read modulo what exists when it is built. */
export interface Action {
  /** Kind, by cumulative weight (0..99). */
  k: number;
  /** Acting task. */
  a: number;
  /** Socket / restrict profile / socket type. */
  b: number;
  /** Address / second socket. */
  c: number;
  /** Target task / recipient. */
  d: number;
}

/** Parameters of the metamorphic properties (a layer to insert, a step to re-attribute). */
export interface Extra {
  pos: number;
  who: number;
  profile: number;
  pick: number;
}

export interface GenInput {
  actions: Action[];
  extra: Extra;
}

const KINDS: [string, number][] = [
  ['socket', 11],
  ['connect', 13],
  ['bind', 10],
  ['restrict', 12],
  ['fork', 9],
  ['sendto', 8],
  ['listen', 6],
  ['kill', 6],
  ['send', 4],
  ['thread', 3],
  ['pass', 3],
  ['socketpair', 5],
  ['mkdir', 3],
  ['tgkill', 3],
  ['close', 2],
  ['exit', 1],
];
const TOTAL = KINDS.reduce((s, [, w]) => s + w, 0);

function kindOf(k: number): string {
  let x = k % TOTAL;
  for (const [name, w] of KINDS) {
    if (x < w) return name;
    x -= w;
  }
  return 'socket';
}

export const ADDRESSES: readonly Address[] = [
  { abstract: 'a0' },
  { pathname: 's0' },
  { abstract: 'a1' },
  { pathname: 'd/s1' },
  { abstract: 'a2' },
  { pathname: 's2' },
];
const DIRS = ['d', 'd/e'];
const TYPES: SocketType[] = ['stream', 'dgram', 'seqpacket'];

export const PROFILE_COUNT = 11;

/** Draws 0..31 onto a profile; the full sandbox (profile 0) gets 6 of the 32 values. */
export const profileOf = (n: number): number => (n % 32 < 6 ? 0 : ((n % 32) - 6) % (PROFILE_COUNT - 1) + 1);

/** The restrict_self fields of a profile; profile 0 turns on every IPC restriction `sem` offers. */
export function restrictProfile(n: number, sem: Semantics): Omit<Extract<Step, { op: 'restrict_self' }>, 'op' | 'by'> {
  switch (profileOf(n)) {
    case 0:
      return fullSandbox(sem);
    case 1:
      return { scoped: ['abstract_unix_socket'] };
    case 2:
      return { scoped: ['signal'] };
    case 3:
      return { scoped: ['abstract_unix_socket', 'signal'] };
    case 4:
      return { handled_fs: ['read_dir'] };
    case 5:
      return { handled_fs: ['resolve_unix'] };
    case 6:
      return { handled_fs: ['resolve_unix'], rules: [{ path: 'd', access: ['resolve_unix'] }] };
    case 7:
      return { scoped: ['pathname_unix_socket'] };
    case 8:
      return { scoped: ['abstract_unix_socket', 'pathname_unix_socket', 'signal'] };
    case 9:
      return { scoped: ['signal'], tsync: true };
    default:
      return { handled_fs: ['make_sock'], rules: [{ path: 'd', access: ['make_sock'] }] };
  }
}

/** Every IPC restriction a semantics offers: all its scope bits, plus RESOLVE_UNIX with no rule. */
export function fullSandbox(sem: Semantics): { scoped: ScopeName[]; handled_fs?: FsRightName[] } {
  const scoped = scopeNames(sem.scopes);
  return sem.fsRights & ACCESS_FS_RESOLVE_UNIX ? { scoped, handled_fs: ['resolve_unix'] } : { scoped };
}

/** Builds the scenario an action array stands for. Deterministic; never invalid. */
export interface BuildOptions {
  /** Best-effort sandboxing for two semantics: profile 0 applies this one's strongest profile after `sem`'s, and the pathname scope (profile 7) is followed by RESOLVE_UNIX with a rule. */
  dual?: Semantics;
}

export function buildScenario(actions: readonly Action[], sem: Semantics, opts: BuildOptions = {}): Scenario {
  interface P {
    alive: boolean;
    fds: string[];
  }
  const steps: Step[] = [];
  const procOf = new Map<string, P>();
  const p0: P = { alive: true, fds: [] };
  procOf.set('P0', p0);
  const tasks = ['P0'];
  let nextTask = 1;
  let nextSock = 0;
  const dirs = new Set<string>();
  /** Addresses some bind step used: connect and sendto aim at them most of the time. */
  const bound: Address[] = [];
  const typeOf = new Map<string, SocketType>();
  const boundType = new Map<Address, SocketType>();
  /** Datagram sockets some connect step aimed at an address. */
  const connectedTo = new Map<string, Address>();
  const live = () => tasks.filter((t) => procOf.get(t)!.alive);
  for (const x of actions) {
    const alive = live();
    if (alive.length === 0) break;
    const by = alive[x.a % alive.length]!;
    const proc = procOf.get(by)!;
    const kind = kindOf(x.k);
    const held = proc.fds;
    const needSock = ['bind', 'listen', 'connect', 'sendto', 'send', 'pass', 'close'].includes(kind);
    if (needSock && held.length === 0) {
      const sock = `s${nextSock++}`;
      steps.push({ op: 'socket', by, sock, type: TYPES[x.b % 3]! });
      typeOf.set(sock, TYPES[x.b % 3]!);
      held.push(sock);
      continue;
    }
    const sock = held[x.b % Math.max(1, held.length)]!;
    const addr = x.c < 22 && bound.length ? bound[x.c % bound.length]! : ADDRESSES[x.c % ADDRESSES.length]!;
    switch (kind) {
      case 'socket': {
        const s = `s${nextSock++}`;
        steps.push({ op: 'socket', by, sock: s, type: TYPES[x.b % 3]! });
        typeOf.set(s, TYPES[x.b % 3]!);
        held.push(s);
        break;
      }
      case 'socketpair': {
        const s0 = `s${nextSock++}`;
        const s1 = `s${nextSock++}`;
        steps.push({ op: 'socketpair', by, socks: [s0, s1], type: TYPES[x.b % 3]! });
        typeOf.set(s0, TYPES[x.b % 3]!);
        typeOf.set(s1, TYPES[x.b % 3]!);
        held.push(s0, s1);
        break;
      }
      case 'fork': {
        const child = `P${nextTask++}`;
        steps.push({ op: 'fork', by, child });
        procOf.set(child, { alive: true, fds: [...held] });
        tasks.push(child);
        break;
      }
      case 'thread': {
        const child = `T${nextTask++}`;
        steps.push({ op: 'thread', by, child });
        procOf.set(child, proc);
        tasks.push(child);
        break;
      }
      case 'exit':
        if (alive.length === 1) break; // keep one task alive
        steps.push({ op: 'exit', by });
        proc.alive = false;
        proc.fds.length = 0;
        break;
      case 'restrict':
        steps.push({ op: 'restrict_self', by, ...restrictProfile(x.b, sem) });
        if (opts.dual && profileOf(x.b) === 0) steps.push({ op: 'restrict_self', by, ...restrictProfile(x.b, opts.dual) });
        if (opts.dual && profileOf(x.b) === 7) {
          if (!dirs.has('d')) {
            steps.splice(steps.length - 1, 0, { op: 'mkdir', by, path: 'd' });
            dirs.add('d');
          }
          steps.push({ op: 'restrict_self', by, ...restrictProfile(6, opts.dual) });
        }
        break;
      case 'mkdir': {
        const path = DIRS[x.c % DIRS.length]!;
        steps.push({ op: 'mkdir', by, path });
        dirs.add(path);
        break;
      }
      case 'bind':
        if (!('abstract' in addr) && addr.pathname.startsWith('d/') && !dirs.has('d')) {
          steps.push({ op: 'mkdir', by, path: 'd' });
          dirs.add('d');
        }
        steps.push({ op: 'bind', by, sock, addr });
        if (!bound.includes(addr)) bound.push(addr);
        boundType.set(addr, typeOf.get(sock)!);
        // Most servers listen right away (a stream server is useless otherwise).
        if (typeOf.get(sock) !== 'dgram' && x.d < 24) steps.push({ op: 'listen', by, sock });
        break;
      case 'connect':
      case 'sendto': {
        // Usually a fresh client of the server's type; sometimes a socket the process already holds.
        const want = kind === 'sendto' ? 'dgram' : boundType.get(addr);
        // Sometimes a datagram to the socket's current peer, by address (the peer exemption).
        const peered = kind === 'sendto' && x.c % 2 === 0 ? held.find((h) => connectedTo.has(h)) : undefined;
        if (peered) steps.push({ op: 'sendto', by, sock: peered, addr: connectedTo.get(peered)! });
        else if (want && x.d % 4 !== 0 && !(kind === 'connect' && x.d % 4 === 1)) {
          const s = `s${nextSock++}`;
          steps.push({ op: 'socket', by, sock: s, type: want });
          typeOf.set(s, want);
          held.push(s);
          steps.push({ op: kind, by, sock: s, addr });
          if (kind === 'connect' && want === 'dgram') connectedTo.set(s, addr);
        } else {
          steps.push({ op: kind, by, sock, addr });
          if (kind === 'connect' && typeOf.get(sock) === 'dgram') connectedTo.set(sock, addr);
        }
        break;
      }
      case 'listen':
      case 'send':
        steps.push({ op: kind, by, sock });
        break;
      case 'close':
        steps.push({ op: 'close', by, sock });
        held.splice(held.indexOf(sock), 1);
        break;
      case 'pass': {
        const to = alive[x.d % alive.length]!;
        steps.push({ op: 'pass', by, sock, to });
        const dest = procOf.get(to)!;
        if (!dest.fds.includes(sock)) dest.fds.push(sock);
        break;
      }
      case 'kill':
      case 'tgkill': {
        const target = tasks[x.d % tasks.length]!;
        steps.push(x.c % 4 === 0 ? { op: kind, by, target, signal: 'SIGUSR1' } : { op: kind, by, target });
        break;
      }
    }
  }
  return { format: SCENARIO_FORMAT, steps };
}

const small = fc.nat({ max: 31 });

export const actionArb: fc.Arbitrary<Action> = fc.record({
  k: fc.nat({ max: TOTAL - 1 }),
  a: small,
  b: small,
  c: small,
  d: small,
});

export interface GenOptions {
  maxActions?: number;
}

export const DEFAULT_MAX_ACTIONS = 24;

export function genInputArb(o: GenOptions = {}): fc.Arbitrary<GenInput> {
  return fc.record({
    actions: fc.array(actionArb, { maxLength: o.maxActions ?? DEFAULT_MAX_ACTIONS, size: 'max' }),
    extra: fc.record({ pos: fc.nat({ max: 63 }), who: small, profile: small, pick: small }),
  });
}

/** `n` random scenarios from one seed (the corpus and fuzz generator). */
export function sampleInputs(n: number, seed: number, o: GenOptions = {}): GenInput[] {
  return n === 0 ? [] : fc.sample(genInputArb(o), { seed, numRuns: n });
}
