/**
 * What the uAPI accepts (kernel: security/landlock/syscalls.c, ruleset.c, domain.c), as one
 * `restrict_self` step performs it: landlock_create_ruleset, then per rule open(O_PATH) and
 * landlock_add_rule, then landlock_restrict_self. The first error is the step's result.
 */
import { mergeRuleset, type NodeLog, type PathRule } from './domain.js';
import { lookup } from './fs.js';
import {
  ACCESS_FILE,
  RESTRICT_SELF_LOG_NEW_EXEC_ON,
  RESTRICT_SELF_LOG_SAME_EXEC_OFF,
  RESTRICT_SELF_LOG_SUBDOMAINS_OFF,
  RESTRICT_SELF_TSYNC,
  fsMask,
  fsNames,
  logFlagMask,
  scopeMask,
  scopeNames,
} from './limits.js';
import { keptSubdomainsOff, type Task, type World } from './state.js';
import type { FsRightName, LogFlagName, ScopeName } from './uapi.js';

/** What a restrict_self step asks for: the ruleset's handled masks, its path rules, the flags. */
export interface RulesetRequest {
  scoped?: readonly ScopeName[];
  handled_fs?: readonly FsRightName[];
  rules?: readonly { path: string; access: readonly FsRightName[] }[];
  tsync?: boolean;
  /** landlock_restrict_self's LOG_* flags (ABI 7). */
  log?: readonly LogFlagName[];
  /** The ruleset's quiet_scoped (ABI 10). */
  quiet_scoped?: readonly ScopeName[];
  /** false: landlock_restrict_self(-1, flags), no ruleset (only LOG_SUBDOMAINS_OFF, with or without TSYNC, is valid so). */
  ruleset?: boolean;
}

export interface RestrictResult {
  result: string;
  note?: string;
}

export function restrictSelf(w: World, task: Task, st: RulesetRequest): RestrictResult {
  const sem = w.semantics;
  const flags = (st.tsync ? RESTRICT_SELF_TSYNC : 0) | logFlagMask(st.log);
  if (st.ruleset === false) {
    // sys_landlock_restrict_self(-1, flags): the flags first, then the ruleset fd unless only
    // LOG_SUBDOMAINS_OFF (and TSYNC) is asked.
    if (flags & ~sem.restrictSelfFlags) return { result: 'EINVAL', note: `flags unknown to ABI ${sem.abi}` };
    if ((flags & ~RESTRICT_SELF_TSYNC) !== RESTRICT_SELF_LOG_SUBDOMAINS_OFF) return { result: 'EBADF', note: 'no ruleset: only LOG_SUBDOMAINS_OFF may go without one' };
    // The new credentials get log_subdomains_off; TSYNC copies them to every thread (tsync.c: landlock_cred_copy).
    for (const t of st.tsync ? task.proc.tasks : [task]) {
      t.logSubdomainsOff = true;
      if (t !== task) {
        t.domain = task.domain;
        t.exec = task.exec;
      }
    }
    return { result: 'ok' };
  }
  const fs = fsMask(st.handled_fs);
  const scope = scopeMask(st.scoped);
  const quiet = scopeMask(st.quiet_scoped);
  // sys_landlock_create_ruleset: copy_min_struct_from_user() refuses a non-zero tail the kernel's
  // struct does not have (quiet_scoped before ABI 10), then the masks.
  if (quiet && !sem.audit?.quietScoped) return { result: 'E2BIG', note: `quiet_scoped is beyond ABI ${sem.abi}'s struct landlock_ruleset_attr` };
  if (fs & ~sem.fsRights) return { result: 'EINVAL', note: `handled_fs ${fsNames(fs & ~sem.fsRights).join(', ')} unknown to ABI ${sem.abi}` };
  if (scope & ~sem.scopes) return { result: 'EINVAL', note: `scope ${scopeNames(scope & ~sem.scopes).join(', ')} unknown to this semantics` };
  if (quiet & ~scope) return { result: 'EINVAL', note: `quiet_scoped ${scopeNames(quiet & ~scope).join(', ')} is not scoped` };
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
  if (flags & ~sem.restrictSelfFlags) return { result: 'EINVAL', note: `${flags & RESTRICT_SELF_TSYNC && !(sem.restrictSelfFlags & RESTRICT_SELF_TSYNC) ? 'tsync' : 'log flags'} unknown to this ABI` };
  // The node's logging (syscalls.c, CONFIG_SECURITY_LANDLOCK_LOG): disabled when both exec flags
  // are off or the caller already had LOG_SUBDOMAINS_OFF; the caller's new credentials get
  // LOG_SUBDOMAINS_OFF for what it creates later.
  const sameExec = !(flags & RESTRICT_SELF_LOG_SAME_EXEC_OFF);
  const newExec = (flags & RESTRICT_SELF_LOG_NEW_EXEC_ON) !== 0;
  // (prepare_creds() copied the caller's credentials first: see keptSubdomainsOff)
  const prevOff = keptSubdomainsOff(w, task);
  const log: NodeLog = { sameExec, newExec, disabled: (!sameExec && !newExec) || prevOff, quietScope: quiet };
  const domain = mergeRuleset(task.domain, w.nextNode, { fs, scope, rules }, log);
  if (!domain) return { result: 'E2BIG', note: 'already 16 layers' };
  w.nextNode++;
  const exec = task.exec | (1 << (domain.layers.length - 1));
  const subdomainsOff = prevOff || (flags & RESTRICT_SELF_LOG_SUBDOMAINS_OFF) !== 0;
  for (const t of st.tsync ? task.proc.tasks : [task]) {
    t.domain = domain;
    t.exec = exec;
    t.logSubdomainsOff = subdomainsOff;
  }
  return { result: 'ok' };
}
