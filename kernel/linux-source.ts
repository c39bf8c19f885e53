/**
 * A Linux source tree ready for building the Landlock selftests against the real harness:
 * Debian's linux-source-<major.minor> (kernel/debian.ts resolveLinuxSource: the machine's apt
 * mirror through the private apt state, unpacked once under ~/.cache/scopecheck/linux-source/),
 * its uAPI headers (`make headers`, out of tree, once per package version: the usr/include that
 * tools/testing/selftests/lib.mk's KHDR_INCLUDES points at), and libcap's headers and static
 * library, which tools/testing/selftests/landlock (common.h: <sys/capability.h>, -lcap) needs:
 * the system's when libcap-dev is installed, else the system suite's libcap-dev package
 * (matching the installed libcap2) fetched with `apt-get download` into the cache. Nothing of
 * the system is changed; the source tree is only read.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentError } from '../common/errors.js';
import { defaultCacheDir, resolveLinuxSource, run, type LinuxSourceOptions, type LinuxSourcePackage } from './debian.js';

export class LinuxSourceError extends EnvironmentError {
  constructor(
    message: string,
    /** 'network': something could not be downloaded; 'build': a tool failed. */
    readonly reason: 'network' | 'build' = 'build',
  ) {
    super(message);
    this.name = 'LinuxSourceError';
  }
}

export interface SelftestTree {
  source: LinuxSourcePackage;
  /** The tree's top directory (read only). */
  tree: string;
  /** The installed uAPI headers: KHDR_INCLUDES = -isystem <headers>. */
  headers: string;
  /** Where libcap's <sys/capability.h> and libcap.a / libcap.so are, when not the system's. */
  libcap?: { include: string; lib: string };
  /** scripts/checkpatch.pl of the tree. */
  checkpatch: string;
}

export { run };

const tail = (s: string, n = 20) => s.trim().split('\n').slice(-n).join('\n');

/** `make headers` of the tree into <entry>/headers (once; atomic). Returns <entry>/headers/usr/include. */
async function ensureHeaders(src: LinuxSourcePackage, log: (m: string) => void): Promise<string> {
  const entry = join(src.tree, '..');
  const final = join(entry, 'headers');
  const inc = join(final, 'usr', 'include');
  if (existsSync(join(inc, 'linux', 'landlock.h'))) return inc;
  const work = mkdtempSync(join(entry, '.headers-'));
  try {
    log(`make headers (${src.package} ${src.version}) into ${final}`);
    try {
      await run('make', ['-s', '-C', src.tree, `O=${work}`, 'headers'], { timeoutMs: 600_000 });
    } catch (e) {
      const err = e as Error & { stderr?: string; code?: unknown };
      if (err.code === 'ENOENT') throw new LinuxSourceError('make is not installed: cannot build the uAPI headers');
      throw new LinuxSourceError(`make headers in ${src.tree} failed:\n${tail(err.stderr ?? err.message)}`);
    }
    if (!existsSync(join(work, 'usr', 'include', 'linux', 'landlock.h')))
      throw new LinuxSourceError(`make headers in ${src.tree} produced no usr/include/linux/landlock.h`);
    // Keep only usr/include (the build leaves scripts and objects beside it).
    const keep = mkdtempSync(join(entry, '.headers-keep-'));
    mkdirSync(join(keep, 'usr'));
    renameSync(join(work, 'usr', 'include'), join(keep, 'usr', 'include'));
    try {
      renameSync(keep, final);
    } catch (e) {
      rmSync(keep, { recursive: true, force: true });
      if (!existsSync(join(inc, 'linux', 'landlock.h'))) throw e; // else: a concurrent build won
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return inc;
}

const SYSTEM_LIB = '/usr/lib/x86_64-linux-gnu';

/** libcap's headers and libraries: the system's, else libcap-dev of the system's suite, cached. */
async function ensureLibcap(cache: string, log: (m: string) => void): Promise<{ include: string; lib: string } | undefined> {
  if (existsSync('/usr/include/sys/capability.h') && existsSync(join(SYSTEM_LIB, 'libcap.a'))) return undefined;
  const root = join(cache, 'libcap-dev');
  const found = (() => {
    try {
      return readdirSync(root)
        .filter((d) => !d.startsWith('.') && existsSync(join(root, d, 'usr', 'include', 'sys', 'capability.h')))
        .sort()
        .pop();
    } catch {
      return undefined;
    }
  })();
  const at = (d: string) => ({ include: join(root, d, 'usr', 'include'), lib: join(root, d, 'usr', 'lib', 'x86_64-linux-gnu') });
  if (found) return at(found);
  mkdirSync(root, { recursive: true });
  const work = mkdtempSync(join(root, '.download-'));
  try {
    log('downloading libcap-dev (the system suite, matching the installed libcap2) with apt-get download');
    try {
      await run('apt-get', ['download', 'libcap-dev'], { cwd: work, timeoutMs: 300_000 });
    } catch (e) {
      const err = e as Error & { stderr?: string };
      throw new LinuxSourceError(
        `libcap-dev is not installed and apt-get download libcap-dev failed (no apt mirror?):\n${tail(err.stderr ?? err.message)}`,
        'network',
      );
    }
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!deb) throw new LinuxSourceError(`apt-get download libcap-dev left no .deb in ${work}`, 'network');
    const name = decodeURIComponent(deb).replace(/\.deb$/, '').replace(/[^A-Za-z0-9.+~_-]/g, '_');
    const out = join(work, 'out');
    await run('dpkg-deb', ['-x', join(work, deb), out]);
    try {
      renameSync(out, join(root, name));
    } catch (e) {
      if (!existsSync(join(root, name, 'usr', 'include', 'sys', 'capability.h'))) throw e;
    }
    return at(name);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const inflight = new Map<string, Promise<SelftestTree>>();

/**
 * The kernel tree (Debian's newest linux-source by default), its uAPI headers and libcap, for
 * building tools/testing/selftests/landlock. Downloads and builds only what the cache lacks.
 * Throws DebianKernelError (no mirror, nothing found) or LinuxSourceError.
 */
export function prepareSelftestTree(opts: LinuxSourceOptions = {}): Promise<SelftestTree> {
  const key = `${opts.cacheDir ?? ''}\0${opts.version ?? ''}`;
  let p = inflight.get(key);
  if (!p) {
    p = (async () => {
      const log = opts.log ?? (() => undefined);
      const source = await resolveLinuxSource(opts);
      const headers = await ensureHeaders(source, log);
      const libcap = await ensureLibcap(opts.cacheDir ?? defaultCacheDir(), log);
      const checkpatch = join(source.tree, 'scripts', 'checkpatch.pl');
      for (const f of [join(source.tree, 'tools', 'testing', 'selftests', 'landlock', 'common.h'), join(source.tree, 'tools', 'testing', 'selftests', 'kselftest_harness.h'), checkpatch])
        if (!existsSync(f)) throw new LinuxSourceError(`${source.package} ${source.version} has no ${f}`);
      return { source, tree: source.tree, headers, ...(libcap ? { libcap } : {}), checkpatch };
    })();
    inflight.set(key, p);
    p.catch(() => inflight.delete(key));
  }
  return p;
}
