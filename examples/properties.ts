/**
 * Properties of your own, for `scopecheck check --property ./examples/properties.ts` (also in
 * `--exhaustive` and `--simulate` mode, `compare`, `replay` and the HTML report, like the built-ins).
 * A module exports one property (default export or `property`) or several (`properties`).
 *
 * Each states an invariant of one evaluated scenario: `check` gets the scenario, the semantics and
 * the model's outcome of every step, and returns the first violation or null.
 */
import { describeDomain, numLayers, type UserProperty } from 'scopecheck';

/** A task outside every domain is never denied by Landlock: scoping only restricts the sandboxed. */
const unsandboxedNeverDenied: UserProperty = {
  name: 'unsandboxed-never-denied',
  statement:
    'A task with no Landlock domain is never denied by Landlock (other errors are not denials), except for PTRACE_TRACEME, which its parent\'s domain decides.',
  expect: 'holds',
  check: ({ scenario, outcomes }) => {
    for (const [i, o] of outcomes.entries())
      if (o.denial && o.denial.hook !== 'ptrace_traceme' && numLayers(o.domain) === 0)
        return { step: i, message: `${scenario.steps[i]!.by} has no domain, yet was denied (${o.result}, ${o.denial.mechanism})` };
    return null;
  },
};

/** Every denial blames a layer the acting task really has (the layer audit would name). */
const denialBlamesOwnLayer: UserProperty = {
  name: 'denial-blames-own-layer',
  statement: 'Every Landlock denial names a layer of the acting task\'s own domain (for PTRACE_TRACEME: of its parent\'s, the tracer).',
  check: ({ scenario, outcomes }) => {
    for (const [i, o] of outcomes.entries())
      if (o.denial && o.denial.hook !== 'ptrace_traceme' && !(o.denial.layer >= 0 && o.denial.layer < numLayers(o.domain)))
        return { step: i, message: `${scenario.steps[i]!.by} (${describeDomain(o.domain)}) was denied by layer ${o.denial.layer}, which it does not have` };
    return null;
  },
};

export const properties = [unsandboxedNeverDenied, denialBlamesOwnLayer];
