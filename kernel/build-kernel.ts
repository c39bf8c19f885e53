/**
 * `scopecheck kernel build --source <linux tree>`: a minimal kernel for the replayer — tinyconfig
 * plus what the guest needs — built out of tree with the machine's cores, for
 * `scopecheck record --kernel-image`.
 */
import { EnvironmentError } from '../common/errors.js';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Options added to tinyconfig (measured on linux-source-7.3: boots to PID 1 in ~1.4 s under TCG). */
export const CONFIG_FRAGMENT: readonly string[] = [
  'CONFIG_64BIT=y',
  'CONFIG_PRINTK=y',
  'CONFIG_TTY=y',
  'CONFIG_SERIAL_8250=y',
  'CONFIG_SERIAL_8250_CONSOLE=y',
  'CONFIG_SERIAL_8250_NR_UARTS=4',
  'CONFIG_SERIAL_8250_RUNTIME_UARTS=4',
  'CONFIG_BLK_DEV_INITRD=y',
  'CONFIG_RD_GZIP=y',
  'CONFIG_BINFMT_ELF=y',
  'CONFIG_PROC_FS=y',
  'CONFIG_SYSFS=y',
  'CONFIG_TMPFS=y',
  'CONFIG_SHMEM=y',
  'CONFIG_DEVTMPFS=y',
  'CONFIG_NET=y',
  'CONFIG_UNIX=y',
  'CONFIG_MULTIUSER=y',
  'CONFIG_FUTEX=y',
  'CONFIG_EPOLL=y',
  'CONFIG_SIGNALFD=y',
  'CONFIG_TIMERFD=y',
  'CONFIG_EVENTFD=y',
  'CONFIG_POSIX_TIMERS=y',
  'CONFIG_NAMESPACES=y',
  'CONFIG_PID_NS=y',
  'CONFIG_NET_NS=y',
  'CONFIG_SECURITY=y',
  'CONFIG_SECURITY_LANDLOCK=y',
  'CONFIG_LSM="landlock"',
  'CONFIG_ACPI=y',
  'CONFIG_PCI=y',
];

/** Debian packages a kernel build needs beyond gcc and make. */
export const BUILD_TOOLS: readonly [string, string][] = [
  ['flex', 'flex'],
  ['bison', 'bison'],
  ['bc', 'bc'],
];

export class KernelBuildError extends EnvironmentError {
  constructor(message: string) {
    super(message);
    this.name = 'KernelBuildError';
  }
}

export interface KernelBuildOptions {
  source: string;
  buildDir?: string;
  jobs?: number;
  log?: (s: string) => void;
}

/** Where the build goes by default: outside the source tree, one directory per tree. */
export function defaultBuildDir(source: string): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'scopecheck', 'kernel-build', createHash('sha256').update(resolve(source)).digest('hex').slice(0, 16));
}

/** Problems that stop a build before it starts: not a Linux tree, missing tools. */
export function buildProblems(source: string): string[] {
  const problems: string[] = [];
  if (!existsSync(join(source, 'Makefile')) || !existsSync(join(source, 'arch', 'x86')) || !existsSync(join(source, 'security', 'landlock')))
    problems.push(`${source}: not a Linux source tree with security/landlock (no Makefile, arch/x86 or security/landlock)`);
  const missing = [['gcc', 'gcc'], ['make', 'make'], ...BUILD_TOOLS].filter(([cmd]) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0);
  if (!existsSync('/usr/include/gelf.h')) missing.push(['libelf', 'libelf-dev']);
  if (missing.length) problems.push(`missing build tools: ${missing.map(([c]) => c).join(', ')} (Debian: apt-get install ${missing.map(([, p]) => p).join(' ')})`);
  return problems;
}

function run(args: string[], cwd: string, log: (s: string) => void): void {
  log(`$ make ${args.join(' ')}`);
  // make's output goes to stderr: stdout is the command's result (e.g. validate --json).
  const r = spawnSync('make', args, { cwd, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) throw new KernelBuildError(`make ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

/** Configures and builds; returns the bzImage path. */
export function buildKernel(o: KernelBuildOptions): string {
  const source = resolve(o.source);
  const log = o.log ?? (() => {});
  const problems = buildProblems(source);
  if (problems.length) throw new KernelBuildError(problems.join('\n'));
  const out = resolve(o.buildDir ?? defaultBuildDir(source));
  if (out === source || out.startsWith(`${source}/`)) throw new KernelBuildError(`--build-dir ${out} is inside the source tree; choose a directory outside it`);
  mkdirSync(out, { recursive: true });
  const O = `O=${out}`;
  run([O, 'tinyconfig'], source, log);
  appendFileSync(join(out, '.config'), `\n# scopecheck: what the replayer's guest needs\n${CONFIG_FRAGMENT.join('\n')}\n`);
  run([O, 'olddefconfig'], source, log);
  const config = readFileSync(join(out, '.config'), 'utf8');
  const lost = CONFIG_FRAGMENT.filter((l) => l.endsWith('=y') && !config.includes(`${l}\n`)).filter((l) => !/NR_UARTS|RUNTIME_UARTS/.test(l));
  if (lost.some((l) => /LANDLOCK|UNIX|DEVTMPFS|BLK_DEV_INITRD|SERIAL_8250_CONSOLE/.test(l)))
    throw new KernelBuildError(`the configuration lost required options: ${lost.join(', ')}`);
  if (lost.length) log(`note: options not available in this tree: ${lost.join(', ')}`);
  run([O, `-j${o.jobs ?? availableParallelism()}`, 'bzImage'], source, log);
  const image = join(out, 'arch', 'x86', 'boot', 'bzImage');
  if (!existsSync(image)) throw new KernelBuildError(`the build finished without ${image}`);
  return image;
}

/**
 * A key of a source tree's content: every file's path, size and modification time (the tree's
 * .git and build outputs left out). Two builds of a tree with the same key give the same kernel.
 */
export function treeKey(source: string): string {
  const h = createHash('sha256');
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.name === '.git' || e.name.endsWith('.o') || e.name.endsWith('.cmd')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p, `${rel}${e.name}/`);
      else if (e.isFile()) {
        const st = statSync(p);
        h.update(`${rel}${e.name}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  walk(resolve(source), '');
  return h.digest('hex');
}

/** buildKernel, reusing the last build of the same tree content (its key is kept next to the build). */
export function buildKernelCached(o: KernelBuildOptions): { image: string; cached: boolean } {
  const source = resolve(o.source);
  const out = resolve(o.buildDir ?? defaultBuildDir(source));
  const key = treeKey(source);
  const keyFile = join(out, 'scopecheck-tree-key');
  const image = join(out, 'arch', 'x86', 'boot', 'bzImage');
  if (existsSync(image) && existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key) return { image, cached: true };
  const built = buildKernel({ ...o, buildDir: out });
  writeFileSync(keyFile, key);
  return { image: built, cached: false };
}
