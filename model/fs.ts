/**
 * The filesystem side (kernel: security/landlock/fs.c): a small tree of directories and socket
 * inodes under the scenario's private directory, `path_beneath` rule matching, and
 * LANDLOCK_ACCESS_FS_RESOLVE_UNIX (hook_unix_find with unmask_scoped_access).
 *
 * Paths are relative to the scenario root; rules can only be attached to paths created by the
 * scenario, so the root itself is never covered by a rule.
 */
import type { MaybeDomain, PathRule } from './domain.js';
import { commonPrefix } from './domain.js';
import type { Denial, UnixContext } from './hooks.js';

export type InodeKind = 'dir' | 'sock';

/** Filesystem contents: path → kind. Socket inodes stay after their socket is closed (no unlink in v1). */
export type Tree = Map<string, InodeKind>;

export type Lookup = { ok: true; kind: InodeKind } | { ok: false; errno: 'ENOENT' | 'ENOTDIR' };

/** path_lookupat(): walk every component; a missing one is ENOENT, a non-directory on the way ENOTDIR. */
export function lookup(tree: Tree, path: string): Lookup {
  const comps = path.split('/');
  let cur = '';
  for (let i = 0; i < comps.length; i++) {
    cur = cur ? `${cur}/${comps[i]}` : comps[i]!;
    const k = tree.get(cur);
    if (k === undefined) return { ok: false, errno: 'ENOENT' };
    if (i < comps.length - 1 && k !== 'dir') return { ok: false, errno: 'ENOTDIR' };
    if (i === comps.length - 1) return { ok: true, kind: k };
  }
  return { ok: false, errno: 'ENOENT' };
}

export const parentOf = (path: string): string => {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
};

/** kern_path_create(): the parent must resolve to a directory, the last component must not exist. */
export function lookupCreate(tree: Tree, path: string): { ok: true } | { ok: false; errno: 'ENOENT' | 'ENOTDIR' | 'EEXIST' } {
  const parent = parentOf(path);
  if (parent !== '') {
    const p = lookup(tree, parent);
    if (!p.ok) return p;
    if (p.kind !== 'dir') return { ok: false, errno: 'ENOTDIR' };
  }
  if (tree.has(path)) return { ok: false, errno: 'EEXIST' };
  return { ok: true };
}

/** Is `ancestor` the path itself or one of its ancestors? ("" is the root.) */
export function isBeneath(path: string, ancestor: string): boolean {
  return ancestor === '' || path === ancestor || path.startsWith(`${ancestor}/`);
}

/** Does some rule of a layer grant `right` on `path` (the rule on the path or an ancestor)? */
export function ruleGrants(rules: readonly PathRule[], right: number, path: string): boolean {
  return rules.some((r) => r.access & right && isBeneath(path, r.path));
}

/**
 * is_access_to_paths_allowed() for one right: every layer handling `right` needs a rule granting it
 * on `path` or an ancestor, except layers `satisfied(i)` already unmasks. Returns the youngest layer
 * that denies, or -1.
 */
export function pathAccessDeniedLayer(
  d: MaybeDomain,
  right: number,
  path: string,
  satisfied: (layer: number) => boolean = () => false,
): number {
  if (!d) return -1;
  for (let i = d.layers.length - 1; i >= 0; i--) {
    const l = d.layers[i]!;
    if (!(l.fs & right) || satisfied(i)) continue;
    if (!ruleGrants(l.rules, right, path)) return i;
  }
  return -1;
}

/**
 * RESOLVE_UNIX (security/landlock/fs.c: hook_unix_find, unmask_scoped_access): allowed iff every layer handling the right either is shared with the
 * server socket's domain (i < commonPrefix) or has a rule granting RESOLVE_UNIX on the path the
 * client resolved. Returns the youngest denying layer, or -1.
 */
export function resolveUnixDeniedLayer(client: MaybeDomain, server: MaybeDomain, right: number, path: string): number {
  const k = commonPrefix(client, server);
  return pathAccessDeniedLayer(client, right, path, (i) => i < k);
}

/** hook_unix_find (ABI 9): RESOLVE_UNIX handled by some layer → same-domain or a rule, per layer. */
export function hookUnixFind(ctx: UnixContext, right: number): Denial | null {
  if (ctx.lookupPath === null) return null;
  const layer = resolveUnixDeniedLayer(ctx.client, ctx.server, right, ctx.lookupPath);
  if (layer < 0) return null;
  return {
    errno: 'EACCES',
    mechanism: 'resolve_unix',
    hook: 'unix_find',
    layer,
    reason: `layer ${layer} handles resolve_unix, has no rule for "${ctx.lookupPath}", and the socket was created by ${ctx.serverCreator} outside that layer's domain`,
  };
}
