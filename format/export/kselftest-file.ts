/**
 * `scopecheck export --as kselftest DIR` for many scenarios: one *_test.c for
 * tools/testing/selftests/landlock/ in which scenarios of one shape — the same steps except
 * the domains they enforce (which restrict_self steps there are, by whom, where, with which
 * scoped and handled_fs fields) — are one FIXTURE with one FIXTURE_VARIANT_ADD each, as the
 * upstream scoped_*_test.c files group their domain layouts. A variant holds what differs:
 * whether each domain is enforced, its masks, and the expected result of every step whose
 * result differs. A scenario of a shape of its own is a TEST(). Pure (kernel/kselftest.ts
 * builds, runs and checks the file against a kernel tree).
 */
import type { Step } from '../scenario.js';
import { identifier, scenarioTitle, wrap, type ExportInput } from './common.js';
import {
  MAX_COLUMNS,
  assertKselftestable,
  commentLines,
  expectedValue,
  fsConst,
  legend,
  orMask,
  planCode,
  scopeConst,
  stepText,
  wrapProse,
  testFile,
  type CodePlan,
  type PlannedCode,
} from './kselftest.js';

export interface KselftestFileOptions {
  /** The file's title (its first comment line after "Landlock tests - "). */
  title?: string;
  /** Prefix of abstract socket names (default "scopecheck"). */
  namePrefix?: string;
}

export interface KselftestGroup {
  /** The FIXTURE's name, or undefined for a TEST() of one scenario. */
  fixture?: string;
  /** The TEST_F's (or TEST's) name. */
  test: string;
  /** Per scenario of the group: the variant's name (undefined for a TEST), its index in the inputs, and its TAP name ("fixture.variant.test", "global.test"). */
  members: { variant?: string; input: number; tap: string }[];
}

export interface KselftestFile {
  text: string;
  groups: KselftestGroup[];
  /** The TAP name ("fixture.variant.test" or "global.test") of each input, by input index. */
  tapNames: string[];
}

type RestrictStep = Extract<Step, { op: 'restrict_self' }>;
const isRestrict = (st: Step): st is RestrictStep => st.op === 'restrict_self';

/** JSON with sorted keys, without `expect`: a step as the shape sees it. */
function canon(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .filter((k) => k !== 'expect')
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

interface SlotRef {
  key: string;
  gap: number;
  /** Index of the step in its scenario. */
  index: number;
}

/** The shape of a scenario: the steps other than restrict_self, and where its domains are. */
function shapeOf(steps: readonly Step[]): { base: Step[]; baseIndex: number[]; key: string; slots: SlotRef[] } {
  const base: Step[] = [];
  const baseIndex: number[] = [];
  const slots: SlotRef[] = [];
  const seen = new Map<string, number>();
  steps.forEach((st, i) => {
    if (!isRestrict(st)) {
      base.push(st);
      baseIndex.push(i);
      return;
    }
    const gap = base.length;
    // Only the masks may differ between variants: flags, quiet_scoped and a missing ruleset are the step's shape.
    const kind = `${gap}|${st.by}|${st.tsync ? 1 : 0}|${canon(st.rules ?? [])}|${canon(st.log ?? [])}|${canon(st.quiet_scoped ?? [])}|${st.ruleset === false ? 0 : 1}`;
    const n = seen.get(kind) ?? 0;
    seen.set(kind, n + 1);
    slots.push({ key: `${kind}|${n}`, gap, index: i });
  });
  return { base, baseIndex, key: canon(base), slots };
}

interface Group {
  key: string;
  base: Step[];
  /** Per gap (0..base.length), the slot keys in order. */
  order: string[][];
  members: number[];
}

/** Adds a scenario's slots to a group's order; false (group unchanged) when their order conflicts. */
function mergeSlots(order: string[][], slots: SlotRef[]): boolean {
  const next = order.map((g) => [...g]);
  for (let gap = 0; gap < next.length; gap++) {
    const mine = slots.filter((s) => s.gap === gap).map((s) => s.key);
    const list = next[gap]!;
    let at = -1;
    for (const k of mine) {
      const p = list.indexOf(k);
      if (p >= 0) {
        if (p <= at) return false;
        at = p;
      } else {
        list.splice(at + 1, 0, k);
        at++;
      }
    }
  }
  order.splice(0, order.length, ...next);
  return true;
}

/** The longest common prefix of names, cut back to a separator. */
function commonPrefix(names: string[]): string {
  if (names.length < 2) return '';
  let p = names[0]!;
  for (const n of names.slice(1)) while (!n.startsWith(p)) p = p.slice(0, -1);
  const cut = Math.max(p.lastIndexOf('-'), p.lastIndexOf('_'), p.lastIndexOf('.'));
  return cut >= 0 ? p.slice(0, cut + 1) : '';
}

function unique(name: string, used: Set<string>): string {
  let n = name;
  for (let k = 2; used.has(n); k++) n = `${name}_${k}`;
  used.add(n);
  return n;
}

/** One *_test.c for many scenarios (each with its model outcomes under its semantics). */
export function exportKselftestFile(inputs: readonly ExportInput[], opts: KselftestFileOptions = {}): KselftestFile {
  if (!inputs.length) throw new Error('exportKselftestFile: no scenario');
  for (const i of inputs) assertKselftestable(i.scenario);
  // Group by shape, in input order.
  const groups: Group[] = [];
  const shapes = inputs.map((i) => shapeOf(i.scenario.steps));
  shapes.forEach((sh, k) => {
    for (const g of groups)
      if (g.key === sh.key && mergeSlots(g.order, sh.slots)) {
        g.members.push(k);
        return;
      }
    const order: string[][] = Array.from({ length: sh.base.length + 1 }, () => []);
    mergeSlots(order, sh.slots);
    groups.push({ key: sh.key, base: sh.base, order, members: [k] });
  });

  const used = new Set<string>(['setup', 'finish', 'turn_wait', 'turn_give', 'set_addr', 'restrict_self', 'pass_fd', 'install_passed']);
  const titles = inputs.map((i) => scenarioTitle(i));
  const out: KselftestGroup[] = [];
  const tapNames: string[] = [];
  const sections: string[] = [];
  const codes: PlannedCode[] = [];

  for (const g of groups) {
    if (g.members.length === 1) {
      const k = g.members[0]!;
      const input = inputs[k]!;
      const test = unique(`scoped_${identifier(titles[k]!).replace(/^scoped_/, '')}`, used);
      const code = planCode({
        steps: input.scenario.steps,
        want: (i) => expectedValue(input.outcomes[i]?.result),
        result: (i) => input.outcomes[i]?.result ?? '?',
        undo: (i) => (input.outcomes[i]?.result === 'ok' ? 'always' : 'never'),
        prefix: `${test}_`,
      });
      codes.push(code);
      sections.push(testSection(test, input, code));
      // kselftest_harness.h names a TEST() "global.<name>"
      out.push({ test, members: [{ input: k, tap: `global.${test}` }] });
      tapNames[k] = `global.${test}`;
      continue;
    }
    sections.push(fixtureSection(g, inputs, shapes, titles, used, out, tapNames, codes));
  }

  const semantics = [...new Set(inputs.map((i) => `"${i.semantics}"${i.errata !== undefined ? ` (errata ${i.errata})` : ''}`))];
  const head = [
    `Landlock tests - ${opts.title ?? 'scoping scenarios'}`,
    '',
    `Generated by "scopecheck export --as kselftest" from ${inputs.length} scenario${inputs.length === 1 ? '' : 's'}: ` +
      `${out.filter((g) => g.fixture).length} fixture(s) whose variants differ only in their domains, ` +
      `${out.filter((g) => !g.fixture).length} single test(s).`,
    `Expected results: the scopecheck model under the semantics ${semantics.length === 1 ? semantics[0] : `${semantics.join(', ')} (see each test)`}.`,
    'Every step runs in the task that names it, in order: the tasks take turns through one pipe each.',
  ].flatMap((l) => wrapProse(l, '', 77));
  const text = testFile({
    head,
    numTasks: Math.max(...codes.map((c) => c.tasks.length)),
    numSocks: Math.max(...codes.map((c) => c.socks.length)),
    namePrefix: opts.namePrefix ?? 'scopecheck',
    body: sections.join('\n\n'),
  });
  return { text, groups: out, tapNames };
}

function testSection(test: string, input: ExportInput, code: PlannedCode): string {
  const s = input.scenario;
  const title = scenarioTitle(input);
  const about = [
    `${title}${input.source ? ` (${input.source})` : ''}, semantics "${input.semantics}".`,
    ...(s.description ? [s.description] : []),
  ];
  return [
    '/*',
    ...about.flatMap((a) => wrapProse(a)),
    ' */',
    ...legend(code),
    ...(code.protos.length ? ['', ...code.protos] : []),
    ...code.fns.flatMap((f) => ['', f]),
    '',
    `TEST(${test})`,
    '{',
    ...code.p0,
    '}',
  ].join('\n');
}

function fixtureSection(
  g: Group,
  inputs: readonly ExportInput[],
  shapes: ReturnType<typeof shapeOf>[],
  titles: string[],
  used: Set<string>,
  out: KselftestGroup[],
  tapNames: string[],
  codes: PlannedCode[],
): string {
  const mem = g.members;
  const names = mem.map((k) => titles[k]!);
  const prefix = commonPrefix(names);
  const fixture = unique(`scoped_${identifier(prefix || names[0]!).replace(/^scoped_/, '')}`, used);
  const vused = new Set<string>();
  const variants = mem.map((k) => unique(identifier(titles[k]!.slice(prefix.length) || titles[k]!), vused));
  const test = 'scenario';

  // The merged steps: per gap its slots (the domains), then the base step.
  const merged: Step[] = [];
  /** For each merged step, each member's index of that step (undefined: not in that variant). */
  const at: (number | undefined)[][] = [];
  const slotOf: (string | undefined)[] = [];
  for (let gap = 0; gap <= g.base.length; gap++) {
    for (const key of g.order[gap]!) {
      const idx = mem.map((k) => shapes[k]!.slots.find((s) => s.key === key)?.index);
      const first = mem.findIndex((_, j) => idx[j] !== undefined);
      merged.push(inputs[mem[first]!]!.scenario.steps[idx[first]!]!);
      at.push(idx);
      slotOf.push(key);
    }
    if (gap < g.base.length) {
      merged.push(g.base[gap]!);
      at.push(mem.map((k) => shapes[k]!.baseIndex[gap]));
      slotOf.push(undefined);
    }
  }

  // Variant fields: presence and masks of the domains, expected results that differ.
  const fields: { name: string; type: string; about: string; value: (j: number) => string }[] = [];
  const slotNames: string[] = [];
  const perTask = new Map<string, number>();
  const whenOf: (string | undefined)[] = [];
  const scopedOf: (string | undefined)[] = [];
  const fsOf: (string | undefined)[] = [];
  const wantOf: string[] = [];
  const resultOf: string[] = [];
  const undoOf: ('always' | 'never' | string)[] = [];
  merged.forEach((st, i) => {
    const idx = at[i]!;
    const present = mem.map((_, j) => idx[j] !== undefined);
    const stepOf = (j: number) => inputs[mem[j]!]!.scenario.steps[idx[j]!]!;
    const resOf = (j: number) => inputs[mem[j]!]!.outcomes[idx[j]!]?.result ?? '?';
    const js = mem.map((_, j) => j).filter((j) => present[j]);
    let slot: string | undefined;
    if (slotOf[i] !== undefined) {
      const n = (perTask.get(st.by) ?? 0) + 1;
      perTask.set(st.by, n);
      slot = `${identifier(st.by)}_domain${n}`;
      slotNames.push(slot);
      const text = `#${i} ${st.by} restrict_self`;
      if (!present.every(Boolean)) {
        fields.push({ name: slot, type: 'bool', about: `${text}: enforced`, value: (j) => (present[j] ? 'true' : 'false') });
        whenOf[i] = `variant->${slot}`;
      }
      const masks = (f: (r: RestrictStep) => string) => js.map((j) => f(stepOf(j) as RestrictStep));
      const sc = masks((r) => orMask(r.scoped, scopeConst));
      if (new Set(sc).size > 1) {
        fields.push({ name: `${slot}_scoped`, type: '__u64', about: `${text}: .scoped`, value: (j) => (present[j] ? orMask((stepOf(j) as RestrictStep).scoped, scopeConst) : '0') });
        scopedOf[i] = `variant->${slot}_scoped`;
      }
      const fs = masks((r) => orMask(r.handled_fs, fsConst));
      if (new Set(fs).size > 1) {
        fields.push({ name: `${slot}_fs`, type: '__u64', about: `${text}: .handled_access_fs`, value: (j) => (present[j] ? orMask((stepOf(j) as RestrictStep).handled_fs, fsConst) : '0') });
        fsOf[i] = `variant->${slot}_fs`;
      }
    }
    const results = js.map(resOf);
    if (new Set(results).size > 1) {
      const name = `expect_${i}`;
      fields.push({ name, type: 'int', about: `#${i} ${stepText(st)}`, value: (j) => (present[j] ? expectedValue(resOf(j)) : '0') });
      wantOf[i] = `variant->${name}`;
      resultOf[i] = 'per variant';
      undoOf[i] = results.includes('ok') ? `variant->${name} == 0` : 'never';
    } else {
      wantOf[i] = expectedValue(results[0]);
      resultOf[i] = results[0] ?? '?';
      undoOf[i] = results[0] === 'ok' ? 'always' : 'never';
    }
  });

  const plan: CodePlan = {
    steps: merged,
    want: (i) => wantOf[i]!,
    result: (i) => resultOf[i]!,
    when: (i) => whenOf[i],
    scoped: (i) => scopedOf[i],
    handledFs: (i) => fsOf[i],
    undo: (i) => undoOf[i]!,
    prefix: `${fixture}_`,
    variantDecl: `const FIXTURE_VARIANT(${fixture}) *const variant = _metadata->variant;`,
  };
  const code = planCode(plan);
  codes.push(code);

  const members = mem.map((k, j) => ({ variant: variants[j]!, input: k, tap: `${fixture}.${variants[j]!}.${test}` }));
  for (const m of members) tapNames[m.input] = m.tap;
  out.push({ fixture, test, members });

  const sems = [...new Set(mem.map((k) => inputs[k]!.semantics))];
  const lines: string[] = [
    '/*',
    ...wrapProse(
      `${fixture}: ${mem.length} scenarios of one shape (${prefix ? `${prefix}*` : names.join(', ')}), semantics ${sems.map((x) => `"${x}"`).join(', ')}. ` +
        'They differ only in their domains: the variants say which are enforced, with which masks, and the results that differ.',
    ),
    ' * Steps:',
    ...merged.flatMap((st, i) =>
      wrap(`#${i} ${stepText(st)}${whenOf[i] ? ` (if ${whenOf[i]})` : ''}: ${resultOf[i]}`, MAX_COLUMNS - 8).map((l, n) => ` *${n ? '     ' : '   '}${l}`),
    ),
    ' */',
    ...legend(code),
    '',
    '/* clang-format off */',
    `FIXTURE(${fixture}) {};`,
    '/* clang-format on */',
    '',
    `FIXTURE_VARIANT(${fixture})`,
    '{',
    ...fields.map((f) => {
      const decl = `\t${f.type} ${f.name};`;
      const withComment = `${decl} /* ${f.about.replace(/\*\//g, '* /')} */`;
      return withComment.replace(/\t/g, '        ').length <= MAX_COLUMNS ? withComment : `${commentLines('\t', f.about).join('\n')}\n${decl}`;
    }),
    ...(fields.length ? [] : ['\tbool unused;']),
    '};',
  ];
  mem.forEach((k, j) => {
    const input = inputs[k]!;
    const about = [`${titles[k]}${input.source ? ` (${input.source})` : ''}, semantics "${input.semantics}".`, ...(input.scenario.description ? [input.scenario.description] : [])];
    lines.push(
      '',
      '/*',
      ...about.flatMap((a) => wrapProse(a)),
      ' */',
      '/* clang-format off */',
      `FIXTURE_VARIANT_ADD(${fixture}, ${variants[j]}) {`,
      '\t/* clang-format on */',
      ...fields.map((f) => `\t.${f.name} = ${f.value(j)},`),
      ...(fields.length ? [] : ['\t.unused = false,']),
      '};',
    );
  });
  lines.push(
    '',
    `FIXTURE_SETUP(${fixture})`,
    '{',
    '}',
    '',
    `FIXTURE_TEARDOWN(${fixture})`,
    '{',
    '}',
    ...(code.protos.length ? ['', ...code.protos] : []),
    ...code.fns.flatMap((f) => ['', f]),
    '',
    `TEST_F(${fixture}, ${test})`,
    '{',
    ...code.p0,
    '}',
  );
  return lines.join('\n');
}
