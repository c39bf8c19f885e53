/**
 * Fetches Debian's cloud kernels (linux-image-<ver>-cloud-amd64) for booting under qemu
 * (kernel/vm.ts): resolves a version such as "7.3" to the newest matching package in the
 * Debian suites trixie, trixie-backports and sid, downloads it with `apt-get download` and
 * extracts the kernel image (and its config) with `dpkg-deb -x` into a cache outside the
 * repository:
 *
 *   $XDG_CACHE_HOME/scopecheck (default ~/.cache/scopecheck)
 *     apt/                      private apt state (sources.list, lists, cache)
 *     kernels/<release>/        vmlinuz, config, package.json (what was downloaded)
 *
 * The mirror is read from this machine's apt sources at run time (SCOPECHECK_DEBIAN_MIRROR
 * overrides it); the system's apt configuration is never changed. Up to 6.18 the
 * linux-image package holds boot/vmlinuz-<release>; from 6.19 it is a meta-package whose
 * kernel is in linux-binary-<release> (usr/lib/modules/<release>/vmlinuz) and whose config
 * is in linux-base-<release>: the packages to fetch are chosen from the image package's
 * Depends, not from the version number.
 */
import { EnvironmentError } from '../common/errors.js';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const DEBIAN_SUITES = ['trixie', 'trixie-backports', 'sid'] as const;
export const DEBIAN_FLAVOUR = 'cloud-amd64';

/**
 * The Landlock ABI (and errata) measured on Debian's cloud kernels, per major.minor.
 * 6.13–6.17 are not listed (not measured); `expectedAbi` is undefined for them.
 */
export const EXPECTED_ABI: Readonly<Record<string, { abi: number; errata?: number }>> = {
  '6.12': { abi: 6, errata: 15 },
  '6.18': { abi: 7, errata: 7 },
  '7.0': { abi: 8, errata: 7 },
  '7.1': { abi: 9, errata: 7 },
  '7.2': { abi: 10, errata: 15 },
  '7.3': { abi: 11, errata: 15 },
};

/** The ABI expected for a kernel version or release ("7.3", "7.3.4", "7.3.4+deb13-cloud-amd64"). */
export function expectedAbiOf(version: string): number | undefined {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m ? EXPECTED_ABI[`${m[1]}.${m[2]}`]?.abi : undefined;
}

export interface DebianKernel {
  /** The kernel release (uname -r in the guest), e.g. "7.3.4+deb13-cloud-amd64". */
  version: string;
  /** Path of the extracted kernel image (bzImage). */
  vmlinuz: string;
  /** Path of the kernel's config, when the packages hold one. */
  config?: string;
  /** The Landlock ABI this kernel is expected to report (see EXPECTED_ABI). */
  expectedAbi?: number;
  /** The Debian packages (name=version) the files were extracted from. */
  packages?: string[];
}

export interface ResolveOptions {
  /** Cache root (default $XDG_CACHE_HOME/scopecheck or ~/.cache/scopecheck). */
  cacheDir?: string;
  /** Debian mirror URL (default: SCOPECHECK_DEBIAN_MIRROR, else the machine's apt sources). */
  mirror?: string;
  /** Run `apt-get update` even when the private package lists are recent. */
  refresh?: boolean;
  /** Age after which the package lists are refreshed (default 24 h). */
  maxListAgeMs?: number;
  /** Progress messages (downloads). Default: none. */
  log?: (msg: string) => void;
}

export type DebianKernelErrorKind = 'bad-version' | 'not-found' | 'network' | 'apt';

export class DebianKernelError extends EnvironmentError {
  constructor(
    message: string,
    /** 'network': the mirror could not be reached (apt-get update/download failed). */
    readonly reason: DebianKernelErrorKind = 'apt',
  ) {
    super(message);
    this.name = 'DebianKernelError';
  }
}

export function defaultCacheDir(): string {
  const x = process.env.XDG_CACHE_HOME;
  return join(x && x.startsWith('/') ? x : join(homedir(), '.cache'), 'scopecheck');
}

// ------------------------------------------------------------------------------------------
// Mirror discovery

interface SourceEntry {
  uri: string;
  suites: string[];
  signedBy?: string;
}

function parseOneLineSources(text: string): SourceEntry[] {
  const out: SourceEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (!m) continue;
    const signed = /signed-by=(\S+)/.exec(m[1] ?? '')?.[1];
    out.push({ uri: m[2]!, suites: [m[3]!], ...(signed ? { signedBy: signed } : {}) });
  }
  return out;
}

function parseDeb822Sources(text: string): SourceEntry[] {
  const out: SourceEntry[] = [];
  for (const para of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last = '';
    for (const raw of para.split('\n')) {
      if (raw.startsWith('#')) continue;
      if (/^\s/.test(raw) && last) {
        fields.set(last, `${fields.get(last)}\n${raw.trim()}`);
        continue;
      }
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(raw);
      if (m) {
        last = m[1]!.toLowerCase();
        fields.set(last, m[2]!.trim());
      }
    }
    if (!/\bdeb\b/.test(fields.get('types') ?? '')) continue;
    if (/^(no|false)$/i.test(fields.get('enabled') ?? '')) continue;
    const suites = (fields.get('suites') ?? '').split(/\s+/).filter(Boolean);
    const signed = fields.get('signed-by');
    for (const uri of (fields.get('uris') ?? '').split(/\s+/).filter(Boolean))
      out.push({ uri, suites, ...(signed && signed.startsWith('/') && !signed.includes('\n') ? { signedBy: signed } : {}) });
  }
  return out;
}

/** The apt source entries of this machine (sources.list, sources.list.d/*.list and *.sources). */
export function systemAptSources(etc = '/etc/apt'): SourceEntry[] {
  const out: SourceEntry[] = [];
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  out.push(...parseOneLineSources(read(join(etc, 'sources.list'))));
  let names: string[] = [];
  try {
    names = readdirSync(join(etc, 'sources.list.d')).sort();
  } catch {
    /* none */
  }
  for (const n of names) {
    if (n.endsWith('.list')) out.push(...parseOneLineSources(read(join(etc, 'sources.list.d', n))));
    else if (n.endsWith('.sources')) out.push(...parseDeb822Sources(read(join(etc, 'sources.list.d', n))));
  }
  return out;
}

const DEBIAN_SUITE_NAMES = /^(buster|bullseye|bookworm|trixie|forky|duke|sid|unstable|testing|stable|oldstable)(-updates|-backports)?$/;

/** The Debian archive mirror (not -security, not a third-party repository) of this machine. */
export function debianMirror(): { uri: string; signedBy?: string } {
  const env = process.env.SCOPECHECK_DEBIAN_MIRROR;
  if (env) return { uri: env.replace(/\/+$/, '') };
  const entries = systemAptSources();
  const hit =
    entries.find((e) => /\/debian\/?$/.test(e.uri) && e.suites.some((s) => DEBIAN_SUITE_NAMES.test(s))) ??
    entries.find((e) => !/security/.test(e.uri) && e.suites.some((s) => DEBIAN_SUITE_NAMES.test(s)));
  if (!hit)
    throw new DebianKernelError(
      `no Debian archive mirror in this machine's apt sources (/etc/apt/sources.list, /etc/apt/sources.list.d/*.list, *.sources; ` +
        `found: ${entries.map((e) => `${e.uri} ${e.suites.join(',')}`).join('; ') || 'nothing'}); set SCOPECHECK_DEBIAN_MIRROR`,
    );
  return { uri: hit.uri.replace(/\/+$/, ''), ...(hit.signedBy ? { signedBy: hit.signedBy } : {}) };
}

// ------------------------------------------------------------------------------------------
// Private apt state

/**
 * A command of the kernel tooling (apt-get, apt-cache, dpkg-deb, tar, make, gcc, perl) in the C
 * locale, bounded in time and output; exit codes in `okCodes` count as success. Rejects with the
 * error (its `code`: the exit status, or e.g. "ENOENT"), stdout and stderr attached.
 */
export function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number; okCodes?: number[] } = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((res, rej) =>
    execFile(
      cmd,
      args,
      { cwd: opts.cwd, timeout: opts.timeoutMs ?? 600_000, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        if (err && !(opts.okCodes ?? []).includes(code)) {
          const e = err as Error & { stderr?: string; stdout?: string; code?: unknown };
          e.stderr = String(stderr);
          e.stdout = String(stdout);
          rej(e);
        } else res({ stdout: String(stdout), stderr: String(stderr), code });
      },
    ),
  );
}

function tail(s: string, n = 15): string {
  return s.trim().split('\n').slice(-n).join('\n');
}

class PrivateApt {
  readonly dir: string;
  constructor(
    cache: string,
    readonly mirror: { uri: string; signedBy?: string },
  ) {
    this.dir = join(cache, 'apt');
  }

  opts(): string[] {
    return [
      '-o', `Dir::Etc::sourcelist=${join(this.dir, 'sources.list')}`,
      '-o', 'Dir::Etc::sourceparts=-',
      '-o', `Dir::State::Lists=${join(this.dir, 'lists')}`,
      '-o', `Dir::Cache=${join(this.dir, 'cache')}`,
      '-o', 'APT::Get::List-Cleanup=0',
    ];
  }

  private sourcesText(): string {
    const keyring =
      this.mirror.signedBy ??
      (existsSync('/usr/share/keyrings/debian-archive-keyring.gpg') ? '/usr/share/keyrings/debian-archive-keyring.gpg' : undefined);
    const opt = keyring ? `[signed-by=${keyring}] ` : '';
    return DEBIAN_SUITES.map((s) => `deb ${opt}${this.mirror.uri} ${s} main\n`).join('');
  }

  /** Age of the package lists in ms (Infinity when there are none, or the sources changed). */
  listAge(): number {
    const stamp = join(this.dir, 'updated');
    try {
      if (readFileSync(join(this.dir, 'sources.list'), 'utf8') !== this.sourcesText()) return Infinity;
      return Date.now() - statSync(stamp).mtimeMs;
    } catch {
      return Infinity;
    }
  }

  async update(): Promise<void> {
    for (const d of ['lists/partial', 'cache/archives/partial']) mkdirSync(join(this.dir, d), { recursive: true });
    writeFileSync(join(this.dir, 'sources.list'), this.sourcesText());
    let out: { stdout: string; stderr: string };
    try {
      out = await run('apt-get', [...this.opts(), 'update'], { timeoutMs: 300_000 });
    } catch (e) {
      const err = e as Error & { stderr?: string; code?: string };
      if (err.code === 'ENOENT') throw new DebianKernelError('apt-get is not installed: cannot fetch Debian kernels');
      throw new DebianKernelError(
        `apt-get update of ${DEBIAN_SUITES.join(', ')} from ${this.mirror.uri} failed (no network?):\n${tail(err.stderr ?? err.message)}`,
        'network',
      );
    }
    // apt-get update exits 0 on some fetch failures: look for them.
    const failed = /^(W|E): (Failed to fetch|Some index files failed)/m.test(out.stderr);
    if (failed)
      throw new DebianKernelError(
        `apt-get update of ${DEBIAN_SUITES.join(', ')} from ${this.mirror.uri} could not fetch every index (no network?):\n${tail(out.stderr)}`,
        'network',
      );
    writeFileSync(join(this.dir, 'updated'), new Date().toISOString());
  }

  async search(regex: string): Promise<string[]> {
    const { stdout } = await run('apt-cache', [...this.opts(), 'search', '--names-only', regex]);
    return stdout
      .split('\n')
      .map((l) => l.split(' ')[0]!)
      .filter(Boolean);
  }

  /** Candidate version and Depends of a package (the newest version in the suites). */
  async show(pkg: string): Promise<{ version: string; depends: string[] }> {
    const { stdout } = await run('apt-cache', [...this.opts(), 'show', '--no-all-versions', pkg]);
    const version = /^Version: (.+)$/m.exec(stdout)?.[1]?.trim();
    if (!version) throw new DebianKernelError(`apt-cache show ${pkg} printed no version`);
    const dep = /^Depends: (.+)$/m.exec(stdout)?.[1] ?? '';
    return { version, depends: dep.split(',').map((d) => d.trim().split(/[\s(|]/)[0]!).filter(Boolean) };
  }

  /** Whether the suites hold that version of the package. */
  async has(pkg: string, version: string): Promise<boolean> {
    try {
      const { stdout } = await run('apt-cache', [...this.opts(), 'madison', pkg]);
      return stdout.split('\n').some((l) => l.split('|')[1]?.trim() === version);
    } catch {
      return false;
    }
  }

  async download(pkgs: string[], dir: string): Promise<void> {
    try {
      await run('apt-get', [...this.opts(), 'download', ...pkgs], { cwd: dir, timeoutMs: 900_000 });
    } catch (e) {
      const err = e as Error & { stderr?: string };
      throw new DebianKernelError(
        `apt-get download ${pkgs.join(' ')} from ${this.mirror.uri} failed (no network?):\n${tail(err.stderr ?? err.message)}`,
        'network',
      );
    }
  }
}

// ------------------------------------------------------------------------------------------
// Version resolution

/** "7.3.4+deb13-cloud-amd64" -> [7, 3, 4, 13] for sorting. */
function releaseKey(release: string): number[] {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(?:[-+~]?(?:deb|bpo)?(\d+))?/.exec(release);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)] : [0, 0, 0, 0];
}

function cmpRelease(a: string, b: string): number {
  const x = releaseKey(a);
  const y = releaseKey(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether a kernel release ("7.3.4+deb13-cloud-amd64") matches a requested version ("7.3", "7.3.4", the release). */
export function releaseMatches(release: string, version: string): boolean {
  if (release === version || release === `${version}-${DEBIAN_FLAVOUR}`) return true;
  const base = release.replace(`-${DEBIAN_FLAVOUR}`, '');
  if (base === version) return true;
  // "7.3" matches 7.3.x, "7.3.4" matches 7.3.4+debNN, never 7.30
  return base.startsWith(version) && /^[.+]/.test(base.slice(version.length)) && !/^\.\d+\.\d/.test(base.slice(version.length));
}

const VERSION_RE = /^\d+\.\d+(\.\d+)?(\+deb\d+)?(-cloud-amd64)?$/;

function cachedReleases(cache: string): string[] {
  try {
    return readdirSync(join(cache, 'kernels')).filter((r) => existsSync(join(cache, 'kernels', r, 'vmlinuz')));
  } catch {
    return [];
  }
}

function fromCache(cache: string, release: string): DebianKernel {
  const dir = join(cache, 'kernels', release);
  const config = join(dir, 'config');
  let packages: string[] | undefined;
  try {
    packages = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { packages?: string[] }).packages;
  } catch {
    /* older cache entry */
  }
  const abi = expectedAbiOf(release);
  return {
    version: release,
    vmlinuz: join(dir, 'vmlinuz'),
    ...(existsSync(config) ? { config } : {}),
    ...(abi !== undefined ? { expectedAbi: abi } : {}),
    ...(packages ? { packages } : {}),
  };
}

function findFile(root: string, pred: (name: string, path: string) => boolean): string | undefined {
  const stack = [root];
  while (stack.length) {
    const d = stack.pop()!;
    let ents;
    try {
      ents = readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of ents) {
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (pred(e.name, p)) return p;
    }
  }
  return undefined;
}

const inflight = new Map<string, Promise<DebianKernel>>();

/**
 * Resolves a Debian kernel version ("7.3", "6.12.117", "7.3.4+deb13-cloud-amd64") to the
 * newest matching linux-image-*-cloud-amd64 package of trixie, trixie-backports and sid,
 * downloads and extracts it (once; later calls use the cache). Without network, a cached
 * kernel that matches is used. Throws DebianKernelError naming what was tried.
 */
export function resolveDebianKernel(version: string, opts: ResolveOptions = {}): Promise<DebianKernel> {
  const key = `${opts.cacheDir ?? ''}\0${version}`;
  let p = inflight.get(key);
  if (!p) {
    p = resolveUncached(version, opts).finally(() => inflight.delete(key));
    inflight.set(key, p);
  }
  return p;
}

async function resolveUncached(version: string, opts: ResolveOptions): Promise<DebianKernel> {
  if (!VERSION_RE.test(version))
    throw new DebianKernelError(
      `bad Debian kernel version ${JSON.stringify(version)}: expected MAJOR.MINOR ("7.3"), MAJOR.MINOR.PATCH ("6.12.117") or a release ("7.3.4+deb13-cloud-amd64")`,
      'bad-version',
    );
  const cache = opts.cacheDir ?? defaultCacheDir();
  const log = opts.log ?? (() => undefined);
  const cachedMatch = cachedReleases(cache)
    .filter((r) => releaseMatches(r, version))
    .sort(cmpRelease)
    .pop();
  // An exact release in the cache needs no network at all.
  if (cachedMatch && (cachedMatch === version || cachedMatch === `${version}-${DEBIAN_FLAVOUR}`)) return fromCache(cache, cachedMatch);

  let apt: PrivateApt;
  try {
    apt = await freshApt(cache, opts, log);
  } catch (e) {
    if (cachedMatch) {
      log(`${(e as Error).message}\nusing the cached kernel ${cachedMatch}`);
      return fromCache(cache, cachedMatch);
    }
    throw e;
  }

  const pattern = `^linux-image-${version.replace(`-${DEBIAN_FLAVOUR}`, '').replace(/[.+]/g, '\\$&')}`;
  const names = (await apt.search(`${pattern}.*-${DEBIAN_FLAVOUR}$`)).filter((n) => {
    const rel = n.slice('linux-image-'.length);
    return !/unsigned|dbg/.test(n) && releaseMatches(rel, version);
  });
  const image = names.sort((a, b) => cmpRelease(a.slice(12), b.slice(12))).pop();
  if (!image) {
    const all = (await apt.search(`^linux-image-[0-9].*-${DEBIAN_FLAVOUR}$`).catch(() => [] as string[]))
      .map((n) => /^linux-image-(\d+\.\d+)/.exec(n)?.[1])
      .filter((x): x is string => !!x);
    const majors = [...new Set(all)].sort((a, b) => cmpRelease(a, b));
    throw new DebianKernelError(
      `no Debian kernel package matches ${JSON.stringify(version)}: searched linux-image-${version}*-${DEBIAN_FLAVOUR} in ` +
        `${DEBIAN_SUITES.join(', ')} at ${apt.mirror.uri}; available: ${majors.join(', ') || 'none'}`,
      'not-found',
    );
  }
  const release = image.slice('linux-image-'.length);
  if (cachedReleases(cache).includes(release)) return fromCache(cache, release);

  // Which packages hold the kernel and its config (see the module comment).
  const img = await apt.show(image);
  const binary = `linux-binary-${release}`;
  const base = `linux-base-${release}`;
  let pkgs = [`${image}=${img.version}`];
  if (img.depends.includes(binary)) {
    pkgs = [`${binary}=${img.version}`];
    // The config is optional: the mirror may lack linux-base (seen for 7.0.13 and 7.1.13).
    if (img.depends.includes(base) && (await apt.has(base, img.version))) pkgs.push(`${base}=${img.version}`);
    else log(`${base}=${img.version} is not available: the kernel's config will be missing`);
  }

  mkdirSync(join(cache, 'kernels'), { recursive: true });
  const work = mkdtempSync(join(cache, 'kernels', `.download-${release}-`));
  try {
    log(`downloading ${pkgs.join(' ')} from ${apt.mirror.uri}`);
    await apt.download(pkgs, work);
    const debs = readdirSync(work).filter((f) => f.endsWith('.deb'));
    if (debs.length !== pkgs.length)
      throw new DebianKernelError(`apt-get download ${pkgs.join(' ')} left ${debs.length} .deb file(s) in ${work}`);
    const root = join(work, 'root');
    mkdirSync(root);
    for (const d of debs) {
      try {
        await run('dpkg-deb', ['-x', join(work, d), root]);
      } catch (e) {
        throw new DebianKernelError(`dpkg-deb -x ${d} failed: ${tail((e as { stderr?: string }).stderr ?? String(e))}`);
      }
    }
    const vmlinuz = findFile(root, (n) => n === `vmlinuz-${release}` || n === 'vmlinuz');
    if (!vmlinuz) throw new DebianKernelError(`no vmlinuz in ${pkgs.join(' ')} (looked for boot/vmlinuz-${release} and usr/lib/modules/${release}/vmlinuz)`);
    const config = findFile(root, (n) => n === `config-${release}` || n === 'config');
    const out = join(work, 'out');
    mkdirSync(out);
    renameSync(vmlinuz, join(out, 'vmlinuz'));
    if (config) renameSync(config, join(out, 'config'));
    writeFileSync(join(out, 'package.json'), JSON.stringify({ release, packages: pkgs, mirror: apt.mirror.uri, fetched: new Date().toISOString() }, null, 1) + '\n');
    const final = join(cache, 'kernels', release);
    try {
      renameSync(out, final);
    } catch (e) {
      if (!existsSync(join(final, 'vmlinuz'))) throw e; // else: a concurrent download won
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return fromCache(cache, release);
}

// ------------------------------------------------------------------------------------------
// Kernel source trees (linux-source-<major.minor>), for building the selftests against the
// real harness (kernel/linux-source.ts)

export interface LinuxSourcePackage {
  /** The Debian package, e.g. "linux-source-7.3". */
  package: string;
  /** Its version, e.g. "7.3.4-1~bpo13+1" (the cache key). */
  version: string;
  /** The unpacked tree: the top-level directory with Makefile, scripts/, tools/ … */
  tree: string;
}

export interface LinuxSourceOptions extends ResolveOptions {
  /** "7.3" picks linux-source-7.3; default: the newest linux-source-<major.minor> of the suites. */
  version?: string;
  /**
   * Top-level directories of the tree that are not unpacked (default LINUX_SOURCE_SKIP: drivers,
   * sound, Documentation — nothing headers_install, the selftests or checkpatch.pl read).
   */
  skip?: readonly string[];
}

export const LINUX_SOURCE_SKIP: readonly string[] = ['drivers', 'sound', 'Documentation'];

/** Directory of the cached source trees: <cache>/linux-source/<package>_<version>/. */
function sourceKey(pkg: string, version: string): string {
  return `${pkg}_${version.replace(/[^A-Za-z0-9.+~-]/g, '_')}`;
}

function cachedSources(cache: string): { package: string; version: string; tree: string }[] {
  const root = join(cache, 'linux-source');
  let names: string[] = [];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const out: { package: string; version: string; tree: string }[] = [];
  for (const n of names) {
    if (n.startsWith('.')) continue;
    try {
      const j = JSON.parse(readFileSync(join(root, n, 'package.json'), 'utf8')) as { package?: string; version?: string; tree?: string };
      if (j.package && j.version && j.tree && existsSync(join(root, n, j.tree, 'Makefile')))
        out.push({ package: j.package, version: j.version, tree: join(root, n, j.tree) });
    } catch {
      /* an unfinished or foreign entry */
    }
  }
  return out;
}

/** The private apt state, its package lists updated when older than a day (or on `refresh`). */
async function freshApt(cache: string, opts: { mirror?: string; refresh?: boolean; maxListAgeMs?: number }, log: (m: string) => void): Promise<PrivateApt> {
  const apt = new PrivateApt(cache, opts.mirror ? { uri: opts.mirror } : debianMirror());
  if (opts.refresh || apt.listAge() > (opts.maxListAgeMs ?? 24 * 3600_000)) {
    log(`updating the Debian package lists (${DEBIAN_SUITES.join(', ')}) in ${apt.dir}`);
    await apt.update();
  }
  return apt;
}

const sourceInflight = new Map<string, Promise<LinuxSourcePackage>>();

/**
 * Fetches Debian's linux-source-<major.minor> package through the private apt state (as the
 * kernels are fetched), unpacks its tarball once into <cache>/linux-source/<package>_<version>/
 * and returns the tree. Later calls use the cache; without network a cached tree that matches
 * is used. Throws DebianKernelError ('network', 'not-found', 'apt').
 */
export function resolveLinuxSource(opts: LinuxSourceOptions = {}): Promise<LinuxSourcePackage> {
  const key = `${opts.cacheDir ?? ''}\0${opts.version ?? ''}`;
  let p = sourceInflight.get(key);
  if (!p) {
    p = resolveSourceUncached(opts).finally(() => sourceInflight.delete(key));
    sourceInflight.set(key, p);
  }
  return p;
}

async function resolveSourceUncached(opts: LinuxSourceOptions): Promise<LinuxSourcePackage> {
  const version = opts.version;
  if (version !== undefined && !/^\d+\.\d+$/.test(version))
    throw new DebianKernelError(`bad kernel source version ${JSON.stringify(version)}: expected MAJOR.MINOR ("7.3")`, 'bad-version');
  const cache = opts.cacheDir ?? defaultCacheDir();
  const log = opts.log ?? (() => undefined);
  const wanted = (pkg: string) => (version ? pkg === `linux-source-${version}` : /^linux-source-\d+\.\d+$/.test(pkg));
  const cached = cachedSources(cache)
    .filter((c) => wanted(c.package))
    .sort((a, b) => cmpRelease(a.package.slice(13), b.package.slice(13)) || cmpRelease(a.version, b.version))
    .pop();

  let apt: PrivateApt;
  try {
    apt = await freshApt(cache, opts, log);
  } catch (e) {
    if (cached) {
      log(`${(e as Error).message}\nusing the cached source tree ${cached.package} ${cached.version}`);
      return cached;
    }
    throw e;
  }
  const names = (await apt.search(version ? `^linux-source-${version.replace(/\./g, '\\.')}$` : '^linux-source-[0-9]+\\.[0-9]+$')).filter(wanted);
  const pkg = names.sort((a, b) => cmpRelease(a.slice(13), b.slice(13))).pop();
  if (!pkg) {
    if (cached) return cached;
    throw new DebianKernelError(
      `no Debian package linux-source-${version ?? '<major.minor>'} in ${DEBIAN_SUITES.join(', ')} at ${apt.mirror.uri}`,
      'not-found',
    );
  }
  const { version: pkgVersion } = await apt.show(pkg);
  const dirName = sourceKey(pkg, pkgVersion);
  const hit = cachedSources(cache).find((c) => c.package === pkg && c.version === pkgVersion);
  if (hit) return hit;

  mkdirSync(join(cache, 'linux-source'), { recursive: true });
  const work = mkdtempSync(join(cache, 'linux-source', `.download-${dirName}-`));
  try {
    log(`downloading ${pkg}=${pkgVersion} from ${apt.mirror.uri} (about 170 MB, once)`);
    await apt.download([`${pkg}=${pkgVersion}`], work);
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!deb) throw new DebianKernelError(`apt-get download ${pkg}=${pkgVersion} left no .deb file in ${work}`);
    const root = join(work, 'root');
    mkdirSync(root);
    try {
      await run('dpkg-deb', ['-x', join(work, deb), root]);
    } catch (e) {
      throw new DebianKernelError(`dpkg-deb -x ${deb} failed: ${tail((e as { stderr?: string }).stderr ?? String(e))}`);
    }
    rmSync(join(work, deb), { force: true });
    const tarball = findFile(root, (n) => /^linux-source-\d+\.\d+\.tar\.(xz|gz|bz2)$/.test(n));
    if (!tarball) throw new DebianKernelError(`no linux-source-*.tar.* in ${pkg}=${pkgVersion}`);
    const out = join(work, 'out');
    mkdirSync(out);
    const top = tarball.replace(/^.*\//, '').replace(/\.tar\.\w+$/, '');
    const skip = opts.skip ?? LINUX_SOURCE_SKIP;
    log(`unpacking ${tarball.replace(/^.*\//, '')} (without ${skip.join(', ') || 'nothing'})`);
    try {
      await run('tar', ['-xf', tarball, '-C', out, '--no-same-owner', ...skip.map((d) => `--exclude=${top}/${d}`)], { timeoutMs: 900_000 });
    } catch (e) {
      throw new DebianKernelError(`tar -xf ${tarball} failed: ${tail((e as { stderr?: string }).stderr ?? String(e))}`);
    }
    if (!existsSync(join(out, top, 'Makefile'))) throw new DebianKernelError(`${tarball} holds no ${top}/Makefile`);
    writeFileSync(
      join(out, 'package.json'),
      JSON.stringify({ package: pkg, version: pkgVersion, tree: top, skipped: skip, mirror: apt.mirror.uri, fetched: new Date().toISOString() }, null, 1) + '\n',
    );
    const final = join(cache, 'linux-source', dirName);
    try {
      renameSync(out, final);
    } catch (e) {
      if (!cachedSources(cache).some((c) => c.package === pkg && c.version === pkgVersion)) throw e; // else: a concurrent download won
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const done = cachedSources(cache).find((c) => c.package === pkg && c.version === pkgVersion);
  if (!done) throw new DebianKernelError(`the unpacked ${pkg}=${pkgVersion} is missing from ${join(cache, 'linux-source')}`);
  return done;
}
