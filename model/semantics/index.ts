/**
 * The built-in semantics, by name. Each is a few lines over kernelSemantics(); adding one never
 * touches the others.
 */
import { kernelSemantics } from './kernel.js';
import type { Semantics } from '../hooks.js';

export const abi6 = kernelSemantics({
  name: 'abi6',
  abi: 6,
  errata: 15,
  description: 'Linux 6.12 (ABI 6): abstract UNIX socket and signal scoping; pathname sockets unrestricted',
});
export const abi7 = kernelSemantics({
  name: 'abi7',
  abi: 7,
  errata: 7,
  description: 'Linux 6.15-6.18 (ABI 7): as ABI 6, plus audit (no decision changes)',
});
export const abi8 = kernelSemantics({
  name: 'abi8',
  abi: 8,
  errata: 7,
  description: 'Linux 7.0 (ABI 8): as ABI 7, plus LANDLOCK_RESTRICT_SELF_TSYNC',
});
export const abi9 = kernelSemantics({
  name: 'abi9',
  abi: 9,
  errata: 7,
  description: 'Linux 7.1 (ABI 9): LANDLOCK_ACCESS_FS_RESOLVE_UNIX, scope semantics plus path rules, EACCES',
});
export const abi10 = kernelSemantics({
  name: 'abi10',
  abi: 10,
  errata: 15,
  description: 'Linux 7.2 (ABI 10): as ABI 9, plus UDP rights and quiet flags (no scoping changes)',
});
export const abi11 = kernelSemantics({
  name: 'abi11',
  abi: 11,
  errata: 15,
  description: 'Linux 7.3 (ABI 11): as ABI 10, plus LANDLOCK_RESTRICT_SELF_NO_NEW_PRIVS',
});
export const pathnameScopePatch = kernelSemantics({
  name: 'pathname-scope-patch',
  abi: 7,
  reportedAbi: 8,
  errata: 7,
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
 * af_unix differences of particular kernel releases, measured with `scopecheck diff` on recorded
 * traces (not Landlock: they follow the stable branch, not the ABI). Keyed by the release's
 * major.minor.patch.
 */
export const KERNEL_QUIRKS: Readonly<Record<string, NonNullable<Semantics['afUnix']>>> = {
  // listen() on a connected stream/seqpacket socket returns 0 and changes nothing;
  // 6.12.117, 6.18.44, 7.1.13, 7.2.13 and 7.3.4 return EINVAL.
  '6.18.15': { listenOnConnected: 'ok-no-effect' },
  '7.0.13': { listenOnConnected: 'ok-no-effect' },
};

export function quirksOfRelease(release: string): Semantics['afUnix'] | undefined {
  const m = /^(\d+\.\d+\.\d+)/.exec(release);
  return m ? KERNEL_QUIRKS[m[1]!] : undefined;
}

/** The same semantics with a kernel release's af_unix quirks. */
export function withQuirks(s: Semantics, q: Semantics['afUnix'] | undefined): Semantics {
  if (!q) return s;
  return { ...s, afUnix: { ...s.afUnix, ...q }, name: `${s.name}+${Object.entries(q).map(([k, v]) => `${k}=${v}`).join(',')}` };
}
