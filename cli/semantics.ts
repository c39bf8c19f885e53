/**
 * Resolving --semantics: a built-in name (an ABI's, the seed patch's, or a kernel release's such as
 * 6.18.15), or a path to a module (cli/modules.ts) whose default
 * export, `semantics` export or module.exports implements the Semantics interface.
 */
import { BUILTIN_SEMANTICS, KERNEL_RELEASES, namedSemantics, upgradeSemantics, withErrata } from '../model/semantics/index.js';
import { HOOK_METHODS, HOOKS_V1, SEMANTICS_INTERFACE_VERSIONS, type Semantics } from '../model/hooks.js';
import { InputError } from './io.js';
import { candidates, describeExports, importUserModule, requireGivenModule } from './modules.js';

export const builtinNames = (): string[] => [...BUILTIN_SEMANTICS.map((s) => s.name), ...KERNEL_RELEASES.map((r) => r.release)];

/** Why `x` is not a semantics (interface version 1 or 2), or null. */
function semanticsProblems(x: unknown): string | null {
  const s = x as Partial<Semantics> | undefined;
  if (!s || typeof s !== 'object') return 'not an object';
  const problems: string[] = [];
  if (!(SEMANTICS_INTERFACE_VERSIONS as readonly unknown[]).includes(s.interfaceVersion))
    problems.push(`interfaceVersion must be ${SEMANTICS_INTERFACE_VERSIONS.join(' or ')}`);
  if (typeof s.name !== 'string' || !s.name) problems.push('name must be a non-empty string');
  for (const k of ['abi', 'errata', 'scopes', 'fsRights', 'restrictSelfFlags'] as const)
    if (typeof s[k] !== 'number') problems.push(`${k} must be a number`);
  // The four hooks of version 1 are required; the hooks version 2 added are taken from the
  // built-in of the module's ABI where it does not define them (upgradeSemantics), so that a
  // module written for version 1, or one that spread a built-in and replaced its `hooks`, loads.
  for (const h of HOOKS_V1.map((x) => HOOK_METHODS[x])) if (typeof s.hooks?.[h] !== 'function') problems.push(`hooks.${h} must be a function`);
  for (const h of Object.values(HOOK_METHODS)) if (s.hooks && h in s.hooks && typeof s.hooks[h] !== 'function') problems.push(`hooks.${h} must be a function`);
  return problems.length ? problems.join('; ') : null;
}

/** The semantics a module offers: its default export, a named `semantics` export, or `module.exports`, however the module system wrapped it. */
async function semanticsModule(spec: string): Promise<Semantics> {
  const ns = await importUserModule(spec);
  const cands = candidates(ns, 'semantics');
  for (const c of cands) if (!semanticsProblems(c)) return upgradeSemantics(c as Semantics);
  // The candidate that looks most like a semantics says what is wrong with it.
  const best = cands.find((c) => typeof c === 'object' && c !== null && 'interfaceVersion' in c) ?? cands.find((c) => typeof c === 'object' && c !== null);
  if (!best) throw new InputError(`${spec}: exports no semantics object (${describeExports(ns)}); export one as the default export or as "semantics"`);
  throw new InputError(`${spec}: not a scopecheck semantics: ${semanticsProblems(best)} (the module's ${describeExports(ns)})`);
}

/** Resolves one --semantics value. `errata`, when given, overrides the semantics' errata mask. */
export async function loadSemantics(spec: string, errata?: number): Promise<Semantics> {
  let s = namedSemantics(spec);
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
  if (!namedSemantics(named)) requireGivenModule(named, where, 'semantics', given.filter((g) => !namedSemantics(g)), '--semantics');
  return loadSemantics(named, errata);
}
