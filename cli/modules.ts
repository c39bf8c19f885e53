/**
 * Loading the modules a user names on the command line (`--semantics`, `--property`): .ts, .mts,
 * .cts (through tsx), .js, .mjs, .cjs, in ESM and CommonJS projects alike. What a module offers is
 * looked for where each module system puts it: the default export, a default export wrapped once
 * more (a TypeScript module compiled to CommonJS: `exports.default`), a named export, or
 * `module.exports` itself. A module that offers none gets a message saying what it does export.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../common/errors.js';
import { oneLine, shellWord } from '../format/export/common.js';

const TS = /\.(ts|mts|cts)$/;

/** The module's namespace object. */
export async function importUserModule(spec: string): Promise<Record<string, unknown>> {
  const file = resolve(spec);
  if (!existsSync(file)) throw new InputError(`${spec}: no such module`);
  if (!statSync(file).isFile()) throw new InputError(`${spec}: not a regular file`);
  const url = pathToFileURL(file).href;
  try {
    if (TS.test(file)) {
      const { tsImport } = (await import('tsx/esm/api')) as { tsImport: (u: string, p: string) => Promise<unknown> };
      return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
    }
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && /'tsx/.test(String(e))) throw new InputError(`${spec}: loading TypeScript needs the "tsx" package (npm install tsx)`);
    throw new InputError(`${spec}: cannot load: ${String((e as Error).message ?? e).split('\n')[0]}`);
  }
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

/**
 * What a module offers under `name` (e.g. "semantics"), most specific first: a named export, the
 * default export, the default export's own default or named export (CommonJS wrapping).
 */
export function candidates(ns: Record<string, unknown>, name: string): unknown[] {
  const out: unknown[] = [];
  const add = (x: unknown) => x !== undefined && !out.includes(x) && out.push(x);
  add(ns[name]);
  const d = ns.default;
  if (isObject(d)) {
    add(d.default);
    add(d[name]);
  }
  add(d);
  return out;
}

/** One line saying what a module exports: "default export: an object with keys a, b; named exports: x". */
export function describeExports(ns: Record<string, unknown>): string {
  const what = (x: unknown) =>
    Array.isArray(x) ? `an array of ${x.length}` : isObject(x) ? `an object with keys ${Object.keys(x).slice(0, 8).join(', ') || '(none)'}` : typeof x === 'function' ? 'a function' : `a ${typeof x}`;
  const named = Object.keys(ns).filter((k) => k !== 'default' && k !== 'module.exports');
  const parts: string[] = [];
  if ('default' in ns) parts.push(`default export: ${what(ns.default)}`);
  if (named.length) parts.push(`named exports: ${named.slice(0, 8).join(', ')}`);
  return parts.join('; ') || 'nothing';
}

/**
 * A module a data file names (`field` of `where`) may be loaded only when the command line names
 * the same path with `flag` (`given`): a file never makes scopecheck run code. Throws otherwise.
 */
export function requireGivenModule(named: string, where: string, field: string, given: readonly string[], flag: string): void {
  const want = resolve(named);
  if (given.some((g) => resolve(g) === want)) return;
  throw new InputError(
    `${where}: ${field}: names the module ${JSON.stringify(named.slice(0, 200))}; scopecheck loads code only from a path given on the command line: add ${flag} ${oneLine(shellWord(named))} if you trust it`,
  );
}
