/**
 * Layers that only point down, checked on the sources' own import statements (TypeScript's
 * preProcessFile: static imports, re-exports and dynamic import() of a literal):
 *
 * - no import cycle between files, and none between folders (each folder a node);
 * - model/ imports nothing outside model/;
 * - nothing imports cli/ (only bin/scopecheck.js, and the harnesses that run the CLI: tests, bench);
 * - the pure layers (model/, ops/, format/, properties/, oracle/, report/, common/) import no
 *   Node I/O module.
 *
 * The README's layout section names this file as the check.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const SOURCE_DIRS = ['common', 'model', 'ops', 'format', 'properties', 'oracle', 'report', 'kernel', 'cli', 'bench'];
const PURE = ['common', 'model', 'ops', 'format', 'properties', 'oracle', 'report'];
const IO_MODULES = /^(node:)?(fs|fs\/promises|child_process|net|http|https|worker_threads|os|process|dgram|readline|zlib)$/;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(ROOT, dir)).sort()) {
    const p = join(dir, e);
    if (statSync(join(ROOT, p)).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = ['index.ts', ...SOURCE_DIRS.flatMap(sources)];
const imports = new Map<string, { local: string[]; bare: string[] }>();
for (const f of files) {
  const info = ts.preProcessFile(readFileSync(join(ROOT, f), 'utf8'), true, true);
  const local: string[] = [];
  const bare: string[] = [];
  for (const r of info.importedFiles) {
    if (r.fileName.startsWith('.')) local.push(relative(ROOT, resolve(ROOT, dirname(f), r.fileName.replace(/\.js$/, '.ts'))));
    else bare.push(r.fileName);
  }
  imports.set(f, { local, bare });
}

/** Strongly connected components with more than one node (or a self-loop): the cycles. */
function cycles(nodes: string[], edges: (n: string) => string[]): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of edges(v)) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1 || edges(v).includes(v)) out.push(c.sort());
    }
  };
  for (const n of nodes) if (!idx.has(n)) visit(n);
  return out;
}

const folderOf = (f: string) => (f.includes('/') ? dirname(f) : '.');

describe('layers point down', () => {
  test('every local import names a source file', () => {
    for (const [f, { local }] of imports) for (const t of local) expect(files, `${f} imports ${t}`).toContain(t);
  });

  test('no import cycle between files', () => {
    expect(cycles(files, (f) => imports.get(f)!.local)).toEqual([]);
  });

  test('no import cycle between folders', () => {
    const folders = [...new Set(files.map(folderOf))];
    const edges = (d: string) => [...new Set(files.filter((f) => folderOf(f) === d).flatMap((f) => imports.get(f)!.local.map(folderOf)))].filter((x) => x !== d);
    expect(cycles(folders, edges)).toEqual([]);
  });

  test('model/ imports nothing outside model/', () => {
    for (const f of files.filter((x) => x.startsWith('model/')))
      for (const t of imports.get(f)!.local) expect(t.startsWith('model/'), `${f} imports ${t}`).toBe(true);
  });

  test('nothing imports cli/ (the entry point is bin/scopecheck.js)', () => {
    for (const f of files.filter((x) => !x.startsWith('cli/') && !x.startsWith('bench/')))
      for (const t of imports.get(f)!.local) expect(t.startsWith('cli/'), `${f} imports ${t}`).toBe(false);
    for (const f of files.filter((x) => x.startsWith('cli/')))
      for (const t of imports.get(f)!.local) expect(t, `${f} imports the entry point`).not.toBe('cli/main.ts');
  });

  test('the pure layers do no I/O', () => {
    for (const f of files.filter((x) => PURE.includes(x.split('/')[0]!)))
      for (const m of imports.get(f)!.bare) expect(IO_MODULES.test(m), `${f} imports ${m}`).toBe(false);
  });
});
