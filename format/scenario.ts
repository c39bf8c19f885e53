/**
 * The scenario interchange format, version 1 (../shared/docs/scenario-format.md).
 *
 * Pure: types, the zod schema and the structural checks. Reading files is the CLI's job.
 * Every error names the step index and the field; the caller adds the file name.
 */
import { z } from 'zod';

export const SCENARIO_FORMAT = 'scopecheck-scenario/1';

export const NAME_RE = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;
export const SCENARIO_NAME_RE = /^[A-Za-z0-9._-]{1,100}$/;
const COMPONENT_RE = /^[A-Za-z0-9._-]+$/;

export const SCOPE_NAMES = ['abstract_unix_socket', 'signal', 'pathname_unix_socket'] as const;
export type ScopeName = (typeof SCOPE_NAMES)[number];

/** Filesystem access rights, uAPI order (bit i = 1 << i). */
export const FS_RIGHT_NAMES = [
  'execute',
  'write_file',
  'read_file',
  'read_dir',
  'remove_dir',
  'remove_file',
  'make_char',
  'make_dir',
  'make_reg',
  'make_sock',
  'make_fifo',
  'make_block',
  'make_sym',
  'refer',
  'truncate',
  'ioctl_dev',
  'resolve_unix',
] as const;
export type FsRightName = (typeof FS_RIGHT_NAMES)[number];

export const SOCKET_TYPES = ['stream', 'dgram', 'seqpacket'] as const;
export type SocketType = (typeof SOCKET_TYPES)[number];

export type Address = { abstract: string } | { pathname: string };
export type Signal = 0 | 'SIGUSR1';

/** A relative path: components of [A-Za-z0-9._-], no "." or "..", at most 64 bytes. */
export function pathProblem(p: string): string | null {
  if (p.length === 0) return 'is empty';
  if (Buffer.byteLength(p) > 64) return 'is longer than 64 bytes';
  if (p.startsWith('/')) return 'must be relative';
  for (const c of p.split('/')) {
    if (c.length === 0) return 'has an empty component';
    if (c === '.' || c === '..') return `has a "${c}" component`;
    if (!COMPONENT_RE.test(c)) return `has a component "${c}" with characters outside [A-Za-z0-9._-]`;
  }
  return null;
}

const taskName = z.string().regex(NAME_RE, 'must match ^[A-Za-z][A-Za-z0-9_]{0,31}$');
const sockName = taskName;
const relPath = z.string().superRefine((p, ctx) => {
  const why = pathProblem(p);
  if (why) ctx.addIssue({ code: 'custom', message: `path ${JSON.stringify(p)} ${why}` });
});
const abstractName = z
  .string()
  .min(1, 'abstract name must be at least one character')
  .max(64, 'abstract name is longer than 64 bytes')
  .regex(COMPONENT_RE, 'abstract name must use [A-Za-z0-9._-]');
const address = z.union([z.strictObject({ abstract: abstractName }), z.strictObject({ pathname: relPath })], {
  error: 'must be {"abstract": name} or {"pathname": "rel/path"}',
});
const signal = z.union([z.literal(0), z.literal('SIGUSR1')], { error: 'must be 0 or "SIGUSR1"' });
const socketType = z.enum(SOCKET_TYPES);
const expect = z.string().regex(/^(ok|E[A-Z0-9]+)$/, 'must be "ok" or an errno name such as "EPERM"');

const base = { by: taskName, expect: expect.optional() };

const stepSchemas = [
  z.strictObject({ op: z.literal('fork'), ...base, child: taskName }),
  z.strictObject({ op: z.literal('thread'), ...base, child: taskName }),
  z.strictObject({ op: z.literal('exit'), ...base }),
  z.strictObject({
    op: z.literal('restrict_self'),
    ...base,
    scoped: z.array(z.enum(SCOPE_NAMES)).optional(),
    handled_fs: z.array(z.enum(FS_RIGHT_NAMES)).optional(),
    rules: z
      .array(z.strictObject({ path: relPath, access: z.array(z.enum(FS_RIGHT_NAMES)) }))
      .optional(),
    tsync: z.boolean().optional(),
  }),
  z.strictObject({ op: z.literal('mkdir'), ...base, path: relPath }),
  z.strictObject({ op: z.literal('socket'), ...base, sock: sockName, type: socketType }),
  z.strictObject({ op: z.literal('socketpair'), ...base, socks: z.tuple([sockName, sockName]), type: socketType }),
  z.strictObject({ op: z.literal('bind'), ...base, sock: sockName, addr: address }),
  z.strictObject({ op: z.literal('listen'), ...base, sock: sockName }),
  z.strictObject({ op: z.literal('connect'), ...base, sock: sockName, addr: address }),
  z.strictObject({ op: z.literal('sendto'), ...base, sock: sockName, addr: address }),
  z.strictObject({ op: z.literal('send'), ...base, sock: sockName }),
  z.strictObject({ op: z.literal('pass'), ...base, sock: sockName, to: taskName }),
  z.strictObject({ op: z.literal('close'), ...base, sock: sockName }),
  z.strictObject({ op: z.literal('kill'), ...base, target: taskName, signal: signal.optional() }),
  z.strictObject({ op: z.literal('tgkill'), ...base, target: taskName, signal: signal.optional() }),
] as const;

export const OPS = [
  'fork',
  'thread',
  'exit',
  'restrict_self',
  'mkdir',
  'socket',
  'socketpair',
  'bind',
  'listen',
  'connect',
  'sendto',
  'send',
  'pass',
  'close',
  'kill',
  'tgkill',
] as const;
export type Op = (typeof OPS)[number];

export const stepSchema = z.discriminatedUnion('op', stepSchemas, {
  error: (iss) =>
    iss.code === 'invalid_union' ? `unknown op; expected one of ${OPS.join(', ')}` : undefined,
});

export const scenarioSchema = z.strictObject({
  format: z.literal(SCENARIO_FORMAT, { error: `must be "${SCENARIO_FORMAT}"` }),
  name: z.string().regex(SCENARIO_NAME_RE, 'must match [A-Za-z0-9._-]{1,100}').optional(),
  description: z.string().optional(),
  steps: z.array(stepSchema),
});

export type Step = z.infer<typeof stepSchema>;
export type Scenario = z.infer<typeof scenarioSchema>;
export type StepOf<K extends Op> = Extract<Step, { op: K }>;

/** A problem found in a scenario: the step index (or null for the whole file) and the field. */
export interface ScenarioError {
  step: number | null;
  field: string;
  message: string;
}

export class ScenarioValidationError extends Error {
  constructor(
    readonly errors: ScenarioError[],
    readonly file?: string,
  ) {
    super(errors.map((e) => formatScenarioError(e, file)).join('\n'));
    this.name = 'ScenarioValidationError';
  }
}

export function formatScenarioError(e: ScenarioError, file?: string): string {
  const where = e.step === null ? '' : `step ${e.step}: `;
  return `${file ?? '<scenario>'}: ${where}${e.field}: ${e.message}`;
}

function issuePathToError(iss: z.core.$ZodIssue): ScenarioError {
  let path: PropertyKey[] = [...iss.path];
  let message = iss.message;
  if (iss.code === 'unrecognized_keys') {
    path = [...path, iss.keys.join(',')];
    message = 'unknown field';
  }
  if (path[0] === 'steps' && typeof path[1] === 'number') {
    const rest = path.slice(2).map(String);
    return { step: path[1], field: rest.length ? rest.join('.') : 'step', message };
  }
  return { step: null, field: path.length ? path.map(String).join('.') : '(file)', message };
}

/**
 * The structural checks the schema cannot make: names introduced once, every name used
 * introduced before, acting tasks alive. Returns every problem found, in step order.
 */
export function structuralErrors(s: Scenario): ScenarioError[] {
  const errors: ScenarioError[] = [];
  const processOf = new Map<string, number>([['P0', 0]]);
  const deadProcess = new Set<number>();
  const sockets = new Set<string>();
  let nextProcess = 1;
  const alive = (t: string) => processOf.has(t) && !deadProcess.has(processOf.get(t)!);
  const taskRef = (i: number, field: string, t: string, mustLive: boolean) => {
    if (!processOf.has(t)) errors.push({ step: i, field, message: `task "${t}" is not introduced by an earlier step` });
    else if (mustLive && !alive(t)) errors.push({ step: i, field, message: `task "${t}" has exited` });
  };
  const newTask = (i: number, t: string) => {
    if (processOf.has(t)) {
      errors.push({ step: i, field: 'child', message: `task name "${t}" is already used` });
      return false;
    }
    return true;
  };
  const sockRef = (i: number, field: string, n: string) => {
    if (!sockets.has(n)) errors.push({ step: i, field, message: `socket "${n}" is not introduced by an earlier step` });
  };
  const newSock = (i: number, field: string, n: string) => {
    if (sockets.has(n)) errors.push({ step: i, field, message: `socket name "${n}" is already used` });
    sockets.add(n);
  };
  s.steps.forEach((st, i) => {
    taskRef(i, 'by', st.by, true);
    switch (st.op) {
      case 'fork':
        if (newTask(i, st.child)) processOf.set(st.child, nextProcess++);
        break;
      case 'thread':
        if (newTask(i, st.child) && processOf.has(st.by)) processOf.set(st.child, processOf.get(st.by)!);
        break;
      case 'exit':
        if (alive(st.by)) deadProcess.add(processOf.get(st.by)!);
        break;
      case 'socket':
        newSock(i, 'sock', st.sock);
        break;
      case 'socketpair':
        if (st.socks[0] === st.socks[1]) errors.push({ step: i, field: 'socks.1', message: 'the two ends need two different names' });
        else {
          newSock(i, 'socks.0', st.socks[0]);
          newSock(i, 'socks.1', st.socks[1]);
        }
        break;
      case 'bind':
      case 'listen':
      case 'connect':
      case 'sendto':
      case 'send':
      case 'close':
        sockRef(i, 'sock', st.sock);
        break;
      case 'pass':
        sockRef(i, 'sock', st.sock);
        taskRef(i, 'to', st.to, true);
        break;
      case 'kill':
      case 'tgkill':
        taskRef(i, 'target', st.target, false);
        break;
      case 'restrict_self':
      case 'mkdir':
        break;
    }
  });
  return errors;
}

/** Parses and validates a scenario object; throws ScenarioValidationError listing every problem. */
export function parseScenario(raw: unknown, file?: string): Scenario {
  const r = scenarioSchema.safeParse(raw);
  if (!r.success) {
    throw new ScenarioValidationError(
      r.error.issues.map(issuePathToError),
      file,
    );
  }
  const errs = structuralErrors(r.data);
  if (errs.length) throw new ScenarioValidationError(errs, file);
  return r.data;
}

/** Parses scenario JSON text (a whole file). */
export function parseScenarioText(text: string, file?: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ScenarioValidationError([{ step: null, field: '(file)', message: `not valid JSON: ${(e as Error).message}` }], file);
  }
  return parseScenario(raw, file);
}

/** Tasks of a scenario in the order they are introduced (P0 first). */
export function scenarioTasks(s: Scenario): string[] {
  const out = ['P0'];
  for (const st of s.steps) if (st.op === 'fork' || st.op === 'thread') out.push(st.child);
  return out;
}

/** Socket names of a scenario in the order they are introduced. */
export function scenarioSockets(s: Scenario): string[] {
  const out: string[] = [];
  for (const st of s.steps) {
    if (st.op === 'socket') out.push(st.sock);
    else if (st.op === 'socketpair') out.push(...st.socks);
  }
  return out;
}
