/**
 * Layers and the hierarchy (kernel: security/landlock/domain.{c,h}), and the one decision
 * every scoped check goes through (task.c: domain_is_scoped).
 *
 * A domain is an immutable stack of layers. Layer i of a domain *is* a hierarchy node: two
 * domains share layer i iff they hold the same node object there. Every successful
 * landlock_restrict_self() allocates a fresh node whose parent is the caller's youngest node,
 * so two tasks enforcing the same ruleset independently end up in sibling domains.
 */
import { MAX_NUM_LAYERS, fsNames, scopeNames } from './limits.js';

/**
 * struct landlock_hierarchy: identity, and what landlock_restrict_self() fixed for logging. `id`
 * numbers nodes in creation order (the D1, D2 … of `run`, traces and audit records).
 */
export interface HierarchyNode {
  readonly id: number;
  readonly parent: HierarchyNode | null;
  readonly log: NodeLog;
}

/**
 * The logging settings of a hierarchy node (security/landlock/domain.h: log_same_exec,
 * log_new_exec, log_status; quiet_masks.scope), set once by landlock_restrict_self()
 * (syscalls.c). Whether the node has been logged yet (LANDLOCK_LOG_RECORDED) and its denial count
 * change later: World.audit.
 */
export interface NodeLog {
  /** Denials by tasks of the executable that created the layer are logged (no LOG_SAME_EXEC_OFF). */
  readonly sameExec: boolean;
  /** Denials after an execve() are logged (LOG_NEW_EXEC_ON). */
  readonly newExec: boolean;
  /** LANDLOCK_LOG_DISABLED: both of the above off, or the creating thread had LOG_SUBDOMAINS_OFF. */
  readonly disabled: boolean;
  /** quiet_scoped (ABI 10): scope denials blamed on this node are counted but not logged. */
  readonly quietScope: number;
}

/** The default: restrict_self(fd, 0) with no quiet_scoped. */
export const DEFAULT_NODE_LOG: NodeLog = { sameExec: true, newExec: false, disabled: false, quietScope: 0 };

/** A `path_beneath` rule of one layer: the inode (a path in the model's filesystem) and the rights. */
export interface PathRule {
  readonly path: string;
  readonly access: number;
}

/** One layer: its hierarchy node and its handled masks (domain.handled_masks[i]) and rules. */
export interface Layer {
  readonly node: HierarchyNode;
  readonly fs: number;
  readonly scope: number;
  readonly rules: readonly PathRule[];
}

/** struct landlock_domain: layers[0] is the oldest. A task without a domain has `null`. */
export interface Domain {
  readonly layers: readonly Layer[];
}

export type MaybeDomain = Domain | null;

export const numLayers = (d: MaybeDomain): number => (d ? d.layers.length : 0);

/**
 * landlock_merge_ruleset: the caller's domain plus one new layer on a fresh node.
 * Returns null when the caller already has MAX_NUM_LAYERS layers (E2BIG).
 */
export function mergeRuleset(
  parent: MaybeDomain,
  nodeId: number,
  ruleset: { fs: number; scope: number; rules: readonly PathRule[] },
  log: NodeLog = DEFAULT_NODE_LOG,
): Domain | null {
  const layers = parent ? parent.layers : [];
  if (layers.length >= MAX_NUM_LAYERS) return null;
  const node: HierarchyNode = { id: nodeId, parent: layers.length ? layers[layers.length - 1]!.node : null, log };
  return { layers: [...layers, { node, fs: ruleset.fs, scope: ruleset.scope, rules: ruleset.rules }] };
}

/** The number of leading layers two domains share (0 when either has no domain). */
export function commonPrefix(a: MaybeDomain, b: MaybeDomain): number {
  if (!a || !b) return 0;
  const n = Math.min(a.layers.length, b.layers.length);
  let k = 0;
  while (k < n && a.layers[k]!.node === b.layers[k]!.node) k++;
  return k;
}

/** Is `inner` the same domain as `outer` or nested below it? (tracer/tracee "scope_le") */
export function isSameOrNested(inner: MaybeDomain, outer: MaybeDomain): boolean {
  if (!outer) return true;
  return commonPrefix(inner, outer) === outer.layers.length;
}

/** landlock_get_applicable_subject(): the youngest layer whose scope mask has `bit`, or -1 (also with no domain). */
export function youngestLayerWith(d: MaybeDomain, bit: number): number {
  if (!d) return -1;
  for (let i = d.layers.length - 1; i >= 0; i--) if (d.layers[i]!.scope & bit) return i;
  return -1;
}

/**
 * domain_is_scoped(client, server, bit), closed form (security/landlock/task.c: domain_is_scoped): with k the layers the two share,
 * the client is denied iff one of its layers at or above k has the scope bit. Returns the layer
 * blamed (the youngest layer with the bit, as audit reports it), or -1 when not scoped.
 */
export function domainIsScoped(client: MaybeDomain, server: MaybeDomain, bit: number): number {
  if (!client) return -1;
  const k = commonPrefix(client, server);
  for (let i = client.layers.length - 1; i >= k; i--) if (client.layers[i]!.scope & bit) return i;
  return -1;
}

/**
 * domain_is_scoped() exactly as security/landlock/task.c walks it (the two ancestor walks): kept to show, and test, that the
 * closed form above is the kernel's algorithm. Returns true when scoped (denied).
 */
export function domainIsScopedWalk(client: Domain, server: MaybeDomain, bit: number): boolean {
  let cl = client.layers.length - 1;
  let sl = server ? server.layers.length - 1 : -1;
  let cw: HierarchyNode | null = client.layers[cl]!.node;
  let sw: HierarchyNode | null = server && sl >= 0 ? server.layers[sl]!.node : null;
  while (cl > sl) {
    if (client.layers[cl]!.scope & bit) return true;
    cw = cw!.parent;
    cl--;
  }
  while (sl > cl) {
    sw = sw!.parent;
    sl--;
  }
  while (cl >= 0) {
    if (client.layers[cl]!.scope & bit) return cw !== sw;
    cw = cw!.parent;
    sw = sw!.parent;
    cl--;
  }
  return false;
}

/**
 * Are two domains the same (the same hierarchy nodes, by their ids, with the same masks)? Node ids
 * are stable within one evaluation of a scenario and along its replays, unlike the objects, which
 * a re-evaluation creates anew.
 */
export function sameDomain(a: MaybeDomain, b: MaybeDomain): boolean {
  const la = a?.layers ?? [];
  const lb = b?.layers ?? [];
  return la.length === lb.length && la.every((l, i) => l.node.id === lb[i]!.node.id && l.scope === lb[i]!.scope && l.fs === lb[i]!.fs && l.rules.length === lb[i]!.rules.length);
}

/** "D3" for a domain whose youngest node is 3; "none" without a domain. */
export function domainLabel(d: MaybeDomain): string {
  if (!d || d.layers.length === 0) return 'none';
  return `D${d.layers[d.layers.length - 1]!.node.id}`;
}

/** One layer's masks, as describeDomain shows them: "scope=signal fs=read_dir rules=1" (empty when none). */
export function layerMasks(l: Layer): string {
  const parts: string[] = [];
  if (l.scope) parts.push(`scope=${scopeNames(l.scope).join('|')}`);
  if (l.fs) parts.push(`fs=${fsNames(l.fs).join('|')}`);
  if (l.rules.length) parts.push(`rules=${l.rules.length}`);
  return parts.join(' ');
}

/** The ancestor chain with each layer's masks: "D1[scope=signal] > D3[fs=read_dir]". For display only. */
export function describeDomain(d: MaybeDomain): string {
  if (!d || d.layers.length === 0) return 'none';
  return d.layers.map((l) => `D${l.node.id}[${layerMasks(l)}]`).join(' > ');
}
