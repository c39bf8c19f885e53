/**
 * The invariants of scoping, each with a stable name, a statement and, per semantics, the verdict
 * it should get. Each is a pure check of one evaluated scenario (and, for the metamorphic ones,
 * a variant of it).
 */
import { structuralErrors, type Scenario, type Step, type StepOf } from '../format/scenario.js';
import { callHook, isUnixDecision, type Decision, type UnixDecision } from '../model/hooks.js';
import { blockerOf, silencedBy } from '../model/audit.js';
import { namesOf, opOf, processes } from '../ops/index.js';
import { commonPrefix, describeDomain, isSameOrNested, sameDomain, youngestLayerWith, type Layer, type MaybeDomain } from '../model/domain.js';
import { ruleGrants } from '../model/fs.js';
import {
  ACCESS_FS_RESOLVE_UNIX,
  ERRATUM_2_SIGNAL_THREAD_GROUP,
  SCOPE_ABSTRACT_UNIX_SOCKET,
  SCOPE_PATHNAME_UNIX_SOCKET,
  SCOPE_SIGNAL,
} from '../model/limits.js';
import type { Semantics, Verdict } from '../model/semantics/types.js';
import type { Reach, StepOutcome } from '../model/state.js';
import { profilesOf, restrictProfile, type Extra } from './arbitrary.js';

export interface Violation {
  /** The step (of `scenario`) where the invariant breaks. */
  step: number;
  message: string;
  /**
   * A step that makes the violation show in the results, where they do not (a signal that got
   * through, or was refused, is visible only when its recipient takes it): inserted after `step`
   * in saved counterexamples (withWitness, properties/check.ts), so that a kernel shows it too.
   */
  witness?: Step;
  /** For metamorphic properties: the variant compared with, and where its step stands. */
  variant?: { label: string; scenario: Scenario; step: number };
}

export interface CheckInput {
  scenario: Scenario;
  sem: Semantics;
  outcomes: readonly StepOutcome[];
  extra: Extra;
  /** Evaluates another scenario under the same semantics (and errata). */
  evaluate: (s: Scenario) => StepOutcome[];
  /**
   * The steps before this one were judged already (the exhaustive search checks a scenario each
   * time it grows by a step): a state-local property need only judge steps from here on (it may
   * still read the earlier ones). Absent: 0.
   */
  from?: number;
}

export interface PropertyDef {
  readonly name: string;
  readonly statement: string;
  /**
   * state-local: decided by one step's outcome, which depends only on the state before it (the
   * exhaustive search is complete for these up to its bound); metamorphic: compares a scenario
   * with a variant of it (random mode only).
   */
  readonly kind: 'state-local' | 'metamorphic';
  /** Model evaluations per scenario checked (a metamorphic property evaluates the variant too): orders the work. */
  readonly cost: number;
  /** The verdict this property should get under a semantics (before its own `expectations`). */
  readonly expect: (sem: Semantics, errata: number) => Verdict;
  readonly check: (input: CheckInput) => Violation | null;
}

type Mech = 'abstract' | 'pathname' | 'signal';

/** Does the semantics let a group owner's signals escape scoping (no process-group fix, erratum 2 fixed)? */
const groupOwnerBypass = (sem: Semantics, errata: number): boolean => !!sem.fownGroupOwnerBypass && (errata & ERRATUM_2_SIGNAL_THREAD_GROUP) !== 0;

const mechName: Record<Mech, string> = {
  abstract: 'abstract UNIX sockets',
  pathname: 'pathname UNIX sockets',
  signal: 'signals',
};

/** Does this layer restrict the mechanism of `r` (scope bit, or RESOLVE_UNIX without a rule for the path)? */
function restricts(l: Layer, r: Reach): boolean {
  switch (r.kind) {
    case 'abstract':
      return (l.scope & SCOPE_ABSTRACT_UNIX_SOCKET) !== 0;
    case 'signal':
      return (l.scope & SCOPE_SIGNAL) !== 0;
    case 'pathname':
      return (
        (l.scope & SCOPE_PATHNAME_UNIX_SOCKET) !== 0 ||
        ((l.fs & ACCESS_FS_RESOLVE_UNIX) !== 0 && !ruleGrants(l.rules, ACCESS_FS_RESOLVE_UNIX, r.path ?? ''))
      );
    default:
      return false;
  }
}

/** A new connection, an addressed datagram, or a signal to another process: what scoping governs. */
function governed(r: Reach | undefined): r is Reach & { kind: Mech } {
  return !!r && (r.kind === 'abstract' || r.kind === 'pathname' || r.kind === 'signal') && !r.isPeer && !(r.kind === 'signal' && r.sameThreadGroup);
}

/** Every reach of a step that Landlock decided: its own (kill, connect…) and each further recipient (a group member, a file owner, the parent-death signal's target). */
export function reachesOf(o: StepOutcome, st?: Step): { reach: Reach; ok: boolean; denial: StepOutcome['denial']; signal?: string }[] {
  const out: { reach: Reach; ok: boolean; denial: StepOutcome['denial']; signal?: string }[] = [];
  const sig = st && 'signal' in st && st.signal ? { signal: String(st.signal) } : {};
  if (o.reach) out.push({ reach: o.reach, ok: o.result === 'ok', denial: o.denial, ...sig });
  for (const d of o.deliveries ?? []) out.push({ reach: d.reach, ok: d.allowed, denial: d.denial, signal: d.signal });
  return out;
}

/** The recipient of a real signal taking it: shows whether it arrived. */
function awaitWitness(r: Reach, signal: string | undefined): { witness?: Step } {
  if (r.kind !== 'signal' || !signal || signal === '0') return {};
  return { witness: { op: 'await_signal', by: r.targetName, signal: signal as StepOf<'await_signal'>['signal'] } };
}

const viaText = (r: Reach): string =>
  r.via === 'sigio' || r.via === 'sigurg' ? ` (${r.via.toUpperCase()} to the owner ${r.clientTask} set)` : r.via ? ` (${r.via})` : '';

const what = (r: Reach) =>
  r.kind === 'signal'
    ? `signalled ${r.targetName} (${describeDomain(r.target)})${viaText(r)}`
    : `reached ${r.targetName}, created by ${r.targetOwner} in ${describeDomain(r.target)},`;

/** The first step where a client reached a target outside one of its layers that `bad` picks. */
function firstOutsideReach(
  scenario: Scenario,
  outcomes: readonly StepOutcome[],
  extraCond: (r: Reach) => boolean,
  bad: (l: Layer, r: Reach) => boolean,
  why: string,
  from = 0,
): Violation | null {
  for (let i = from; i < outcomes.length; i++)
    for (const { reach: r, ok, signal } of reachesOf(outcomes[i]!, scenario.steps[i])) {
      if (!ok || !governed(r) || !r.client || !extraCond(r)) continue;
      const c = r.client;
      const k = commonPrefix(c, r.target);
      for (let j = c.layers.length - 1; j >= k; j--)
        if (bad(c.layers[j]!, r))
          return {
            step: i,
            message: `${r.clientTask} (${describeDomain(c)}) ${what(r)} outside layer ${j}, which ${why} ${mechName[r.kind as Mech]}`,
            ...awaitWitness(r, signal),
          };
    }
  return null;
}

const outsideUnreachable: PropertyDef = {
  name: 'outside-unreachable',
  kind: 'state-local',
  cost: 1,
  statement:
    'For each mechanism (abstract socket, pathname socket, signal), when a layer of the client\'s domain restricts it (its scope bit, or resolve_unix handled with no rule covering the path), no new connection or addressed datagram reaches a socket created outside that layer\'s domain, and no signal reaches a task outside it — whether by kill, tgkill, a process group, kill(-1), a pidfd, the parent-death signal or a file owner (the domain of whoever called F_SETOWN). A datagram peer connected before the restriction is not a new connection; threads of one process are the erratum-2 exception. Expected violated where a group owner\'s signals escape (no process-group fix).',
  expect: (sem, errata) => (groupOwnerBypass(sem, errata) ? 'violated' : 'holds'),
  check: ({ scenario, outcomes, from }) => firstOutsideReach(scenario, outcomes, () => true, restricts, 'restricts', from),
};

/** A layer that turns on every IPC restriction the semantics offers. */
function isFullSandbox(l: Layer, sem: Semantics): boolean {
  if ((l.scope & sem.scopes) !== sem.scopes) return false;
  if (sem.fsRights & ACCESS_FS_RESOLVE_UNIX)
    return (l.fs & ACCESS_FS_RESOLVE_UNIX) !== 0 && !l.rules.some((r) => r.access & ACCESS_FS_RESOLVE_UNIX);
  return true;
}

const sandboxClosed: PropertyDef = {
  name: 'sandbox-closed',
  kind: 'state-local',
  cost: 1,
  statement:
    'A domain that turns on every IPC restriction its semantics offers (all its scope bits, and resolve_unix with no rule where it exists) reaches no socket created outside it by address and signals no task outside it, by any path. Expected violated under abi6-abi8: pathname sockets are the gap the seed patch was written for; and where a group owner\'s signals escape (no process-group fix).',
  expect: (sem, errata) => (sem.pathnameRestriction === 'none' || groupOwnerBypass(sem, errata) ? 'violated' : 'holds'),
  check: ({ scenario, outcomes, sem, from }) =>
    firstOutsideReach(scenario, outcomes, () => true, (l) => isFullSandbox(l, sem), 'turns on every IPC restriction of the semantics, yet does not stop', from),
};

const siblingsIsolated: PropertyDef = {
  name: 'siblings-isolated',
  kind: 'state-local',
  cost: 1,
  statement:
    'Tasks in sibling domains (neither nested in the other) that restrict a mechanism cannot reach each other through it.',
  expect: () => 'holds',
  check: ({ scenario, outcomes, from }) =>
    firstOutsideReach(
      scenario,
      outcomes,
      (r) => !!r.client && !!r.target && !isSameOrNested(r.target, r.client) && !isSameOrNested(r.client, r.target),
      restricts,
      'restricts',
      from,
    ),
};

const insideReachable: PropertyDef = {
  name: 'inside-reachable',
  kind: 'state-local',
  cost: 1,
  statement:
    'A socket created in the client\'s own domain or a nested one, and a task there, is never denied by Landlock (no false denials; other errors such as ECONNREFUSED are not denials).',
  expect: () => 'holds',
  check: ({ outcomes, from = 0 }) => {
    for (let i = from; i < outcomes.length; i++)
      for (const { reach: r, denial } of reachesOf(outcomes[i]!))
        if (denial && isSameOrNested(r.target, r.client))
          return {
            step: i,
            message: `${r.clientTask} (${describeDomain(r.client)}) was denied (${denial.errno}, ${denial.mechanism}) ${r.targetName} in ${describeDomain(r.target)}${viaText(r)}, which is inside its domain`,
          };
    return null;
  },
};

const errnoByMechanism: PropertyDef = {
  name: 'errno-by-mechanism',
  kind: 'state-local',
  cost: 1,
  statement:
    'Abstract-socket, signal and the seed patch\'s pathname scopes deny with EPERM; resolve_unix denies with EACCES.',
  expect: () => 'holds',
  check: ({ outcomes, from = 0 }) => {
    const want: Record<string, string> = {
      abstract_unix_socket: 'EPERM',
      signal: 'EPERM',
      pathname_unix_socket: 'EPERM',
      resolve_unix: 'EACCES',
    };
    for (let i = from; i < outcomes.length; i++) {
      const d = outcomes[i]!.denial;
      if (d && want[d.mechanism] && want[d.mechanism] !== outcomes[i]!.result)
        return { step: i, message: `a ${d.mechanism} denial gave ${outcomes[i]!.result}, not ${want[d.mechanism]}` };
    }
    return null;
  },
};

const threadGroupSignals: PropertyDef = {
  name: 'thread-group-signals',
  kind: 'state-local',
  cost: 1,
  statement: 'Signals between threads of one process are always allowed (where erratum 2 is fixed).',
  expect: (_sem, errata) => (errata & ERRATUM_2_SIGNAL_THREAD_GROUP ? 'holds' : 'violated'),
  check: ({ scenario, outcomes, from = 0 }) => {
    for (let i = from; i < outcomes.length; i++)
      for (const { reach: r, ok, denial, signal } of reachesOf(outcomes[i]!, scenario.steps[i]))
        if (r.kind === 'signal' && r.sameThreadGroup && !ok && denial)
          return { step: i, message: `${r.clientTask} could not signal ${r.targetName}, a thread of its own process${viaText(r)} (${denial.errno})`, ...awaitWitness(r, signal) };
    return null;
  },
};

const inboundClosed: PropertyDef = {
  name: 'inbound-closed',
  kind: 'state-local',
  cost: 1,
  statement:
    'Nothing outside a domain can connect into it or signal into it: a socket or task whose domain restricts a mechanism is unreachable through it from outside that domain. Expected violated under every released semantics (scoping is outbound only; upstream "bidirectional scoping" discussion): a documented limitation.',
  expect: () => 'violated',
  check: ({ outcomes, from = 0 }) => {
    for (let i = from; i < outcomes.length; i++)
    for (const { reach: r, ok } of reachesOf(outcomes[i]!)) {
      if (!ok || !governed(r) || !r.target) continue;
      const t = r.target;
      const k = commonPrefix(r.client, t);
      for (let j = t.layers.length - 1; j >= k; j--)
        if (restricts(t.layers[j]!, r))
          return {
            step: i,
            message: `${r.clientTask} (${describeDomain(r.client)}), outside layer ${j} of ${describeDomain(t)}, ${r.kind === 'signal' ? 'signalled' : 'reached'} ${r.targetName} although that layer restricts ${mechName[r.kind as Mech]}`,
          };
    }
    return null;
  },
};

/* ---- decision-level independence ---- */

const mapDomain = (d: MaybeDomain, f: (l: Layer) => Layer): MaybeDomain => (d ? { layers: d.layers.map(f) } : null);
const withScope = (bit: number, on: boolean) => (l: Layer): Layer => ({ ...l, scope: on ? l.scope | bit : l.scope & ~bit });
const withPathname = (on: boolean) => (l: Layer): Layer =>
  on
    ? { ...l, scope: l.scope | SCOPE_PATHNAME_UNIX_SOCKET, fs: l.fs | ACCESS_FS_RESOLVE_UNIX }
    : {
        ...l,
        scope: l.scope & ~SCOPE_PATHNAME_UNIX_SOCKET,
        fs: l.fs & ~ACCESS_FS_RESOLVE_UNIX,
        rules: l.rules.map((r) => ({ ...r, access: r.access & ~ACCESS_FS_RESOLVE_UNIX })).filter((r) => r.access),
      };

/** What the same hook decides with every layer of both domains mapped by `f`. */
function redecide(sem: Semantics, d: UnixDecision, f: (l: Layer) => Layer): string {
  const r = callHook(sem.hooks, d.hook, { ...d.ctx, client: mapDomain(d.ctx.client, f), server: mapDomain(d.ctx.server, f) });
  return r ? r.errno : 'allow';
}

const abstractPathnameIndependent: PropertyDef = {
  name: 'abstract-pathname-independent',
  kind: 'state-local',
  cost: 1,
  statement:
    'Changing only the abstract scope never changes a pathname result, and changing only the pathname restriction (pathname scope bit, resolve_unix and its rules) never changes an abstract result: every hook decision on a pathname socket is the same with the abstract bit added to or removed from every layer, and vice versa.',
  expect: () => 'holds',
  check: ({ outcomes, sem, from = 0 }) => {
    const changes: [string, (l: Layer) => Layer, 'abstract' | 'pathname'][] = [
      ['adding the abstract scope to every layer', withScope(SCOPE_ABSTRACT_UNIX_SOCKET, true), 'pathname'],
      ['removing the abstract scope from every layer', withScope(SCOPE_ABSTRACT_UNIX_SOCKET, false), 'pathname'],
      ['adding the pathname restriction to every layer', withPathname(true), 'abstract'],
      ['removing the pathname restriction from every layer', withPathname(false), 'abstract'],
    ];
    for (let i = from; i < outcomes.length; i++)
      for (const d of outcomes[i]!.decisions ?? []) {
        if (!isUnixDecision(d) || !d.ctx.serverAddress) continue;
        const kind = 'abstract' in d.ctx.serverAddress ? 'abstract' : 'pathname';
        const before = d.denial ? d.denial.errno : 'allow';
        for (const [label, f, applies] of changes) {
          if (applies !== kind) continue;
          const after = redecide(sem, d, f);
          if (after !== before)
            return { step: i, message: `${d.hook} on a ${kind} socket decided ${before}, but ${after} after ${label}` };
        }
      }
    return null;
  },
};

/* ---- metamorphic properties ---- */

/** Tasks alive just before step `pos`, and the process (by its first task) of each task. */
function structure(s: Scenario, pos: number): { alive: string[]; procOf: Map<string, string> } {
  const { procOf, exitedAt } = processes(s.steps, pos);
  const alive = [...procOf.keys()].filter((t) => !exitedAt.has(procOf.get(t)!));
  return { alive, procOf };
}

const layersMonotonic: PropertyDef = {
  name: 'layers-monotonic',
  kind: 'metamorphic',
  cost: 2,
  statement:
    'Adding a layer (one more restrict_self without TSYNC, anywhere) never turns a Landlock denial into success. Compared where every original restrict_self keeps its result (a layer pushed past the 16-layer limit can make a later scoped layer fail with E2BIG). TSYNC is excluded on purpose: it replaces the other threads\' domains, which can lift a denial (ABI 8+).',
  expect: () => 'holds',
  check: ({ scenario, outcomes, extra, sem, evaluate }) => {
    const n = scenario.steps.length;
    const pos = extra.pos % (n + 1);
    const { alive } = structure(scenario, pos);
    if (alive.length === 0) return null;
    const by = alive[extra.who % alive.length]!;
    // TSYNC is not "adding a layer": it replaces the domain of every other thread of the process
    // (a thread's own, deeper domain is dropped), so it can lift a denial; see edge-abi8/tsync-lifts-*.
    const { tsync: _tsync, ...fields } = restrictProfile(extra.profile, profilesOf(sem));
    const added: Step = { op: 'restrict_self', by, ...fields };
    const variant: Scenario = { ...scenario, steps: [...scenario.steps.slice(0, pos), added, ...scenario.steps.slice(pos)] };
    if (structuralErrors(variant).length) return null;
    const vo = evaluate(variant);
    const at = (i: number) => (i < pos ? i : i + 1);
    for (let i = 0; i < n; i++)
      if (scenario.steps[i]!.op === 'restrict_self' && outcomes[i]!.result !== vo[at(i)]!.result) return null;
    for (let i = 0; i < n; i++)
      if (outcomes[i]!.denial && vo[at(i)]!.result === 'ok')
        return {
          step: i,
          message: `step ${i} was denied (${outcomes[i]!.result}, ${outcomes[i]!.denial!.mechanism}) but succeeds once ${by} adds a layer before step ${pos}`,
          variant: { label: `with a layer added at step ${pos}`, scenario: variant, step: at(i) },
        };
    return null;
  },
};

const forkInherits: PropertyDef = {
  name: 'fork-inherits',
  kind: 'metamorphic',
  cost: 2,
  statement:
    'A forked child gets the same decisions as its parent at the fork: a step the parent performs later, before either of them changes its domain, gives the same result when the child performs it instead (signals to the parent\'s own process excepted: that exemption is by thread group, not by domain).',
  expect: () => 'holds',
  check: ({ scenario, outcomes, extra, evaluate }) => {
    const forks = scenario.steps.flatMap((st, i) => (st.op === 'fork' ? [i] : []));
    if (!forks.length) return null;
    const f = forks[extra.pick % forks.length]!;
    const fst = scenario.steps[f] as StepOf<'fork'>;
    const { procOf } = structure(scenario, scenario.steps.length);
    const groups = new Set([procOf.get(fst.by), fst.child]);
    for (let s = f + 1; s < scenario.steps.length; s++) {
      const st = scenario.steps[s]!;
      if (st.op === 'restrict_self' && groups.has(procOf.get(st.by))) return null;
      if (opOf(st).names.exitsProcess && groups.has(procOf.get(st.by))) return null;
      const reaches = opOf(st).reaches;
      if (st.by !== fst.by || reaches === null) continue;
      // Signals and ptrace within one process are decided by thread group (erratum 2, ptrace_attach),
      // not by domain: a target in the parent's or the child's process is not comparable; nor is
      // PTRACE_TRACEME, whose tracer is the actor's parent.
      if (reaches === 'signal' || reaches === 'ptrace') {
        const targets = reachesOf(outcomes[s]!).map((x) => x.reach.targetName);
        if ('target' in st) targets.push(st.target);
        if (!targets.length && reaches === 'ptrace') continue;
        // (a group signal or kill(-1) reaches the parent's or the child's own process as well)
        if (targets.some((x) => groups.has(procOf.get(x)))) continue;
      }
      const variant: Scenario = { ...scenario, steps: scenario.steps.map((x, i) => (i === s ? { ...x, by: fst.child } : x)) };
      if (structuralErrors(variant).length) return null;
      const vo = evaluate(variant);
      if (vo[s]!.result === 'EBADF') return null; // the child's process does not hold that socket
      if (vo[s]!.result !== outcomes[s]!.result)
        return {
          step: s,
          message: `${fst.by} got ${outcomes[s]!.result} at step ${s}, but its child ${fst.child} (forked at step ${f}) gets ${vo[s]!.result}`,
          variant: { label: `step ${s} performed by ${fst.child}`, scenario: variant, step: s },
        };
      return null;
    }
    return null;
  },
};

const creatorDomainStable: PropertyDef = {
  name: 'creator-domain-stable',
  kind: 'state-local',
  cost: 1,
  statement:
    'A socket\'s domain is its creator\'s at socket()/socketpair() time: binding by another process, passing it, or the creator\'s later sandboxing never change whom it admits. Every hook decision about a socket is told (as the server\'s domain) the domain its creator had when it created the socket.',
  expect: () => 'holds',
  check: ({ scenario, outcomes, from = 0 }) => {
    // The domain each socket's creator had at the step that created it (the step's outcome).
    const created = new Map<string, MaybeDomain>();
    for (let i = 0; i < outcomes.length; i++) {
      const st = scenario.steps[i]!;
      if (outcomes[i]!.result === 'ok' && opOf(st).names.newSockets) for (const u of namesOf(st)) if (u.role === 'newSocket') created.set(u.name, outcomes[i]!.domain);
      const r = outcomes[i]!.reach;
      if (i < (from) || !r || r.kind === 'signal' || !created.has(r.targetName)) continue;
      const want = created.get(r.targetName)!;
      for (const d of outcomes[i]!.decisions ?? []) {
        if (!isUnixDecision(d)) continue;
        if (!sameDomain(d.ctx.server, want))
          return { step: i, message: `${r.targetName} was created in ${describeDomain(want)}, but ${d.hook} was told it is in ${describeDomain(d.ctx.server)}` };
      }
    }
    return null;
  },
};

const ownerDomainRecordedAtSetown: PropertyDef = {
  name: 'owner-domain-recorded-at-setown',
  kind: 'state-local',
  cost: 1,
  statement:
    'The domain a file owner\'s SIGIO or SIGURG is judged by is the one the F_SETOWN caller had then, when that domain handles signals: sandboxing after F_SETOWN, the domain of the step that makes the socket ready, and the order in which a group\'s members joined never change it (the analogue of creator-domain-stable). Delivery to the caller\'s own process is exempt (erratum 2). Expected violated where the process-group fix (fown_tg) is missing: a group owner whose newest member is the caller\'s own process recorded nothing.',
  expect: (sem, errata) => (groupOwnerBypass(sem, errata) ? 'violated' : 'holds'),
  check: ({ outcomes, from = 0 }) => {
    for (let i = from; i < outcomes.length; i++)
      for (const d of outcomes[i]!.deliveries ?? []) {
        if (d.recorded === undefined || d.reach.sameThreadGroup) continue;
        const setter = d.reach.client;
        if (youngestLayerWith(setter, SCOPE_SIGNAL) < 0) continue;
        if (!d.recorded || !sameDomain(d.recorded.domain, setter))
          return {
            step: i,
            message: `${d.signal} to ${d.reach.targetName} was judged by ${d.recorded ? describeDomain(d.recorded.domain) : 'no recorded domain'}, but ${d.reach.clientTask} was in ${describeDomain(setter)} at F_SETOWN`,
            ...awaitWitness(d.reach, d.signal),
          };
      }
    return null;
  },
};

const ptraceHierarchy: PropertyDef = {
  name: 'ptrace-hierarchy',
  kind: 'state-local',
  cost: 1,
  statement:
    'A tracer reaches (PTRACE_ATTACH/SEIZE, a /proc read, PTRACE_TRACEME by its child) only tasks of its own domain or of domains nested in it, whatever the domain handles: any domain, even a filesystem-only one, restricts ptrace. Tasks of one process are decided before Landlock.',
  expect: () => 'holds',
  check: ({ outcomes, from = 0 }) => {
    for (let i = from; i < outcomes.length; i++) {
      const o = outcomes[i]!;
      const r = o.reach;
      if (o.result !== 'ok' || r?.kind !== 'ptrace' || r.sameThreadGroup) continue;
      // Landlock refused and a capability let it through (may_access_mm): not Landlock's decision.
      if (o.decisions?.some((d) => d.denial)) continue;
      if (!isSameOrNested(r.target, r.client))
        return { step: i, message: `${r.clientTask} (${describeDomain(r.client)}) traced ${r.targetName} (${describeDomain(r.target)}), which is outside its domain` };
    }
    return null;
  },
};

/**
 * The layer the kernel blames for a denial, found independently of the semantics' own `layer`: the
 * youngest layer of the subject, beyond the layers it shares with the object, that restricts the
 * mechanism (security/landlock/cred.h landlock_get_applicable_subject for scopes, log.c
 * get_denied_layer for RESOLVE_UNIX; task.c ptrace hooks blame the tracer's youngest layer).
 * Null: a mechanism this cannot judge (a user semantics' own).
 */
function youngestDenyingLayer(d: Decision): number | null {
  const subject = d.auditSubject?.domain;
  if (!subject || !d.denial) return null;
  const from = (other: MaybeDomain, restricts: (l: Layer) => boolean): number => {
    const k = commonPrefix(subject, other);
    for (let j = subject.layers.length - 1; j >= k; j--) if (restricts(subject.layers[j]!)) return j;
    return -1;
  };
  const c = d.ctx as Partial<{ target: MaybeDomain; server: MaybeDomain; lookupPath: string | null; tracee: MaybeDomain }>;
  switch (d.denial.mechanism) {
    case 'signal':
      return from(c.target ?? null, (l) => (l.scope & SCOPE_SIGNAL) !== 0);
    case 'abstract_unix_socket':
      return from(c.server ?? null, (l) => (l.scope & SCOPE_ABSTRACT_UNIX_SOCKET) !== 0);
    case 'pathname_unix_socket':
      return from(c.server ?? null, (l) => (l.scope & SCOPE_PATHNAME_UNIX_SOCKET) !== 0);
    case 'resolve_unix':
      return from(c.server ?? null, (l) => (l.fs & ACCESS_FS_RESOLVE_UNIX) !== 0 && !ruleGrants(l.rules, ACCESS_FS_RESOLVE_UNIX, c.lookupPath ?? ''));
    case 'ptrace':
      return subject.layers.length - 1;
    default:
      return null;
  }
}

const denialLogged: PropertyDef = {
  name: 'denial-logged',
  kind: 'state-local',
  cost: 1,
  statement:
    'Every Landlock denial that the log flags, execve() and quiet_scoped do not silence produces exactly one AUDIT_LANDLOCK_ACCESS record, naming the youngest layer that denies (beyond those the subject shares with the object) and the blocker of its mechanism; a silenced one produces none (security/landlock/log.c landlock_log_denial). Semantics without audit (before ABI 7) log nothing.',
  expect: () => 'holds',
  check: ({ outcomes, sem, from = 0 }) => {
    for (let i = from; i < outcomes.length; i++) {
      const o = outcomes[i]!;
      const want: string[] = [];
      for (const d of o.decisions ?? []) {
        if (!d.denial || !sem.audit) continue;
        const layer = youngestDenyingLayer(d);
        if (layer === null) continue;
        const subject = d.auditSubject!.domain!;
        if (layer < 0)
          return { step: i, message: `${d.hook} denied (${d.denial.mechanism}) although no layer of ${describeDomain(subject)} beyond those it shares restricts it` };
        const node = subject.layers[layer]!.node;
        if (!silencedBy(node, (d.auditSubject!.exec & (1 << layer)) !== 0, d.denial.mechanism)) want.push(`D${node.id} ${blockerOf(d.denial.mechanism)}`);
      }
      // (the filesystem rights bind and mkdir need are the model's own checks, not hooks: not judged here)
      const got = (o.audit ?? []).flatMap((r) => (r.type === 'access' && !r.blockers.startsWith('fs.make_') ? [`D${r.domain} ${r.blockers}`] : []));
      if (!want.length && !got.length) continue;
      if (JSON.stringify([...want].sort()) !== JSON.stringify([...got].sort()) && !(o.audit ?? []).some((r) => r.uncertain))
        return {
          step: i,
          message: `the step's denials should log ${want.length ? want.join(', ') : 'nothing'}, but its records are ${got.length ? got.join(', ') : 'none'}`,
        };
    }
    return null;
  },
};

const quietOnlySilences: PropertyDef = {
  name: 'quiet-only-silences',
  kind: 'metamorphic',
  cost: 2,
  statement:
    'Adding a LOG_* flag to a restrict_self, or a quiet_scoped bit for one of its scopes, never changes a result, only records (security/landlock/syscalls.c: the flags only set log_same_exec, log_new_exec, log_status and quiet_masks). Where the uAPI has neither (before ABI 7, quiet_scoped before ABI 10), there is nothing to add.',
  expect: () => 'holds',
  check: ({ scenario, outcomes, extra, sem, evaluate }) => {
    if (!sem.audit) return null;
    const rs = scenario.steps.flatMap((st, i) => (st.op === 'restrict_self' && st.ruleset !== false && outcomes[i]!.result === 'ok' ? [i] : []));
    if (!rs.length) return null;
    const at = rs[extra.pick % rs.length]!;
    const st = scenario.steps[at] as StepOf<'restrict_self'>;
    const quietable = (st.scoped ?? []).filter((x) => !(st.quiet_scoped ?? []).includes(x));
    const choices: Partial<StepOf<'restrict_self'>>[] = [
      ...(['same_exec_off', 'new_exec_on', 'subdomains_off'] as const).filter((f) => !(st.log ?? []).includes(f)).map((f) => ({ log: [...(st.log ?? []), f] })),
      ...(sem.audit.quietScoped ? quietable.map((q) => ({ quiet_scoped: [...(st.quiet_scoped ?? []), q] })) : []),
    ];
    if (!choices.length) return null;
    const change = choices[extra.profile % choices.length]!;
    const variant: Scenario = { ...scenario, steps: scenario.steps.map((x, i) => (i === at ? { ...st, ...change } : x)) };
    const vo = evaluate(variant);
    for (let i = 0; i < outcomes.length; i++)
      if (vo[i]!.result !== outcomes[i]!.result)
        return {
          step: i,
          message: `step ${i} gives ${outcomes[i]!.result}, but ${vo[i]!.result} once step ${at} also asks for ${JSON.stringify(change)}`,
          variant: { label: `step ${at} with ${JSON.stringify(change)}`, scenario: variant, step: i },
        };
    return null;
  },
};

export const PROPERTIES: readonly PropertyDef[] = [
  outsideUnreachable,
  sandboxClosed,
  siblingsIsolated,
  abstractPathnameIndependent,
  insideReachable,
  layersMonotonic,
  forkInherits,
  creatorDomainStable,
  errnoByMechanism,
  threadGroupSignals,
  inboundClosed,
  ownerDomainRecordedAtSetown,
  ptraceHierarchy,
  denialLogged,
  quietOnlySilences,
];

export function propertyByName(name: string): PropertyDef | undefined {
  return PROPERTIES.find((p) => p.name === name);
}

/** The verdict a property should get under a semantics, honouring the semantics' own expectations. */
export function expectedVerdict(p: PropertyDef, sem: Semantics, errata: number): Verdict {
  return sem.expectations?.[p.name] ?? p.expect(sem, errata);
}
