/**
 * Released kernels and kernel-like proposals, built from the model's core hooks.
 */
import { hookUnixFind } from '../fs.js';
import {
  ACCESS_FS_RESOLVE_UNIX,
  RESTRICT_SELF_LOG_FLAGS,
  RESTRICT_SELF_TSYNC,
  SCOPE_ABSTRACT_UNIX_SOCKET,
  SCOPE_PATHNAME_UNIX_SOCKET,
  SCOPE_SIGNAL,
  fsRightsOfAbi,
} from '../limits.js';
import {
  hookFileSendSigiotask,
  hookFileSetFowner,
  hookPtraceAccessCheck,
  hookPtraceTraceme,
  hookTaskKill,
  hookUnixMaySend,
  hookUnixStreamConnect,
} from '../task.js';
import type { Semantics } from '../hooks.js';

export interface KernelOptions {
  name: string;
  description: string;
  /** The ABI whose uAPI (fs rights, flags, RESOLVE_UNIX) this follows. */
  abi: number;
  errata: number;
  /** The seed patch's LANDLOCK_SCOPE_PATHNAME_UNIX_SOCKET bit, checked where the abstract one is. */
  pathnameScopeBit?: boolean;
  /** The ABI number reported, when it differs from `abi`. */
  reportedAbi?: number;
  afUnix?: Semantics['afUnix'];
  pidfd?: Semantics['pidfd'];
  ptrace?: Semantics['ptrace'];
  /** Logging facts of a release (model/hooks.ts AuditFacts), over its ABI's. */
  audit?: Partial<NonNullable<Semantics['audit']>>;
  /**
   * The process-group owner fix of hook_file_set_fowner (fown_tg; no erratum, spec §4.6): group
   * owners always record the domain, the owner's own process is exempt at delivery. Without it
   * (but with erratum 2 fixed) a group owner whose first member is the caller's process records
   * nothing, and the whole group is signalled unscoped.
   */
  fownPgidFix: boolean;
  /**
   * A kernel release's semantics: its expected verdicts are its ABI's (what upstream intends), so a
   * release's own bug shows as an unexpected violation.
   */
  judgedAsAbi?: boolean;
}

export function kernelSemantics(o: KernelOptions): Semantics {
  const unixScopes = SCOPE_ABSTRACT_UNIX_SOCKET | (o.pathnameScopeBit ? SCOPE_PATHNAME_UNIX_SOCKET : 0);
  const resolveUnix = o.abi >= 9;
  return {
    interfaceVersion: 2,
    name: o.name,
    description: o.description,
    abi: o.reportedAbi ?? o.abi,
    errata: o.errata,
    scopes: SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL | (o.pathnameScopeBit ? SCOPE_PATHNAME_UNIX_SOCKET : 0),
    fsRights: fsRightsOfAbi(o.abi),
    restrictSelfFlags: (o.abi >= 7 ? RESTRICT_SELF_LOG_FLAGS : 0) | (o.abi >= 8 ? RESTRICT_SELF_TSYNC : 0),
    // Audit (ABI 7, security/landlock/log.c and audit.c); quiet_scoped (ABI 10).
    ...(o.abi >= 7 ? { audit: { quietScoped: o.abi >= 10, ...o.audit } } : {}),
    pathnameRestriction: o.pathnameScopeBit ? 'scope' : resolveUnix ? 'resolve_unix' : 'none',
    fownGroupOwnerBypass: !o.fownPgidFix && !o.judgedAsAbi,
    ...(o.afUnix ? { afUnix: o.afUnix } : {}),
    ...(o.pidfd ? { pidfd: o.pidfd } : {}),
    ...(o.ptrace ? { ptrace: o.ptrace } : {}),
    hooks: {
      unixFind: (ctx) => (resolveUnix ? hookUnixFind(ctx, ACCESS_FS_RESOLVE_UNIX) : null),
      unixStreamConnect: (ctx) => hookUnixStreamConnect(ctx, unixScopes),
      unixMaySend: (ctx) => hookUnixMaySend(ctx, unixScopes),
      taskKill: (ctx) => hookTaskKill(ctx),
      fileSetFowner: (ctx) => hookFileSetFowner(ctx, o.fownPgidFix),
      fileSendSigiotask: (ctx) => hookFileSendSigiotask(ctx),
      ptraceAccessCheck: (ctx) => hookPtraceAccessCheck(ctx),
      ptraceTraceme: (ctx) => hookPtraceTraceme(ctx),
    },
  };
}
