/**
 * Resolving --semantics: a built-in name, or a path to a module (cli/modules.ts) whose default
 * export, `semantics` export or module.exports implements the Semantics interface.
 */
import { BUILTIN_SEMANTICS, builtinSemantics, withErrata } from '../model/semantics/index.js';
import { HOOK_METHODS, SEMANTICS_INTERFACE_VERSION, type Semantics } from '../model/hooks.js';
import { InputError } from './io.js';
import { candidates, describeExports, importUserModule, requireGivenModule } from './modules.js';

export const builtinNames = (): string[] => BUILTIN_SEMANTICS.map((s) => s.name);

/** Why `x` is not a semantics (interface version 1), or null. */
function semanticsProblems(x: unknown): string | null {
  const s = x as Partial<Semantics> | undefined;
  if (!s || typeof s !== 'object') return 'not an object';
  const problems: string[] = [];
  if (s.interfaceVersion !== SEMANTICS_INTERFACE_VERSION) problems.push(`interfaceVersion must be ${SEMANTICS_INTERFACE_VERSION}`);
  if (typeof s.name !== 'string' || !s.name) problems.push('name must be a non-empty string');
  for (const k of ['abi', 'errata', 'scopes', 'fsRights', 'restrictSelfFlags'] as const)
    if (typeof s[k] !== 'number') problems.push(`${k} must be a number`);
  for (const h of Object.values(HOOK_METHODS)) if (typeof s.hooks?.[h] !== 'function') problems.push(`hooks.${h} must be a function`);
  return problems.length ? problems.join('; ') : null;
}

/** The semantics a module offers: its default export, a named `semantics` export, or `module.exports`, however the module system wrapped it. */
async function semanticsModule(spec: string): Promise<Semantics> {
  const ns = await importUserModule(spec);
  const cands = candidates(ns, 'semantics');
  for (const c of cands) if (!semanticsProblems(c)) return c as Semantics;
  // The candidate that looks most like a semantics says what is wrong with it.
  const best = cands.find((c) => typeof c === 'object' && c !== null && 'interfaceVersion' in c) ?? cands.find((c) => typeof c === 'object' && c !== null);
  if (!best) throw new InputError(`${spec}: exports no semantics object (${describeExports(ns)}); export one as the default export or as "semantics"`);
  throw new InputError(`${spec}: not a scopecheck semantics: ${semanticsProblems(best)} (the module's ${describeExports(ns)})`);
}

/** Resolves one --semantics value. `errata`, when given, overrides the semantics' errata mask. */
export async function loadSemantics(spec: string, errata?: number): Promise<Semantics> {
  let s = builtinSemantics(spec);
  if (!s) {
    const looksLikePath = /[/\\]|\.(c|m)?(js|ts)$/.test(spec);
    if (!looksLikePath) throw new InputError(`unknown semantics "${spec}"; built-in: ${builtinNames().join(', ')}, or a path to a .ts/.mts/.cts/.js/.mjs/.cjs module`);
    s = await semanticsModule(spec);
  }
  return errata === undefined ? s : withErrata(s, errata);
}

/**
 * The semantics a file names (a counterexample's `semantics`, a shard's `args.semantics`). A
 * built-in loads; a module loads only when the user named the same module on the command line
 * (`given`, the --semantics values): a data file never makes scopecheck run code.
 */
export async function loadNamedSemantics(named: string, where: string, given: readonly string[], errata?: number): Promise<Semantics> {
  if (!builtinSemantics(named)) requireGivenModule(named, where, 'semantics', given.filter((g) => !builtinSemantics(g)), '--semantics');
  return loadSemantics(named, errata);
}
