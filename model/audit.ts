/**
 * Landlock's audit records (ABI 7), as the model predicts them for every denial:
 *
 * - security/landlock/log.c (7.3; audit.c before): landlock_log_denial() picks the hierarchy node
 *   of the layer the hook blames (`layer_plus_one - 1`, get_hierarchy()), counts the denial on it
 *   (num_denials, always), and logs it when is_denial_logged(): the node's log_status is not
 *   LANDLOCK_LOG_DISABLED, the flag for "same exec" (domain_exec has the layer's bit) or "new
 *   exec" is on, and no quiet bit covers it (is_denial_quieted: quiet_masks.scope has the scope
 *   bit of a scope request; ptrace and fs requests of the scenario language are never quiet);
 * - audit.c: landlock_audit_denial() emits AUDIT_LANDLOCK_ACCESS "domain=… blockers=…" plus the
 *   object (audit_log_lsm_data: opid/ocomm of a task, path of a socket), then log_domain() emits
 *   AUDIT_LANDLOCK_DOMAIN "status=allocated" the first time the node is logged
 *   (LANDLOCK_LOG_RECORDED); landlock_audit_free_domain() emits "status=deallocated denials=N"
 *   when a logged node is freed.
 *
 * Domains are named by the scenario's own layer identity (D1, D2 … in order of creation), never
 * by the kernel's random ids; a task is named by the scenario name of its process (opid is a
 * TGID); a socket by its address ("@name" abstract, a relative path otherwise).
 *
 * Pure, and independent of the world's representation: the world keeps an AuditState.
 */
import type { Domain, HierarchyNode } from './domain.js';
import type { Denial, Semantics } from './hooks.js';
import { SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_PATHNAME_UNIX_SOCKET, SCOPE_SIGNAL } from './limits.js';

/** The object fields of an access record: a task (its process) or a socket's path; null: none. */
export type AuditObject = { readonly opid: string } | { readonly path: string } | null;

/** AUDIT_LANDLOCK_ACCESS. `uncertain`: the denial may or may not happen (timing), see `uncertain` of AuditCall. */
export interface AccessRecord {
  readonly type: 'access';
  readonly domain: number;
  readonly blockers: string;
  readonly object: AuditObject;
  readonly uncertain?: true;
}

/** AUDIT_LANDLOCK_DOMAIN status=allocated (the first time a node is logged). */
export interface AllocatedRecord {
  readonly type: 'allocated';
  readonly domain: number;
  readonly uncertain?: true;
}

export type AuditRecord = AccessRecord | AllocatedRecord;

/** AUDIT_LANDLOCK_DOMAIN status=deallocated: a logged node freed (at the latest when the scenario ends). */
export interface FreedRecord {
  readonly domain: number;
  /** num_denials: every denial blamed on the node, logged or not. */
  readonly denials: number;
  /** Some of the denials counted may or may not have happened (timing): `denials` is the most. */
  readonly uncertain?: number;
  /** Ending the scenario may add denials the scenario's steps do not make (a runner's teardown: see teardownDomains). */
  readonly teardown?: true;
}

/** What logging has done so far in one evaluation (mutable; World.audit). */
export interface AuditState {
  /** Node ids logged once (LANDLOCK_LOG_RECORDED). */
  readonly recorded: Set<number>;
  /** num_denials per node id. */
  readonly denials: Map<number, number>;
  /** Denials per node id that may or may not happen. */
  readonly uncertain: Map<number, number>;
  /** The records of the step being evaluated. */
  records: AuditRecord[];
  /** Why denials of the step being evaluated were not logged (silencedBy). */
  silenced: string[];
}

export const newAuditState = (): AuditState => ({ recorded: new Set(), denials: new Map(), uncertain: new Map(), records: [], silenced: [] });

export const cloneAuditState = (a: AuditState): AuditState => ({
  recorded: a.recorded.size ? new Set(a.recorded) : new Set(),
  denials: a.denials.size ? new Map(a.denials) : new Map(),
  uncertain: a.uncertain.size ? new Map(a.uncertain) : new Map(),
  records: [],
  silenced: [],
});

/** What a hook call tells logging besides its decision: whose credentials denied, and about what. */
export interface AuditCall {
  /** The subject: the domain the hook judged with and its domain_exec bits (a file owner's: recorded at F_SETOWN). */
  readonly subject: { readonly domain: Domain | null; readonly exec: number };
  readonly object: AuditObject;
  /** The kernel may or may not make this check (a parent-death signal re-sent by a sibling thread, depending on timing). */
  readonly uncertain?: boolean;
}

/** The blocker a denial's mechanism is logged as (audit.c get_blocker, blocker_prefix). */
export function blockerOf(mechanism: Denial['mechanism']): string {
  switch (mechanism) {
    case 'abstract_unix_socket':
    case 'signal':
    case 'pathname_unix_socket':
      return `scope.${mechanism}`;
    case 'resolve_unix':
      return 'fs.resolve_unix';
    case 'ptrace':
      return 'ptrace';
    default:
      return mechanism.includes('.') ? mechanism : `scope.${mechanism}`;
  }
}

/** The scope bit whose quiet_scoped bit silences a denial of this mechanism (log.c is_denial_quieted), 0: never quiet. */
export function quietBitOf(mechanism: Denial['mechanism']): number {
  if (mechanism === 'signal') return SCOPE_SIGNAL;
  if (mechanism === 'abstract_unix_socket') return SCOPE_ABSTRACT_UNIX_SOCKET;
  if (mechanism === 'pathname_unix_socket') return SCOPE_PATHNAME_UNIX_SOCKET;
  return 0;
}

/** Why a denial is not logged (null: it is), after log.c is_denial_logged(). */
export function silencedBy(node: HierarchyNode, sameExec: boolean, mechanism: Denial['mechanism']): string | null {
  if (node.log.disabled) return `D${node.id} is not logged (LANDLOCK_LOG_DISABLED: both exec flags off, or created under LOG_SUBDOMAINS_OFF)`;
  if (sameExec && !node.log.sameExec) return `D${node.id} was created by this program with LOG_SAME_EXEC_OFF`;
  if (!sameExec && !node.log.newExec) return `D${node.id} was created before an execve() and without LOG_NEW_EXEC_ON`;
  if (node.log.quietScope & quietBitOf(mechanism)) return `quiet_scoped of D${node.id} has ${mechanism}`;
  return null;
}

/**
 * landlock_log_denial(): counts the denial on the blamed node and, when it is logged, appends its
 * records to `a.records`. Returns the node blamed and why it was not logged (null: logged), or
 * null when the semantics has no audit (before ABI 7) or blames a layer the subject lacks.
 */
export function logDenial(a: AuditState, sem: Semantics, call: AuditCall, denial: Pick<Denial, 'mechanism' | 'layer'>): { node: HierarchyNode; silenced: string | null } | null {
  if (!sem.audit) return null;
  const d = call.subject.domain;
  const layer = d?.layers[denial.layer];
  if (!d || !layer) return null;
  const node = layer.node;
  a.denials.set(node.id, (a.denials.get(node.id) ?? 0) + 1);
  if (call.uncertain) a.uncertain.set(node.id, (a.uncertain.get(node.id) ?? 0) + 1);
  const silenced = silencedBy(node, (call.subject.exec & (1 << denial.layer)) !== 0, denial.mechanism);
  if (silenced) {
    a.silenced.push(silenced);
    return { node, silenced };
  }
  const u = call.uncertain ? ({ uncertain: true } as const) : {};
  a.records.push({ type: 'access', domain: node.id, blockers: blockerOf(denial.mechanism), object: call.object, ...u });
  // log_domain(): once per node. An uncertain first record leaves the node's state open: the
  // model counts it logged (a later certain record then carries no allocated record of its own,
  // which the comparison accepts as uncertain too).
  if (!a.recorded.has(node.id)) {
    a.recorded.add(node.id);
    a.records.push({ type: 'allocated', domain: node.id, ...u });
  }
  return { node, silenced: null };
}

/** The deallocation records: every logged node, by id, with its denial count; `teardown`: the node ids ending the scenario may add denials to. */
export function freedRecords(a: AuditState, teardown: ReadonlySet<number> = new Set()): FreedRecord[] {
  return [...a.recorded].sort((x, y) => x - y).map((id) => {
    const u = a.uncertain.get(id) ?? 0;
    return { domain: id, denials: a.denials.get(id) ?? 0, ...(u ? { uncertain: u } : {}), ...(teardown.has(id) ? { teardown: true as const } : {}) };
  });
}

/* ---- text: the form traces store and `run` prints ---- */

const objectText = (o: AuditObject): string => (o === null ? '' : 'opid' in o ? ` opid=${o.opid}` : ` path=${o.path}`);

/** "AUDIT_LANDLOCK_ACCESS domain=D2 blockers=scope.signal opid=P0", "AUDIT_LANDLOCK_DOMAIN domain=D2 status=allocated". */
export function recordText(r: AuditRecord): string {
  if (r.type === 'allocated') return `AUDIT_LANDLOCK_DOMAIN domain=D${r.domain} status=allocated`;
  return `AUDIT_LANDLOCK_ACCESS domain=D${r.domain} blockers=${r.blockers}${objectText(r.object)}`;
}

/** "AUDIT_LANDLOCK_DOMAIN domain=D2 status=deallocated denials=3". */
export const freedText = (f: { domain: number; denials: number }): string => `AUDIT_LANDLOCK_DOMAIN domain=D${f.domain} status=deallocated denials=${f.denials}`;

/** The record texts a trace may hold (what recordText/freedText write, a kernel-side "Dx…" domain, an unmapped object "?"). */
export const RECORD_TEXT =
  /^AUDIT_LANDLOCK_(?:ACCESS domain=D(?:[1-9][0-9]{0,3}|x[0-9a-f]{1,16}) blockers=[a-z_.,]{1,200}(?: opid=[A-Za-z][A-Za-z0-9_]{0,31}| path=@?[A-Za-z0-9._/-]{1,300}| \?)?|DOMAIN domain=D(?:[1-9][0-9]{0,3}|x[0-9a-f]{1,16}) status=allocated)$/;
/** A path or abstract name as a record may show it (printable, no spaces, no terminal controls). */
export const RECORD_PATH = /^@?[A-Za-z0-9._/-]{1,300}$/;
export const FREED_TEXT = /^AUDIT_LANDLOCK_DOMAIN domain=D(?:[1-9][0-9]{0,3}|x[0-9a-f]{1,16}) status=deallocated denials=(?:0|[1-9][0-9]{0,9})$/;
