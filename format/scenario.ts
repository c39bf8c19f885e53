/**
 * The scenario interchange format, version 1 (docs/scenario-format.md): the file's schema, built
 * from the registry of ops (ops/index.ts), and the structural checks.
 *
 * Pure: types, the zod schema and the structural checks. Reading files is the CLI's job.
 * Every error names the step index and the field; the caller adds the file name.
 */
import { InputError } from '../common/errors.js';
import { z } from 'zod';
import { parseJson } from './json.js';
import { OPS, REGISTRY, namesOf, opOf, stepsSockets, stepsTasks, type Step } from '../ops/index.js';
import { FREED_TEXT } from '../model/audit.js';
import { MAX_RULES, MAX_SOCKETS, MAX_STEPS, MAX_TASKS } from '../ops/limits.js';

export const SCENARIO_FORMAT = 'scopecheck-scenario/1';
export const SCENARIO_NAME_RE = /^[A-Za-z0-9._-]{1,100}$/;

export { NAME_RE, pathProblem, type Signal } from '../ops/fields.js';
export { OPS, type Op, type Step, type StepOf } from '../ops/index.js';
export { FS_RIGHT_NAMES, SCOPE_NAMES, SOCKET_TYPES, type Address, type FsRightName, type ScopeName, type SocketType } from '../model/uapi.js';

/** A step: one of the registry's ops (ops/index.ts), told apart by "op". */
export const stepSchema = z.discriminatedUnion(
  'op',
  OPS.map((o) => REGISTRY[o].schema) as unknown as [z.ZodObject<{ op: z.ZodLiteral<string> }>, ...z.ZodObject<{ op: z.ZodLiteral<string> }>[]],
  { error: (iss) => (iss.code === 'invalid_union' ? `unknown op; expected one of ${OPS.join(', ')}` : undefined) },
) as unknown as z.ZodType<Step>;

export const scenarioSchema = z.strictObject({
  format: z.literal(SCENARIO_FORMAT, { error: `must be "${SCENARIO_FORMAT}"` }),
  name: z.string().regex(SCENARIO_NAME_RE, 'must match [A-Za-z0-9._-]{1,100}').optional(),
  description: z.string().optional(),
  /** Format 1.1: "all" runs every task with the runner's capabilities (default: none at all). */
  capabilities: z.literal('all', { error: 'must be "all" (the default is no capabilities)' }).optional(),
  steps: z.array(stepSchema),
  /** Format 1.2: the deallocation records expected once the scenario ended (model/audit.ts freedText, any order). */
  expect_audit_freed: z.array(z.string().regex(FREED_TEXT, 'must be a deallocation record ("AUDIT_LANDLOCK_DOMAIN domain=D1 status=deallocated denials=N")')).optional(),
});

export type Scenario = z.infer<typeof scenarioSchema>;

/** A problem found in a scenario: the step index (or null for the whole file) and the field. */
export interface ScenarioError {
  step: number | null;
  field: string;
  message: string;
}

export class ScenarioValidationError extends InputError {
  constructor(
    readonly errors: ScenarioError[],
    readonly file?: string,
  ) {
    super(`${formatScenarioError(errors[0]!, file)}${errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : ''}`);
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
    // The keys come from the file: plain ones as they are, others quoted (no line break gets through).
    path = [...path, iss.keys.slice(0, 5).map((k) => (/^[A-Za-z0-9_.-]{1,40}$/.test(k) ? k : JSON.stringify(k.slice(0, 40)))).join(',')];
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
 * introduced before, acting tasks alive (from each op's NameSpec). Returns every problem found,
 * in step order.
 */
export function structuralErrors(s: { readonly steps: readonly Step[] }): ScenarioError[] {
  const errors: ScenarioError[] = [];
  const processOf = new Map<string, number>([['P0', 0]]);
  const deadProcess = new Set<number>();
  const sockets = new Set<string>();
  const threadOf = new Set<string>();
  const threadsIn = new Map<number, number>();
  let nextProcess = 1;
  const alive = (t: string) => processOf.has(t) && !deadProcess.has(processOf.get(t)!);
  const taskRef = (i: number, field: string, t: string, mustLive: boolean) => {
    if (!processOf.has(t)) errors.push({ step: i, field, message: `task "${t}" is not introduced by an earlier step` });
    else if (mustLive && !alive(t)) errors.push({ step: i, field, message: `task "${t}" has exited` });
  };
  const newTask = (i: number, field: string, t: string) => {
    if (processOf.has(t)) {
      errors.push({ step: i, field, message: `task name "${t}" is already used` });
      return false;
    }
    return true;
  };
  // Over the step limit, nothing else is checked (a huge file is not walked).
  if (s.steps.length > MAX_STEPS) return [{ step: null, field: 'steps', message: `has ${s.steps.length} steps; a scenario has at most ${MAX_STEPS}` }];
  let tasks = 1;
  let nsock = 0;
  let rules = 0;
  s.steps.forEach((st, i) => {
    taskRef(i, 'by', st.by, true);
    const names = namesOf(st);
    for (const u of names) {
      if ((u.role === 'newProcess' || u.role === 'newThread') && ++tasks === MAX_TASKS + 1)
        errors.push({ step: i, field: u.field, message: `is task ${tasks}: a scenario has at most ${MAX_TASKS} tasks (P0 included)` });
      if (u.role === 'newSocket' && ++nsock === MAX_SOCKETS + 1)
        errors.push({ step: i, field: u.field, message: `is socket ${MAX_SOCKETS + 1}: a scenario has at most ${MAX_SOCKETS} sockets` });
    }
    const r = 'rules' in st && Array.isArray(st.rules) ? st.rules.length : 0;
    if (rules <= MAX_RULES && (rules += r) > MAX_RULES) errors.push({ step: i, field: 'rules', message: `makes ${rules} rules: a scenario has at most ${MAX_RULES} rules in all` });
    for (const u of names) {
      if (u.role === 'newProcess' && newTask(i, u.field, u.name)) processOf.set(u.name, nextProcess++);
      if (u.role === 'newThread' && newTask(i, u.field, u.name) && processOf.has(st.by)) {
        processOf.set(u.name, processOf.get(st.by)!);
        threadOf.add(u.name);
        threadsIn.set(processOf.get(st.by)!, (threadsIn.get(processOf.get(st.by)!) ?? 0) + 1);
      }
    }
    const fresh = names.filter((u) => u.role === 'newSocket');
    const twice = fresh.find((u, k) => fresh.findIndex((v) => v.name === u.name) < k);
    if (twice) errors.push({ step: i, field: twice.field, message: 'the two ends need two different names' });
    else
      for (const u of fresh) {
        if (sockets.has(u.name)) errors.push({ step: i, field: u.field, message: `socket name "${u.name}" is already used` });
        sockets.add(u.name);
      }
    for (const u of names) {
      if (u.role === 'socket' && !sockets.has(u.name)) errors.push({ step: i, field: u.field, message: `socket "${u.name}" is not introduced by an earlier step` });
      if (u.role === 'task') taskRef(i, u.field, u.name, u.alive === true);
    }
    if (opOf(st).names.singleThreaded && processOf.has(st.by)) {
      if (threadOf.has(st.by)) errors.push({ step: i, field: 'by', message: `"${st.by}" is a thread: only a process with no other thread may ${st.op} (the format has no thread exit)` });
      else if (threadsIn.get(processOf.get(st.by)!)) errors.push({ step: i, field: 'by', message: `the process of "${st.by}" has threads: only a process with no other thread may ${st.op} (the format has no thread exit)` });
    }
    if (opOf(st).names.exitsProcess && alive(st.by)) deadProcess.add(processOf.get(st.by)!);
  });
  return errors;
}

/** Parses and validates a scenario object; throws ScenarioValidationError listing every problem. */
export function parseScenario(raw: unknown, file?: string): Scenario {
  // A huge steps array is refused before the schema walks it (each bad element would cost an issue).
  const steps = (raw as { steps?: unknown } | null)?.steps;
  if (Array.isArray(steps) && steps.length > MAX_STEPS)
    throw new ScenarioValidationError([{ step: null, field: 'steps', message: `has ${steps.length} steps; a scenario has at most ${MAX_STEPS}` }], file);
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
  const j = parseJson(text);
  if (!j.ok) throw new ScenarioValidationError([{ step: null, field: '(file)', message: j.why }], file);
  return parseScenario(j.value, file);
}

/** Tasks of a scenario in the order they are introduced (P0 first). */
export const scenarioTasks = (s: Scenario): string[] => stepsTasks(s.steps);

/** Socket names of a scenario in the order they are introduced. */
export const scenarioSockets = (s: Scenario): string[] => stepsSockets(s.steps);
