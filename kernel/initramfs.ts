/**
 * Builds the initramfs of a replay VM (kernel/vm.ts): a gzip'd newc cpio archive holding
 * the statically linked replayer as /init and the encoded batch as /scopecheck/batch
 * (see guest_main() in replayer/replayer.c), plus /dev/console so that init has a console
 * even before it mounts devtmpfs. Written in TypeScript: no cpio tool needed.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { makeTempDir } from './cleanup.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const GUEST_BATCH_PATH = '/scopecheck/batch';

export interface CpioEntry {
  /** Path inside the archive, without a leading '/'. */
  name: string;
  /** 'file' (default when data is set), 'dir' or 'chardev'. */
  type: 'file' | 'dir' | 'chardev';
  /** Permission bits (default 0755 for dirs and executables, 0644 for files, 0600 for devices). */
  perm?: number;
  data?: Buffer;
  /** Device numbers of a chardev. */
  rdev?: [number, number];
}

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFCHR = 0o020000;

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

function pad4(n: number): Buffer {
  return Buffer.alloc((4 - (n % 4)) % 4);
}

/** An uncompressed newc ("070701") cpio archive of the entries, with its trailer. */
export function newcArchive(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  const add = (name: string, mode: number, data: Buffer, rdev: [number, number] = [0, 0], nlink = 1) => {
    const nameBuf = Buffer.from(`${name}\0`, 'utf8');
    const header =
      '070701' +
      [ino++, mode, 0, 0, nlink, 0, data.length, 0, 0, rdev[0], rdev[1], nameBuf.length, 0].map(hex8).join('');
    parts.push(Buffer.from(header, 'ascii'), nameBuf, pad4(110 + nameBuf.length), data, pad4(data.length));
  };
  for (const e of entries) {
    const name = e.name.replace(/^\/+/, '');
    if (!name || name.includes('\0')) throw new Error(`bad cpio entry name ${JSON.stringify(e.name)}`);
    if (e.type === 'dir') add(name, S_IFDIR | (e.perm ?? 0o755), Buffer.alloc(0), [0, 0], 2);
    else if (e.type === 'chardev') add(name, S_IFCHR | (e.perm ?? 0o600), Buffer.alloc(0), e.rdev ?? [0, 0]);
    else add(name, S_IFREG | (e.perm ?? 0o644), e.data ?? Buffer.alloc(0));
  }
  add('TRAILER!!!', 0, Buffer.alloc(0), [0, 0], 1);
  return Buffer.concat(parts);
}

/** What every guest's root holds: /dev/console, /proc and /tmp to mount on, and `dir` for its files. */
export function guestBaseEntries(dir: string): CpioEntry[] {
  return [
    { name: 'dev', type: 'dir' },
    { name: 'dev/console', type: 'chardev', rdev: [5, 1] },
    { name: 'proc', type: 'dir', perm: 0o555 },
    { name: 'tmp', type: 'dir', perm: 0o1777 },
    { name: dir, type: 'dir' },
  ];
}

/** The gzip'd initramfs image of a replay VM. */
export function guestInitramfs(replayerBinary: string, batch: string): Buffer {
  return gzipSync(
    newcArchive([
      ...guestBaseEntries('scopecheck'),
      { name: 'init', type: 'file', perm: 0o755, data: readFileSync(replayerBinary) },
      { name: GUEST_BATCH_PATH.slice(1), type: 'file', data: Buffer.from(batch, 'utf8') },
    ]),
    { level: 6 },
  );
}

export interface BuiltInitramfs {
  /** The temporary directory (outside the repository) that holds the image. */
  dir: string;
  /** Path of the gzip'd cpio image. */
  path: string;
  /** Removes the temporary directory (idempotent). */
  cleanup: () => void;
}

/**
 * Writes the initramfs of a batch (encoded lines, see kernel/replayer.ts encodeScenario)
 * into a fresh temporary directory under `parent` (default os.tmpdir()). The caller must
 * call cleanup().
 */
export function buildInitramfs(replayerBinary: string, lines: string[], parent = tmpdir()): BuiltInitramfs {
  const dir = makeTempDir(parent, 'scopecheck-vm-');
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const path = join(dir, 'initramfs.cpio.gz');
    writeFileSync(path, guestInitramfs(replayerBinary, lines.length ? `${lines.join('\n')}\n` : ''));
    return { dir, path, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}

/**
 * Writes a gzip'd initramfs of the given entries (e.g. a static test runner as /init and the
 * programs it runs; see kernel/kselftest.ts) into a fresh temporary directory under `parent`.
 * The caller must call cleanup().
 */
export function buildInitramfsOf(entries: CpioEntry[], parent = tmpdir()): BuiltInitramfs {
  const dir = makeTempDir(parent, 'scopecheck-vm-');
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const path = join(dir, 'initramfs.cpio.gz');
    writeFileSync(path, gzipSync(newcArchive(entries), { level: 6 }));
    return { dir, path, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}
