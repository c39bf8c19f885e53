/**
 * The built-in semantics, by name. Each is a few lines over kernelSemantics(); adding one never
 * touches the others.
 */
import { kernelSemantics } from './kernel.js';
import { HOOK_METHODS, HOOKS_V1, type Hooks, type Semantics } from '../hooks.js';

export const abi6 = kernelSemantics({
  name: 'abi6',
  abi: 6,
  fownPgidFix: true,
  errata: 15,
  description: 'Linux 6.12 (ABI 6): abstract UNIX socket and signal scoping; pathname sockets unrestricted',
});
export const abi7 = kernelSemantics({
  name: 'abi7',
  abi: 7,
  fownPgidFix: true,
  errata: 7,
  description: 'Linux 6.15-6.18 (ABI 7): as ABI 6, plus audit (no decision changes)',
});
export const abi8 = kernelSemantics({
  name: 'abi8',
  abi: 8,
  fownPgidFix: true,
  errata: 7,
  description: 'Linux 7.0 (ABI 8): as ABI 7, plus LANDLOCK_RESTRICT_SELF_TSYNC',
});
export const abi9 = kernelSemantics({
  name: 'abi9',
  abi: 9,
  fownPgidFix: true,
  errata: 7,
  description: 'Linux 7.1 (ABI 9): LANDLOCK_ACCESS_FS_RESOLVE_UNIX, scope semantics plus path rules, EACCES',
});
export const abi10 = kernelSemantics({
  name: 'abi10',
  abi: 10,
  fownPgidFix: true,
  errata: 15,
  description: 'Linux 7.2 (ABI 10): as ABI 9, plus UDP rights and quiet flags (no scoping changes)',
});
export const abi11 = kernelSemantics({
  name: 'abi11',
  abi: 11,
  fownPgidFix: true,
  errata: 15,
  description: 'Linux 7.3 (ABI 11): as ABI 10, plus LANDLOCK_RESTRICT_SELF_NO_NEW_PRIVS',
});
export const pathnameScopePatch = kernelSemantics({
  name: 'pathname-scope-patch',
  abi: 7,
  reportedAbi: 8,
  errata: 7,
  fownPgidFix: true,
  pathnameScopeBit: true,
  description:
    'The seed patch (never merged): ABI 7 plus scope bit pathname_unix_socket (1<<2), EPERM, checked where the abstract check is, with the datagram peer exemption',
});

export const BUILTIN_SEMANTICS: readonly Semantics[] = [abi6, abi7, abi8, abi9, abi10, abi11, pathnameScopePatch];
export const DEFAULT_SEMANTICS = 'abi11';

export function builtinSemantics(name: string): Semantics | undefined {
  return BUILTIN_SEMANTICS.find((s) => s.name === name);
}

const RELEASED = [abi6, abi7, abi8, abi9, abi10, abi11];
/** The newest ABI a built-in semantics describes. */
export const NEWEST_ABI = Math.max(...RELEASED.map((s) => s.abi));

/** The released semantics of a kernel reporting `abi`, if there is one. */
export function semanticsForAbi(abi: number): Semantics | undefined {
  return RELEASED.find((s) => s.abi === abi);
}

/** The same semantics with another errata mask (`--errata`). */
export function withErrata(s: Semantics, errata: number): Semantics {
  return { ...s, errata, name: errata === s.errata ? s.name : `${s.name}+errata=${errata}` };
}

/**
 * What real kernels do where kernels of one ABI differ, measured with `scopecheck diff` on the
 * traces of each release (traces/<release>/): they follow the stable branch, not the Landlock ABI.
 * Each release is a semantics of its own (`--semantics 6.18.15`): its ABI's semantics plus these
 * facts; `diff` picks it from a trace's kernel release. Its expected verdicts stay those of its ABI:
 * a property that fails only because of a release's own behaviour is a bug of that kernel.
 */
export interface KernelRelease {
  /** major.minor.patch, as `uname -r` starts. */
  readonly release: string;
  /** Debian's package the traces were recorded on. */
  readonly where: string;
  readonly abi: number;
  readonly errata: number;
  readonly afUnix?: NonNullable<Semantics['afUnix']>;
  readonly pidfd?: NonNullable<Semantics['pidfd']>;
  readonly ptrace?: NonNullable<Semantics['ptrace']>;
  readonly audit?: Partial<NonNullable<Semantics['audit']>>;
  /** Whether hook_file_set_fowner has the process-group fix (fown_tg; spec §4.6, open question 2). */
  readonly fownPgidFix: boolean;
}

export const KERNEL_RELEASES: readonly KernelRelease[] = [
  // pidfd_open() of an exited process whose pid lives on as a group or session id: EINVAL here,
  // ESRCH on the others; a capable task's /proc read is refused here, let through on the others.
  {
    release: '6.12.117',
    where: 'Debian linux-image-6.12.117+deb13-cloud-amd64',
    abi: 6,
    errata: 15,
    pidfd: { openWithoutProcess: 'EINVAL' },
    ptrace: { perfmonReadsMm: false },
    fownPgidFix: true,
  },
  // listen() on a connected stream/seqpacket socket returns 0 and changes nothing on 6.18.15 and
  // 7.0.13; 6.12.117, 6.18.44, 7.1.13, 7.2.13 and 7.3.4 return EINVAL.
  // …and LOG_SUBDOMAINS_OFF without a domain is lost at the next prepare_creds() on 6.18.15 only
  // (its audit records; 6.18.44, the live kernel, gives no records to tell).
  {
    release: '6.18.15',
    where: 'Debian linux-image-6.18.15+deb13-cloud-amd64',
    abi: 7,
    errata: 7,
    afUnix: { listenOnConnected: 'ok-no-effect' },
    audit: { subdomainsOffNeedsDomain: true },
    fownPgidFix: false,
  },
  { release: '6.18.44', where: "this machine's kernel (6.18.44-fc)", abi: 7, errata: 7, fownPgidFix: true },
  { release: '7.0.13', where: 'Debian linux-image-7.0.13+deb13-cloud-amd64', abi: 8, errata: 7, afUnix: { listenOnConnected: 'ok-no-effect' }, fownPgidFix: false },
  { release: '7.1.13', where: 'Debian linux-image-7.1.13+deb13-cloud-amd64', abi: 9, errata: 7, fownPgidFix: true },
  { release: '7.2.13', where: 'Debian linux-image-7.2.13+deb14-cloud-amd64', abi: 10, errata: 15, fownPgidFix: true },
  { release: '7.3.4', where: 'Debian linux-image-7.3.4+deb13-cloud-amd64', abi: 11, errata: 15, fownPgidFix: true },
];

/** The recorded facts of a kernel release (by the major.minor.patch `release` starts with). */
export function kernelRelease(release: string): KernelRelease | undefined {
  const m = /^(\d+\.\d+\.\d+)/.exec(release);
  return m ? KERNEL_RELEASES.find((r) => r.release === m[1]) : undefined;
}

const releaseCache = new Map<string, Semantics>();

/** The semantics of a kernel release: its ABI's, with that release's facts. */
export function releaseSemantics(release: string): Semantics | undefined {
  const r = kernelRelease(release);
  if (!r) return undefined;
  let s = releaseCache.get(r.release);
  if (!s) {
    const base = semanticsForAbi(r.abi)!;
    const facts = [
      ...(r.afUnix ? Object.entries(r.afUnix).map(([k, v]) => `${k}=${v}`) : []),
      ...(r.pidfd ? Object.entries(r.pidfd).map(([k, v]) => `pidfd ${k}=${v}`) : []),
      ...(r.ptrace ? Object.entries(r.ptrace).map(([k, v]) => `ptrace ${k}=${v}`) : []),
      ...(r.audit ? Object.entries(r.audit).map(([k, v]) => `audit ${k}=${v}`) : []),
      r.fownPgidFix ? 'with the process-group owner fix' : 'WITHOUT the process-group owner fix (fown_tg)',
    ];
    s = kernelSemantics({
      name: r.release,
      abi: r.abi,
      errata: r.errata,
      fownPgidFix: r.fownPgidFix,
      ...(r.afUnix ? { afUnix: r.afUnix } : {}),
      ...(r.pidfd ? { pidfd: r.pidfd } : {}),
      ...(r.ptrace ? { ptrace: r.ptrace } : {}),
      ...(r.audit ? { audit: r.audit } : {}),
      judgedAsAbi: true,
      description: `Linux ${r.release} as recorded (${r.where}): ${base.name}'s semantics; ${facts.join('; ')}`,
    });
    releaseCache.set(r.release, s);
  }
  return s;
}

/** A built-in semantics by name: an ABI's, the seed patch's, or a kernel release's. */
export function namedSemantics(name: string): Semantics | undefined {
  return builtinSemantics(name) ?? (/^\d+\.\d+\.\d+$/.test(name) ? releaseSemantics(name) : undefined);
}

/**
 * A semantics module as interface version 2: the hooks version 2 added (file_set_fowner,
 * file_send_sigiotask, ptrace_access_check, ptrace_traceme) that it does not define are those of
 * the released semantics of its ABI (the newest when none has that ABI) — for a module written
 * for version 1, or one that spread a built-in and replaced `hooks` with the four it changes.
 * A complete version-2 semantics is returned as it is.
 */
export function upgradeSemantics(s: Semantics): Semantics {
  const v1 = new Set<string>(HOOKS_V1.map((h) => HOOK_METHODS[h]));
  const missing = Object.values(HOOK_METHODS).filter((m) => !v1.has(m) && typeof (s.hooks as Partial<Hooks>)[m] !== 'function');
  if (s.interfaceVersion === 2 && !missing.length) return s;
  const base = semanticsForAbi(s.abi) ?? RELEASED[RELEASED.length - 1]!;
  const hooks = { ...s.hooks } as Record<keyof Hooks, unknown>;
  for (const m of missing) hooks[m] = base.hooks[m];
  return { ...s, interfaceVersion: 2, hooks: hooks as unknown as Hooks };
}
