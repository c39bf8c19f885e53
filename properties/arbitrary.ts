/**
 * Scenario generation, valid by construction.
 *
 * fast-check draws a plain array of small action records; `buildScenario` turns it into a
 * scenario (with the explicit restrict profiles, GenProfiles), reading each number modulo what exists at that point (live tasks, sockets the acting
 * process holds, an address pool). Every array maps to a valid scenario, so fast-check's array
 * shrinker (drop records, shrink numbers toward 0) always produces valid, smaller scenarios, and
 * recorded arrays shrink without context.
 */
import fc from 'fast-check';
import { SCENARIO_FORMAT, type Scenario, type Step } from '../format/scenario.js';
import type { Semantics } from '../model/hooks.js';
import { ACCESS_FS_RESOLVE_UNIX, scopeNames } from '../model/limits.js';
import type { Address, FsRightName, ScopeName, SocketType } from '../model/uapi.js';
import { OPS, REGISTRY, type Op } from '../ops/index.js';
import type { GenContext, RestrictFields } from '../ops/types.js';

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

const KINDS = OPS.map((op) => [op, REGISTRY[op].gen.weight] as const);
const TOTAL = KINDS.reduce((s, [, w]) => s + w, 0);

/** The op an action draws, by cumulative weight in registry order. */
function kindOf(k: number): Op {
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

/**
 * The generator's restrict profiles. Profile 0 ("every restriction") follows one uAPI: all the
 * scope bits of a semantics, and RESOLVE_UNIX without a rule where it has it. The generator's
 * input is the action records *and* these profiles, recorded with a run by `name`: the same
 * records with the same profiles always build the same scenario, whatever semantics judges it.
 */
export interface GenProfiles {
  /** The semantics whose uAPI profile 0 follows. */
  readonly name: string;
  readonly full: RestrictFields;
  /** Whether restrict_self steps get LOG_* flags and quiet_scoped (where the uAPI logs at all: ABI 7); absent: neither. */
  readonly logging?: { readonly flags: boolean; readonly quiet: boolean };
}

/** The profiles that follow a semantics' uAPI. */
export function profilesOf(sem: Semantics): GenProfiles {
  // quiet_scoped is drawn wherever there is audit: before ABI 10 the kernel answers E2BIG, a fact worth checking too.
  return { name: sem.name, full: fullSandbox(sem), ...(sem.audit ? { logging: { flags: true, quiet: true } } : {}) };
}

/** Draws 0..31 onto a profile; the full sandbox (profile 0) gets 6 of the 32 values. */
export const profileOf = (n: number): number => (n % 32 < 6 ? 0 : ((n % 32) - 6) % (PROFILE_COUNT - 1) + 1);

/** The restrict_self fields of a profile; profile 0 turns on every IPC restriction of `p`'s uAPI. */
export function restrictProfile(n: number, p: GenProfiles): RestrictFields {
  switch (profileOf(n)) {
    case 0:
      return p.full;
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

export interface BuildOptions {
  /** Best-effort sandboxing for two uAPIs: profile 0 applies this one's strongest profile after the first's, and the pathname scope (profile 7) is followed by RESOLVE_UNIX with a rule. */
  dual?: GenProfiles;
}

/** Builds the scenario an action array stands for, each action by its op's `gen` (ops/*.ts). Deterministic; never invalid. */
export function buildScenario(actions: readonly Action[], profiles: GenProfiles, opts: BuildOptions = {}): Scenario {
  interface P {
    alive: boolean;
    fds: string[];
    threads: number;
  }
  const threadNames = new Set<string>();
  const steps: Step[] = [];
  const procOf = new Map<string, P>();
  procOf.set('P0', { alive: true, fds: [], threads: 0 });
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
  const dual = opts.dual;
  // One context for the whole build: its per-action fields are set before each op builds.
  let proc: P = procOf.get('P0')!;
  const ctx: { -readonly [K in keyof GenContext]: GenContext[K] } = {
    x: { k: 0, a: 0, b: 0, c: 0, d: 0 },
    by: 'P0',
    alive: [],
    held: [],
    pidfds: new Set(),
    sock: '',
    addr: ADDRESSES[0]!,
    types: TYPES,
    dirs,
    dirChoices: DIRS,
    bound,
    typeOf,
    boundType,
    connectedTo,
    tasks,
    threaded: false,
    logging: profiles.logging ?? { flags: false, quiet: false },
    push: (st) => void steps.push(st as Step),
    insertBeforeLast: (st) => void steps.splice(steps.length - 1, 0, st as Step),
    newTask: (prefix) => `${prefix}${nextTask++}`,
    newSock: () => `s${nextSock++}`,
    addProcess: (child, fds) => {
      procOf.set(child, { alive: true, fds, threads: 0 });
      tasks.push(child);
    },
    addThread: (child) => {
      procOf.set(child, proc);
      tasks.push(child);
      threadNames.add(child);
      proc.threads++;
    },
    exitProcess: () => {
      proc.alive = false;
      proc.fds.length = 0;
    },
    give: (to, sock) => {
      const dest = procOf.get(to)!;
      if (!dest.fds.includes(sock)) dest.fds.push(sock);
    },
    profile: (n) => restrictProfile(n, profiles),
    profileOf,
    dual: dual ? (n) => restrictProfile(n, dual) : null,
  };
  for (const x of actions) {
    const alive = live();
    if (alive.length === 0) break;
    const by = alive[x.a % alive.length]!;
    proc = procOf.get(by)!;
    const kind = kindOf(x.k);
    const held = proc.fds;
    const socks = held.filter((n) => !ctx.pidfds.has(n));
    if (REGISTRY[kind].gen.needsSock && socks.length === 0) {
      const sock = `s${nextSock++}`;
      steps.push({ op: 'socket', by, sock, type: TYPES[x.b % 3]! });
      typeOf.set(sock, TYPES[x.b % 3]!);
      held.push(sock);
      continue;
    }
    ctx.x = x;
    ctx.by = by;
    ctx.threaded = threadNames.has(by) || proc.threads > 0;
    ctx.alive = alive;
    ctx.held = held;
    ctx.sock = socks[x.b % Math.max(1, socks.length)]!;
    ctx.addr = x.c < 22 && bound.length ? bound[x.c % bound.length]! : ADDRESSES[x.c % ADDRESSES.length]!;
    REGISTRY[kind].gen.build(ctx);
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

/**
 * Scenarios as a fast-check arbitrary, built with `sem`'s restrict profiles: valid by construction,
 * shrinking with the action records. For fc.assert, or @fast-check/vitest's test.prop([scenarioArbitrary(abi11)]).
 */
export function scenarioArbitrary(sem: Semantics, o: GenOptions = {}): fc.Arbitrary<Scenario> {
  const p = profilesOf(sem);
  return genInputArb(o).map((g) => buildScenario(g.actions, p));
}
