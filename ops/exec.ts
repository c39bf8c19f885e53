/**
 * execve() of a new program image by a single-threaded process, which then carries on with its
 * scenario (format 1.2, docs/scenario-format.md "Audit"): it keeps its domain, its descriptors,
 * its pending signals and its parent-death signal, and the kernel now counts its layers as
 * created by another executable (security/landlock/cred.c: hook_bprm_creds_for_exec clears
 * domain_exec), which decides what is logged (log.c: is_denial_logged, LOG_NEW_EXEC_ON). A file
 * owner set before keeps the domain_exec it recorded (fown_subject is a copy).
 *
 * Only a process with no other thread may exec in the format: de_thread() would end the others,
 * and the format has no thread exit (format/scenario.ts structuralErrors, NameSpec.singleThreaded).
 */
import { z } from 'zod';
import { base } from './fields.js';
import { FS } from '../model/limits.js';
import { fileOpenOutside, keptSubdomainsOff } from '../model/state.js';
import type { OpDef } from './types.js';
import { GLOBAL } from './footprint.js';

const schema = z.strictObject({ op: z.literal('exec'), ...base });
export type ExecStep = z.infer<typeof schema>;

export const exec: OpDef<ExecStep> = {
  op: 'exec',
  schema,
  names: { singleThreaded: true },
  text: (st) => `${st.by} exec`,
  wire: () => [],
  apply: (w, t) => {
    // open_exec() → hook_file_open: the program (the runner's, outside the scenario's directory,
    // where no rule reaches) needs execute and read_file of every layer that handles them.
    const denied = fileOpenOutside(w, t, FS.execute | FS.read_file);
    if (denied) return { result: 'EACCES', note: `layer ${denied.layer} handles ${denied.blockers} and no rule can cover the program, outside the scenario's directory` };
    t.exec = 0;
    t.logSubdomainsOff = keptSubdomainsOff(w, t); // prepare_exec_creds()
    return { result: 'ok', note: 'a new program image: every layer now counts as created by another executable (domain_exec = 0)' };
  },
  readOnly: false,
  observes: [],
  // Footprint: changes credentials and may be refused by descriptors: GLOBAL (not in the exhaustive alphabet).
  footprint: () => GLOBAL,
  reaches: null,
  gen: {
    weight: 1,
    needsSock: false,
    build: (g) => {
      if (!g.threaded) g.push({ op: 'exec', by: g.by });
    },
  },
  exhaustive: null,
  c: () => [],
  kselftest: () => ({ lines: [], unsupported: 'execve() of the test binary that then carries on with the scenario has no kselftest translation (audit_test.c audit_exec re-executes a helper instead)' }),
  shell: (st, x) => {
    x.out.push(x.head, `#   no shell equivalent (${st.by} would exec a new program and carry on); only logging changes`, x.exp);
  },
  picture: () => {},
};
