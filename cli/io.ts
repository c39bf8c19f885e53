/**
 * File I/O at the edge. Every file scopecheck reads comes from other people: it is opened without
 * blocking (a FIFO never hangs), must be a regular file, is read up to a bound (ops/limits.ts), and
 * a bad one is an InputError naming the file. Files are written atomically, and a temporary file
 * that a killed writer left is reclaimed by the next write of the same file.
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../common/errors.js';
import { parseScenarioText, type Scenario } from '../format/scenario.js';
import { parseTraceLines, type Trace } from '../format/trace.js';
import { MAX_FILE_BYTES, MAX_GUNZIP_BYTES } from '../ops/limits.js';

export { InputError } from '../common/errors.js';

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ELOOP: 'too many levels of symbolic links',
  EACCES: 'permission denied',
  ENOTDIR: 'a component of the path is not a directory',
  ENAMETOOLONG: 'file name too long',
};
const why = (e: unknown) => {
  const code = (e as NodeJS.ErrnoException).code;
  return (code && ERRNO_TEXT[code]) ?? code ?? 'cannot read';
};

const mib = (n: number) => `${n / (1 << 20)} MiB`;

/** A regular file's bytes, at most `max`; anything else (a FIFO, a device, a directory, a larger file) is refused without reading it. */
export function readInputFile(file: string, max = MAX_FILE_BYTES): Buffer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw new InputError(`${file}: ${why(e)}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputError(`${file}: is a directory`);
    if (!st.isFile()) throw new InputError(`${file}: not a regular file`);
    if (st.size > max) throw new InputError(`${file}: ${st.size} bytes, larger than the ${mib(max)} a file may have`);
    const buf = Buffer.alloc(st.size);
    let n = 0;
    while (n < st.size) {
      const k = readSync(fd, buf, n, st.size - n, n);
      if (k === 0) break;
      n += k;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export const readText = (file: string): string => readInputFile(file).toString('utf8');

/** A (possibly gzipped) text file: at most MAX_FILE_BYTES stored, MAX_GUNZIP_BYTES decompressed. */
export function readGzText(file: string): string {
  const buf = readInputFile(file);
  if (!file.endsWith('.gz')) return buf.toString('utf8');
  try {
    return gunzipSync(buf, { maxOutputLength: MAX_GUNZIP_BYTES }).toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)
      throw new InputError(`${file}: decompresses to more than ${mib(MAX_GUNZIP_BYTES)}`);
    throw new InputError(`${file}: not a gzip file`);
  }
}

/** Files named on the command line, directories expanded (recursively, sorted) to files with `ext`. */
export function expandFiles(args: readonly string[], exts: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string, top: boolean) => {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      throw new InputError(`${p}: ${why(e)}`);
    }
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) {
        if (e.startsWith('.')) continue;
        // eslint-disable-next-line no-control-regex
        if (/[\u0000-\u001f\u007f]/.test(e)) throw new InputError(`${p}: holds a file whose name has a control character (${JSON.stringify(e).slice(0, 80)}): rename it`);
        const q = join(p, e);
        // Inside a directory, only regular files and directories (no links, FIFOs or devices).
        const l = lstatSync(q);
        if (l.isDirectory() || (l.isFile() && exts.some((x) => q.endsWith(x)))) walk(q, false);
      }
    } else if (top || exts.some((x) => p.endsWith(x))) out.push(p);
  };
  for (const a of args) walk(a, true);
  return out;
}

/** expandFiles, but finding nothing is an input error naming what was searched. */
export function expandSome(args: readonly string[], exts: readonly string[], what: string): string[] {
  const files = expandFiles(args, exts);
  if (!files.length) throw new InputError(`no ${what} (${exts.join(', ')}) in ${args.join(' ')}`);
  return files;
}

export interface LoadedScenario {
  file: string;
  scenario: Scenario;
}

export function readScenarioFile(file: string): Scenario {
  return parseScenarioText(readText(file), file);
}

export function readScenarios(args: readonly string[]): LoadedScenario[] {
  return expandFiles(args, ['.json']).map((file) => ({ file, scenario: readScenarioFile(file) }));
}

export function readTraceFile(file: string): Trace[] {
  return parseTraceLines(readText(file), file);
}

/** The temporary files of a write of `file` by process `pid`: `.<name>.<pid>.tmp`. */
const tmpName = (file: string, pid: number) => join(dirname(file) || '.', `.${basename(file)}.${pid}.tmp`);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Removes the temporary files of earlier writes of `file` whose writer is gone (killed mid-write). */
function reclaim(file: string): void {
  const dir = dirname(file) || '.';
  const prefix = `.${basename(file)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith(prefix) || !n.endsWith('.tmp')) continue;
    const pid = Number(n.slice(prefix.length, -'.tmp'.length));
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid)) rmSync(join(dir, n), { force: true });
  }
}

/** An output path given as `what`: refused before any work when it is a directory or cannot be a file. */
export function checkOutput(file: string, what: string): void {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new InputError(`${what}: ${file}: ${why(e)}`);
  }
  if (st.isDirectory()) throw new InputError(`${what}: ${file} is a directory`);
  if (!st.isFile()) throw new InputError(`${what}: ${file} is not a regular file`);
}

/**
 * Writes a file atomically: a temporary file in the same directory, then rename. `what` names
 * the option the path came from, for the error when it is a directory or cannot be written.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, what = '--out'): void {
  checkOutput(file, what);
  try {
    mkdirSync(dirname(file) || '.', { recursive: true });
  } catch (e) {
    throw new InputError(`${what}: cannot create the directory of ${file}: ${why(e)}`);
  }
  reclaim(file);
  const tmp = tmpName(file, process.pid);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new InputError(`${what}: cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
