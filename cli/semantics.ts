/**
 * Resolving --semantics: a built-in name, or a path to a module (.js, .mjs, or .ts) whose default
 * export (or `semantics` export) implements the Semantics interface.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILTIN_SEMANTICS, builtinSemantics, withErrata } from '../model/semantics/index.js';
import { HOOK_METHODS, SEMANTICS_INTERFACE_VERSION, type Semantics } from '../model/hooks.js';
import { InputError } from './io.js';
import { oneLine, shellWord } from '../format/export/common.js';

export const builtinNames = (): string[] => BUILTIN_SEMANTICS.map((s) => s.name);

function checkSemantics(x: unknown, where: string): Semantics {
  const s = x as Partial<Semantics> | undefined;
  const problems: string[] = [];
  if (!s || typeof s !== 'object') throw new InputError(`${where}: the module exports no semantics object (default export or "semantics")`);
  if (s.interfaceVersion !== SEMANTICS_INTERFACE_VERSION) problems.push(`interfaceVersion must be ${SEMANTICS_INTERFACE_VERSION}`);
  if (typeof s.name !== 'string' || !s.name) problems.push('name must be a non-empty string');
  for (const k of ['abi', 'errata', 'scopes', 'fsRights', 'restrictSelfFlags'] as const)
    if (typeof s[k] !== 'number') problems.push(`${k} must be a number`);
  for (const h of Object.values(HOOK_METHODS)) if (typeof s.hooks?.[h] !== 'function') problems.push(`hooks.${h} must be a function`);
  if (problems.length) throw new InputError(`${where}: not a scopecheck semantics: ${problems.join('; ')}`);
  return s as Semantics;
}

async function importModule(file: string): Promise<unknown> {
  const url = pathToFileURL(file).href;
  if (file.endsWith('.ts') || file.endsWith('.mts')) {
    try {
      const { tsImport } = (await import('tsx/esm/api')) as { tsImport: (u: string, p: string) => Promise<unknown> };
      return await tsImport(url, import.meta.url);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String(e).includes("'tsx"))
        throw new InputError(`${file}: loading TypeScript needs the "tsx" package (npm install)`);
      throw new InputError(`${file}: cannot load: ${(e as Error).message}`);
    }
  }
  try {
    return await import(url);
  } catch (e) {
    throw new InputError(`${file}: cannot load: ${(e as Error).message}`);
  }
}

/** Resolves one --semantics value. `errata`, when given, overrides the semantics' errata mask. */
export async function loadSemantics(spec: string, errata?: number): Promise<Semantics> {
  let s = builtinSemantics(spec);
  if (!s) {
    const looksLikePath = /[/\\]|\.(m?js|m?ts)$/.test(spec);
    if (!looksLikePath) throw new InputError(`unknown semantics "${spec}"; built-in: ${builtinNames().join(', ')}, or a path to a .ts/.js module`);
    const file = resolve(spec);
    if (!existsSync(file)) throw new InputError(`${spec}: no such semantics module`);
    const m = (await importModule(file)) as { default?: unknown; semantics?: unknown };
    s = checkSemantics(m.default ?? m.semantics, spec);
  }
  return errata === undefined ? s : withErrata(s, errata);
}


/**
 * The semantics a file names (a counterexample's `semantics`, a shard's `args.semantics`). A
 * built-in loads; a module loads only when the user named the same module on the command line
 * (`given`, the --semantics values): a data file never makes scopecheck run code.
 */
export async function loadNamedSemantics(named: string, where: string, given: readonly string[], errata?: number): Promise<Semantics> {
  if (builtinSemantics(named)) return loadSemantics(named, errata);
  const want = resolve(named);
  if (given.some((g) => !builtinSemantics(g) && resolve(g) === want)) return loadSemantics(named, errata);
  throw new InputError(
    `${where}: semantics: names the module ${JSON.stringify(named.slice(0, 200))}; scopecheck loads code only from a path given on the command line: add --semantics ${oneLine(shellWord(named))} if you trust it`,
  );
}
