/**
 * The uAPI's names (include/uapi/linux/landlock.h, include/linux/socket.h): scope bits, filesystem
 * access rights and UNIX socket types, in the order of their bits. The scenario language spells
 * masks with these names; the model computes with the bits (limits.ts).
 */

/** LANDLOCK_SCOPE_*: bit i is SCOPE_NAMES[i]; pathname_unix_socket (bit 2) is the seed patch's. */
export const SCOPE_NAMES = ['abstract_unix_socket', 'signal', 'pathname_unix_socket'] as const;
export type ScopeName = (typeof SCOPE_NAMES)[number];

/**
 * LANDLOCK_RESTRICT_SELF_LOG_*: bit i is LOG_FLAG_NAMES[i] (ABI 7): SAME_EXEC_OFF (1 << 0),
 * NEW_EXEC_ON (1 << 1), SUBDOMAINS_OFF (1 << 2). TSYNC (1 << 3, ABI 8) is a field of its own.
 */
export const LOG_FLAG_NAMES = ['same_exec_off', 'new_exec_on', 'subdomains_off'] as const;
export type LogFlagName = (typeof LOG_FLAG_NAMES)[number];

/** LANDLOCK_ACCESS_FS_*, uAPI order (bit i = 1 << i). */
export const FS_RIGHT_NAMES = [
  'execute',
  'write_file',
  'read_file',
  'read_dir',
  'remove_dir',
  'remove_file',
  'make_char',
  'make_dir',
  'make_reg',
  'make_sock',
  'make_fifo',
  'make_block',
  'make_sym',
  'refer',
  'truncate',
  'ioctl_dev',
  'resolve_unix',
] as const;
export type FsRightName = (typeof FS_RIGHT_NAMES)[number];

/** SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET. */
export const SOCKET_TYPES = ['stream', 'dgram', 'seqpacket'] as const;
export type SocketType = (typeof SOCKET_TYPES)[number];

/** A UNIX socket address: abstract (sun_path[0] == 0) or a pathname relative to the scenario's directory. */
export type Address = { abstract: string } | { pathname: string };

export const addrText = (a: Address): string => ('abstract' in a ? `@${a.abstract}` : a.pathname);
export const addrKind = (a: Address): 'abstract' | 'pathname' => ('abstract' in a ? 'abstract' : 'pathname');
