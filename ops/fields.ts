/**
 * The field schemas steps are made of (docs/scenario-format.md, "Names", "Addresses", "Paths"),
 * and the fields every step has. Pure.
 */
import { z } from 'zod';
import { SIGNAL_NAMES } from '../model/signals.js';
import { FS_RIGHT_NAMES, LOG_FLAG_NAMES, SCOPE_NAMES, SOCKET_TYPES } from '../model/uapi.js';
import { isResult } from './limits.js';
import { RECORD_TEXT } from '../model/audit.js';

export const NAME_RE = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;
const COMPONENT_RE = /^[A-Za-z0-9._-]+$/;

/** Longest abstract name, path and rule path in bytes (replayer/ops.h MAX_NAME). */
export const MAX_NAME_BYTES = 64;

/** A relative path: components of [A-Za-z0-9._-], no "." or "..", at most 64 bytes. */
export function pathProblem(p: string): string | null {
  if (p.length === 0) return 'is empty';
  if (Buffer.byteLength(p) > MAX_NAME_BYTES) return `is longer than ${MAX_NAME_BYTES} bytes`;
  if (p.startsWith('/')) return 'must be relative';
  for (const c of p.split('/')) {
    if (c.length === 0) return 'has an empty component';
    if (c === '.' || c === '..') return `has a "${c}" component`;
    if (!COMPONENT_RE.test(c)) return `has a component "${c}" with characters outside [A-Za-z0-9._-]`;
  }
  return null;
}

export const taskName = z.string().regex(NAME_RE, 'must match ^[A-Za-z][A-Za-z0-9_]{0,31}$');
export const sockName = taskName;
export const relPath = z.string().superRefine((p, ctx) => {
  const why = pathProblem(p);
  if (why) ctx.addIssue({ code: 'custom', message: `path ${JSON.stringify(p)} ${why}` });
});
const abstractName = z
  .string()
  .min(1, 'abstract name must be at least one character')
  .max(MAX_NAME_BYTES, `abstract name is longer than ${MAX_NAME_BYTES} bytes`)
  .regex(COMPONENT_RE, 'abstract name must use [A-Za-z0-9._-]');
export const address = z.union([z.strictObject({ abstract: abstractName }), z.strictObject({ pathname: relPath })], {
  error: 'must be {"abstract": name} or {"pathname": "rel/path"}',
});
/** A signal of the kill family: 0 (the existence probe) or one of the scenario's signals (docs/scenario-format.md, "Signals"). */
export const signal = z.union([z.literal(0), z.enum(SIGNAL_NAMES)], { error: `must be 0 or one of ${SIGNAL_NAMES.map((n) => `"${n}"`).join(', ')}` });
export type Signal = z.infer<typeof signal>;
/** A signal that is delivered (await_signal, pdeathsig, setown): not 0. */
export const realSignal = z.enum(SIGNAL_NAMES, { error: `must be one of ${SIGNAL_NAMES.map((n) => `"${n}"`).join(', ')}` });
/** The signal as the model names it ("0" for the probe). */
export const signalText = (s: Signal | undefined): string => (s === undefined || s === 0 ? '0' : s);
/** The replayer's token for a signal (replayer/ops.h): 0, USR1, USR2, IO, URG. */
export const signalWire = (s: Signal | undefined): string => (s === undefined || s === 0 ? '0' : s.slice(3));
/** The C constant: 0 or SIGUSR1…. */
export const signalC = (s: Signal | undefined): string => (s === undefined || s === 0 ? '0' : s);
export const socketType = z.enum(SOCKET_TYPES);
export const scopeNames = z.array(z.enum(SCOPE_NAMES));
export const fsRightNames = z.array(z.enum(FS_RIGHT_NAMES));
export const logFlagNames = z.array(z.enum(LOG_FLAG_NAMES));
/** "ok", or an errno name such as "EPERM" (ops/limits.ts ERRNO_NAMES). */
export const result = z.string().refine(isResult, 'must be "ok" or an errno name such as "EPERM"');
export const expect = result;

/** The fields every step has: the acting task and an optional expected result. */
/** Format 1.2: the audit records a step is expected to emit, as model/audit.ts writes them (any order). */
export const expectAudit = z.array(z.string().regex(RECORD_TEXT, 'must be an audit record ("AUDIT_LANDLOCK_ACCESS domain=D1 blockers=scope.signal opid=P0", "AUDIT_LANDLOCK_DOMAIN domain=D1 status=allocated")'));
export const base = { by: taskName, expect: expect.optional(), expect_audit: expectAudit.optional() };
