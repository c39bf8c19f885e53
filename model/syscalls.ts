/**
 * What the uAPI accepts (kernel: security/landlock/syscalls.c, ruleset.c, domain.c), as one
 * `restrict_self` step performs it: landlock_create_ruleset, then per rule open(O_PATH) and
 * landlock_add_rule, then landlock_restrict_self. The first error is the step's result.
 */
import { mergeRuleset, type PathRule } from './domain.js';
import { lookup } from './fs.js';
import { ACCESS_FILE, RESTRICT_SELF_TSYNC, fsMask, fsNames, scopeMask, scopeNames } from './limits.js';
import type { Task, World } from './state.js';
import type { FsRightName, ScopeName } from './uapi.js';

/** What a restrict_self step asks for: the ruleset's handled masks, its path rules, the flags. */
export interface RulesetRequest {
  scoped?: readonly ScopeName[];
  handled_fs?: readonly FsRightName[];
  rules?: readonly { path: string; access: readonly FsRightName[] }[];
  tsync?: boolean;
}

export interface RestrictResult {
  result: string;
  note?: string;
}

export function restrictSelf(w: World, task: Task, st: RulesetRequest): RestrictResult {
  const sem = w.semantics;
  const fs = fsMask(st.handled_fs);
  const scope = scopeMask(st.scoped);
  // sys_landlock_create_ruleset
  if (fs & ~sem.fsRights) return { result: 'EINVAL', note: `handled_fs ${fsNames(fs & ~sem.fsRights).join(', ')} unknown to ABI ${sem.abi}` };
  if (scope & ~sem.scopes) return { result: 'EINVAL', note: `scope ${scopeNames(scope & ~sem.scopes).join(', ')} unknown to this semantics` };
  if (!fs && !scope) return { result: 'ENOMSG', note: 'empty ruleset' };
  // open(O_PATH) then landlock_add_rule(LANDLOCK_RULE_PATH_BENEATH) for each rule
  const rules: PathRule[] = [];
  for (const [i, r] of (st.rules ?? []).entries()) {
    const l = lookup(w.tree, r.path);
    if (!l.ok) return { result: l.errno, note: `rule ${i}: "${r.path}"` };
    const access = fsMask(r.access);
    if (!access) return { result: 'ENOMSG', note: `rule ${i}: no access right` };
    if (access & ~fs) return { result: 'EINVAL', note: `rule ${i}: ${fsNames(access & ~fs).join(', ')} not handled` };
    if (l.kind !== 'dir' && access & ~ACCESS_FILE)
      return { result: 'EINVAL', note: `rule ${i}: ${fsNames(access & ~ACCESS_FILE).join(', ')} on a non-directory` };
    rules.push({ path: r.path, access });
  }
  // sys_landlock_restrict_self
  const flags = st.tsync ? RESTRICT_SELF_TSYNC : 0;
  if (flags & ~sem.restrictSelfFlags) return { result: 'EINVAL', note: 'tsync unknown to this ABI' };
  const domain = mergeRuleset(task.domain, w.nextNode, { fs, scope, rules });
  if (!domain) return { result: 'E2BIG', note: 'already 16 layers' };
  w.nextNode++;
  if (st.tsync) for (const t of task.proc.tasks) t.domain = domain;
  else task.domain = domain;
  return { result: 'ok' };
}
