/**
 * Builds the native kernel replayer (replayer/*.c, which #include replayer/*.h: ops.h is also
 * inlined into every `scopecheck export --as c` program) into build/scopecheck-replay with the
 * machine's gcc: statically linked (-static -pthread) when the C library allows it, so the
 * binary can be put into a qemu initramfs; dynamically linked otherwise (with a warning).
 * Idempotent: rebuilds only when a source file (a .c or a .h) is newer than the binary.
 *
 * As a script (`node dist/kernel/build-replayer.js`) it builds and prints the binary's path.
 */
import { EnvironmentError } from '../common/errors.js';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPLAYER_NAME = 'scopecheck-replay';

/** The repository root: the nearest ancestor of this module that holds package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'replayer'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`${REPLAYER_NAME}: cannot find the repository root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** Every source of the replayer, headers included (a change to any of them rebuilds it). */
export function replayerSources(root = repoRoot()): string[] {
  const dir = join(root, 'replayer');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.c') || f.endsWith('.h'))
    .sort()
    .map((f) => join(dir, f));
}

export function replayerBinaryPath(root = repoRoot()): string {
  return join(root, 'build', REPLAYER_NAME);
}

export class ReplayerBuildError extends EnvironmentError {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayerBuildError';
  }
}

function gccAvailable(cc: string): boolean {
  try {
    execFileSync(cc, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface BuildOptions {
  /** Rebuild even when the binary is up to date. */
  force?: boolean;
  /** Print nothing on stderr (warnings included). */
  quiet?: boolean;
}

let cached: string | undefined;

/**
 * Returns the path of an up-to-date replayer binary, building it first if needed.
 * Throws ReplayerBuildError with a clear message when gcc is missing or the build fails.
 */
let uses = 0;
/** How often this process asked for the replayer (every run of it, live or in a VM, does): for tests that check nothing ran. */
export const replayerUses = (): number => uses;

export function ensureReplayer(opts: BuildOptions = {}): string {
  uses++;
  if (cached && !opts.force) return cached;
  const root = repoRoot();
  const out = replayerBinaryPath(root);
  const sources = replayerSources(root);
  const cSources = sources.filter((f) => f.endsWith('.c'));
  if (cSources.length === 0) throw new ReplayerBuildError(`${REPLAYER_NAME}: no C sources in ${join(root, 'replayer')}`);
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
  if (!opts.force && existsSync(out) && statSync(out).mtimeMs >= newest) {
    cached = out;
    return out;
  }
  const cc = process.env.CC || 'gcc';
  if (!gccAvailable(cc))
    throw new ReplayerBuildError(
      `${REPLAYER_NAME}: the C compiler "${cc}" was not found; the kernel replayer needs gcc ` +
        `(e.g. "apt-get install gcc", or set CC). Sources: ${join(root, 'replayer')}`,
    );
  mkdirSync(dirname(out), { recursive: true });
  // Build into a private file and rename: concurrent builds (parallel test files) never
  // see a half-written binary.
  const tmp = `${out}.tmp-${process.pid}-${Date.now()}`;
  const common = ['-std=gnu11', '-Wall', '-Wextra', '-Wswitch-enum', '-Werror=switch', '-Werror=switch-enum', '-O2', '-pthread', '-o', tmp, ...cSources];
  try {
    try {
      execFileSync(cc, ['-static', ...common], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const why = String((e as { stderr?: Buffer }).stderr ?? e).trim();
      if (!opts.quiet)
        process.stderr.write(
          `${REPLAYER_NAME}: warning: static link failed, building a dynamically linked binary ` +
            `(it cannot be used in a qemu initramfs):\n${why}\n`,
        );
      try {
        execFileSync(cc, common, { stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (e2) {
        const why2 = String((e2 as { stderr?: Buffer }).stderr ?? e2).trim();
        throw new ReplayerBuildError(`${REPLAYER_NAME}: compiling ${cSources.join(' ')} failed:\n${why2}`);
      }
    }
    renameSync(tmp, out);
  } finally {
    rmSync(tmp, { force: true });
  }
  cached = out;
  return out;
}

function isMain(): boolean {
  const arg = process.argv[1];
  if (!arg) return false;
  try {
    return import.meta.url === pathToFileURL(resolve(arg)).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  try {
    process.stdout.write(`${ensureReplayer({ force: process.argv.includes('--force') })}\n`);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
}

/** The shared C runtime of the ops (replayer/ops.h), which `export --as c` inlines. */
export function readOpsHeader(root = repoRoot()): string {
  return readFileSync(join(root, 'replayer', 'ops.h'), 'utf8');
}
