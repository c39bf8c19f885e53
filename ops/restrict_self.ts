/**
 * landlock_create_ruleset + landlock_add_rule (one per rule, after open(O_PATH)) +
 * landlock_restrict_self (security/landlock/syscalls.c), as one step: model/syscalls.ts.
 */
import { z } from 'zod';
import { restrictSelf } from '../model/syscalls.js';
import { RESTRICT_SELF_TSYNC, logFlagMask } from '../model/limits.js';
import { FS_RIGHT_NAMES, SCOPE_NAMES, type LogFlagName } from '../model/uapi.js';
import { base, fsRightNames, logFlagNames, relPath, scopeNames } from './fields.js';
import type { OpDef } from './types.js';
import { fp, GLOBAL } from './footprint.js';

const schema = z
  .strictObject({
    op: z.literal('restrict_self'),
    ...base,
    scoped: scopeNames.optional(),
    handled_fs: fsRightNames.optional(),
    rules: z.array(z.strictObject({ path: relPath, access: fsRightNames })).optional(),
    tsync: z.boolean().optional(),
    // Audit (format 1.2, docs/scenario-format.md "Audit"): LOG_* flags, quiet_scoped, no ruleset.
    log: logFlagNames.optional(),
    quiet_scoped: scopeNames.optional(),
    ruleset: z.boolean().optional(),
  })
  .superRefine((st, ctx) => {
    if (st.ruleset !== false) return;
    for (const k of ['scoped', 'handled_fs', 'rules', 'quiet_scoped'] as const)
      if (st[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'must be absent with "ruleset": false (landlock_restrict_self(-1, flags))' });
  });
export type RestrictSelfStep = z.infer<typeof schema>;

/** The LOG_* flags the generator draws (one action in four). */
const GEN_LOGS: readonly (readonly LogFlagName[])[] = [['same_exec_off'], ['new_exec_on'], ['subdomains_off'], ['same_exec_off', 'new_exec_on']];

export const restrict_self: OpDef<RestrictSelfStep> = {
  op: 'restrict_self',
  schema,
  names: {},
  text: (st) => {
    const parts: string[] = [];
    if (st.scoped?.length) parts.push(`scoped=${st.scoped.join(',')}`);
    if (st.handled_fs?.length) parts.push(`handled_fs=${st.handled_fs.join(',')}`);
    for (const r of st.rules ?? []) parts.push(`rule ${r.path}:${r.access.join(',')}`);
    if (st.quiet_scoped?.length) parts.push(`quiet_scoped=${st.quiet_scoped.join(',')}`);
    if (st.ruleset === false) parts.push('no-ruleset');
    if (st.tsync) parts.push('tsync');
    if (st.log?.length) parts.push(`log=${st.log.join(',')}`);
    return `${st.by} restrict_self ${parts.join(' ') || '(empty)'}`;
  },
  wire: (st, e) => {
    const rules = st.rules ?? [];
    // SCOPED HANDLED FLAGS QUIET RULESET NRULES (PATH ACCESS)*; FLAGS: LOG_* bits 0-2, TSYNC bit 3.
    const flags = logFlagMask(st.log) | (st.tsync ? RESTRICT_SELF_TSYNC : 0);
    const out = [e.mask(st.scoped, SCOPE_NAMES), e.mask(st.handled_fs, FS_RIGHT_NAMES), String(flags), e.mask(st.quiet_scoped, SCOPE_NAMES), st.ruleset === false ? '0' : '1', String(rules.length)];
    for (const r of rules) out.push(r.path, e.mask(r.access, FS_RIGHT_NAMES));
    return out;
  },
  apply: (w, t, st) => restrictSelf(w, t, st),
  readOnly: false,
  observes: [],
  // Footprint: the acting thread's credentials (and the filesystem its rules look up); TSYNC, every thread of the process: GLOBAL.
  footprint: (_w, t, st) => (st.tsync ? GLOBAL : st.rules?.length ? fp(t).task(t, true).fs().quiet().done() : fp(t).task(t, true).quiet().done()),
  reaches: null,
  gen: {
    weight: 12,
    needsSock: false,
    build: (g) => {
      const by = g.by;
      const n = g.x.b;
      // Logging, where the uAPI has it: one action in four sets a LOG_* flag or, with scopes, a quiet bit.
      const v = g.x.d % 16;
      const p = g.profile(n);
      const logging: { log?: ('same_exec_off' | 'new_exec_on' | 'subdomains_off')[]; quiet_scoped?: typeof p.scoped } = {};
      if (g.logging.flags && v < 4) logging.log = GEN_LOGS[v]!.slice();
      if (g.logging.quiet && v === 4 && p.scoped?.length) logging.quiet_scoped = p.scoped.filter((x) => x !== 'pathname_unix_socket').slice(0, 1);
      if (logging.quiet_scoped?.length === 0) delete logging.quiet_scoped;
      // …and one in sixteen turns LOG_SUBDOMAINS_OFF on first, without a ruleset.
      if (g.logging.flags && v === 5) g.push({ op: 'restrict_self', by, ruleset: false, log: ['subdomains_off'] });
      g.push({ op: 'restrict_self', by, ...p, ...logging });
      if (g.dual && g.profileOf(n) === 0) g.push({ op: 'restrict_self', by, ...g.dual(n) });
      if (g.dual && g.profileOf(n) === 7) {
        if (!g.dirs.has('d')) {
          g.insertBeforeLast({ op: 'mkdir', by, path: 'd' });
          g.dirs.add('d');
        }
        g.push({ op: 'restrict_self', by, ...g.dual(6) });
      }
    },
  },
  exhaustive: {
    label: 'restrict_self (every restriction / abstract / signal / fs-only)',
    asks: false,
    successors: (x) => (x.canAddLayer ? x.profiles.map((p) => ({ op: 'restrict_self' as const, by: x.t.name, ...p })) as RestrictSelfStep[] : []),
  },
  c: (st, x) => {
    const f = [`.scoped = ${x.mask(st.scoped, 'LL_SCOPE_')}`, `.handled = ${x.mask(st.handled_fs, 'LL_FS_')}`];
    if (st.tsync) f.push('.tsync = 1');
    if (st.log?.length) f.push(`.flags = ${logFlagMask(st.log)} /* LOG_${st.log.map((l) => l.toUpperCase()).join(' | LOG_')} */`);
    if (st.quiet_scoped?.length) f.push(`.quiet = ${x.mask(st.quiet_scoped, 'LL_SCOPE_')}`);
    if (st.ruleset === false) f.push('.no_ruleset = 1');
    const rs = st.rules ?? [];
    if (rs.length) {
      x.declare(`static const struct rule rules_${x.i}[] = {\n${rs.map((r) => `\t{ ${x.mask(r.access, 'LL_FS_')}, ${x.str(r.path)} },`).join('\n')}\n};`);
      f.push(`.nrules = ${rs.length}`, `.rules = rules_${x.i}`);
    }
    return f;
  },
  kselftest: (st, x) => {
    const rules = st.rules ?? [];
    const flagNames = [...(st.log ?? []).map((f) => `LANDLOCK_RESTRICT_SELF_LOG_${f.toUpperCase()}`), ...(st.tsync ? ['LANDLOCK_RESTRICT_SELF_TSYNC'] : [])];
    const flags = flagNames.join(' | ') || '0';
    if (st.ruleset === false) return { lines: [`\tEXPECT_EQ(${x.want}, RES(landlock_restrict_self(-1, ${flags})));`] };
    const L = [
      '\t{',
      '\t\tconst struct landlock_ruleset_attr ruleset_attr = {',
      `\t\t\t.handled_access_fs = ${x.fs(st.handled_fs)},`,
      `\t\t\t.scoped = ${x.scopes(st.scoped)},`,
      ...(st.quiet_scoped?.length ? [`\t\t\t.quiet_scoped = ${x.scopes(st.quiet_scoped)},`] : []),
      '\t\t};',
    ];
    if (rules.length) {
      L.push('\t\tconst struct rule rules[] = {');
      for (const r of rules) L.push(`\t\t\t{ "${r.path}", ${x.fs(r.access)} },`);
      L.push('\t\t};', '');
      L.push(`\t\tEXPECT_EQ(${x.want}, restrict_self(&ruleset_attr, rules, ARRAY_SIZE(rules), ${flags}));`);
    } else {
      L.push('', `\t\tEXPECT_EQ(${x.want}, restrict_self(&ruleset_attr, NULL, 0, ${flags}));`);
    }
    L.push('\t}');
    return { lines: L };
  },
  shell: (st, x) => {
    if (st.ruleset === false) {
      x.out.push(x.head, `#   landlock_restrict_self(-1, ${(st.log ?? []).join('|')}): the sandboxer has no such option; ${st.by} stays as it is`, x.exp);
      return;
    }
    const scoped = (st.scoped ?? []).map((s) => x.scopeLetter(s)).join(':');
    const fs = st.handled_fs ?? [];
    const rules = st.rules ?? [];
    // The sandboxer allows LL_FS_RO / LL_FS_RW and handles every right of the ABI.
    const rw = fs.length === 0 ? '/' : rules.filter((r) => r.access.length > 1 || !r.access.includes('read_dir')).map((r) => `$D/${r.path}`).join(':');
    const cmd = `LL_FS_RO="/" LL_FS_RW="${rw}" LL_SCOPED="${scoped}"`;
    x.out.push(x.head);
    x.out.push(
      `#   ruleset: scoped=[${(st.scoped ?? []).join(', ')}] handled_fs=[${fs.join(', ')}]${rules.length ? ` rules=${rules.map((r) => `${r.path}:${r.access.join('|')}`).join(', ')}` : ''}${st.tsync ? ' tsync' : ''}`,
    );
    if (st.tsync) x.out.push('#   (TSYNC: the sandboxer has no option for it)');
    if (st.log?.length || st.quiet_scoped?.length) x.out.push(`#   (log=${(st.log ?? []).join(',') || '-'} quiet_scoped=${(st.quiet_scoped ?? []).join(',') || '-'}: the sandboxer has no option for them; they change only what is logged)`);
    if (fs.includes('resolve_unix')) x.out.push('#   (resolve_unix: a sandboxer for ABI >= 9 handles it; LL_FS_RW must not cover the socket path)');
    x.out.push(x.exp);
    if (x.ok) {
      x.sandbox.set(st.by, [...(x.sandbox.get(st.by) ?? []), cmd]);
      x.out.push(`#   from here on, ${st.by}'s commands run under: ${x.prefix(st.by).trim()}`);
    } else x.out.push(`#   the sandboxer would refuse this ruleset (${x.outcome?.result}); ${st.by} stays as it is`);
  },
  picture: (st, x) => {
    if (x.ok) x.moveToActorDomain(st.tsync === true);
  },
};
