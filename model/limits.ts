/**
 * The numbers (kernel: security/landlock/limits.h and include/uapi/linux/landlock.h).
 */
import { FS_RIGHT_NAMES, LOG_FLAG_NAMES, SCOPE_NAMES, type FsRightName, type LogFlagName, type ScopeName } from './uapi.js';

/** LANDLOCK_MAX_NUM_LAYERS: a 17th nested landlock_restrict_self() gives E2BIG. */
export const MAX_NUM_LAYERS = 16;

/** LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (ABI 6). */
export const SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0;
/** LANDLOCK_SCOPE_SIGNAL (ABI 6). */
export const SCOPE_SIGNAL = 1 << 1;
/** LANDLOCK_SCOPE_PATHNAME_UNIX_SOCKET: proposed by the seed patch, never merged. */
export const SCOPE_PATHNAME_UNIX_SOCKET = 1 << 2;

/** Filesystem access right bits: bit i is FS_RIGHT_NAMES[i] (LANDLOCK_ACCESS_FS_*). */
export const FS = Object.fromEntries(FS_RIGHT_NAMES.map((n, i) => [n, 1 << i])) as Record<FsRightName, number>;

export const ACCESS_FS_RESOLVE_UNIX = FS.resolve_unix;
export const ACCESS_FS_MAKE_SOCK = FS.make_sock;
export const ACCESS_FS_MAKE_DIR = FS.make_dir;

/** Rights that make sense on a file (fs.c ACCESS_FILE); others on a non-directory rule give EINVAL. */
export const ACCESS_FILE =
  FS.execute | FS.write_file | FS.read_file | FS.truncate | FS.ioctl_dev | FS.resolve_unix;

/** Filesystem rights known at each ABI (landlock.h LANDLOCK_ACCESS_FS_* "since ABI" notes). */
export function fsRightsOfAbi(abi: number): number {
  let m = (1 << 13) - 1; // ABI 1: execute .. make_sym
  if (abi >= 2) m |= FS.refer;
  if (abi >= 3) m |= FS.truncate;
  if (abi >= 5) m |= FS.ioctl_dev;
  if (abi >= 9) m |= FS.resolve_unix;
  return m;
}

/** LANDLOCK_RESTRICT_SELF_TSYNC (ABI 8). */
export const RESTRICT_SELF_TSYNC = 1 << 3;
/** LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF, _LOG_NEW_EXEC_ON, _LOG_SUBDOMAINS_OFF (ABI 7): bits 0..2. */
export const RESTRICT_SELF_LOG_SAME_EXEC_OFF = 1 << 0;
export const RESTRICT_SELF_LOG_NEW_EXEC_ON = 1 << 1;
export const RESTRICT_SELF_LOG_SUBDOMAINS_OFF = 1 << 2;
export const RESTRICT_SELF_LOG_FLAGS = RESTRICT_SELF_LOG_SAME_EXEC_OFF | RESTRICT_SELF_LOG_NEW_EXEC_ON | RESTRICT_SELF_LOG_SUBDOMAINS_OFF;
export const logFlagMask = (names: readonly LogFlagName[] = []): number => names.reduce((m, n) => m | (1 << LOG_FLAG_NAMES.indexOf(n)), 0);

/** Erratum N is fixed iff bit N-1 of the errata mask is set. Erratum 2: signals within a thread group. */
export const ERRATUM_2_SIGNAL_THREAD_GROUP = 1 << 1;

export const scopeBit = (n: ScopeName): number => 1 << SCOPE_NAMES.indexOf(n);
export const fsBit = (n: FsRightName): number => FS[n];
export const scopeMask = (names: readonly ScopeName[] = []): number => names.reduce((m, n) => m | scopeBit(n), 0);
export const fsMask = (names: readonly FsRightName[] = []): number => names.reduce((m, n) => m | fsBit(n), 0);

export function scopeNames(mask: number): ScopeName[] {
  return SCOPE_NAMES.filter((_, i) => mask & (1 << i));
}
export function fsNames(mask: number): FsRightName[] {
  return FS_RIGHT_NAMES.filter((_, i) => mask & (1 << i));
}
