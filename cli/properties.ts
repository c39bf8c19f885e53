/**
 * --property: built-in property names, or paths to modules of user properties (cli/modules.ts
 * loads them like semantics modules). A module offers one property (default export or `property`)
 * or several (`properties`, an array).
 */
import { InputError } from '../common/errors.js';
import { PROPERTIES, propertyByName, type PropertyDef } from '../properties/invariants.js';
import { propertyProblems, toPropertyDef, type UserProperty } from '../properties/user.js';
import { candidates, describeExports, importUserModule } from './modules.js';

export const looksLikeModule = (s: string): boolean => /[/\\]|\.(c|m)?(js|ts)$/.test(s);

const loaded = new Map<string, PropertyDef[]>();

/** The properties of a module, validated. */
export async function loadPropertyModule(spec: string): Promise<PropertyDef[]> {
  const hit = loaded.get(spec);
  if (hit) return hit;
  const ns = await importUserModule(spec);
  const offered: unknown[] = [];
  for (const c of [...candidates(ns, 'properties'), ...candidates(ns, 'property')]) {
    if (Array.isArray(c)) offered.push(...c);
    else if (c && typeof c === 'object' && 'check' in c) offered.push(c);
  }
  const unique = [...new Set(offered)];
  if (!unique.length) throw new InputError(`${spec}: exports no property (${describeExports(ns)}); export one as the default export or "property", or several as "properties"`);
  const out: PropertyDef[] = [];
  for (const [i, p] of unique.entries()) {
    const why = propertyProblems(p);
    if (why) throw new InputError(`${spec}: property ${i}: ${why}`);
    const def = toPropertyDef(p as UserProperty);
    if (out.some((x) => x.name === def.name)) throw new InputError(`${spec}: property ${i}: name "${def.name}" is used twice`);
    out.push(def);
  }
  loaded.set(spec, out);
  return out;
}

/** Looks up properties by name: the built-ins, then those of the given modules. */
export async function propertyLookup(modules: readonly string[] = []): Promise<(name: string) => PropertyDef | undefined> {
  const user = (await Promise.all(modules.map(loadPropertyModule))).flat();
  for (const [i, p] of user.entries()) if (user.findIndex((q) => q.name === p.name) < i) throw new InputError(`--property: two modules define the property "${p.name}"`);
  return (name) => propertyByName(name) ?? user.find((p) => p.name === name);
}

/** Splits --property values into property names (a module stands for all its properties) and modules. */
export async function resolvePropertyArgs(values: readonly string[] | undefined): Promise<{ names: string[]; modules: string[] }> {
  const modules: string[] = [];
  const names: string[] = [];
  for (const v of values ?? []) {
    if (looksLikeModule(v)) {
      modules.push(v);
      for (const p of await loadPropertyModule(v)) names.push(p.name);
    } else if (propertyByName(v)) names.push(v);
    else throw new InputError(`unknown property "${v}"; known: ${PROPERTIES.map((p) => p.name).join(', ')}, or a path to a module of properties`);
  }
  return { names: names.length ? names : PROPERTIES.map((p) => p.name), modules };
}
