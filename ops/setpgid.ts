/**
 * setpgid(0, G) (kernel/sys.c: ksys_setpgid): the acting process joins the process group of
 * `pgrp`'s process (as of this step), or without `pgrp` a new group it leads. EPERM for a
 * session leader or a group of another session.
 */
import { z } from 'zod';
import { setpgid as doSetpgid } from '../model/process.js';
import { base, taskName } from './fields.js';
import { taskOf } from './world.js';
import type { OpDef } from './types.js';
import { GLOBAL } from './footprint.js';

const schema = z.strictObject({ op: z.literal('setpgid'), ...base, pgrp: taskName.optional() });
export type SetpgidStep = z.infer<typeof schema>;

export const setpgid: OpDef<SetpgidStep> = {
  op: 'setpgid',
  schema,
  names: { tasks: [{ field: 'pgrp', alive: false }] },
  text: (st) => `${st.by} setpgid${st.pgrp ? ` ${st.pgrp}` : ''}`,
  wire: (st, e) => [st.pgrp ? e.task(st.pgrp) : '-'],
  apply: (w, t, st) => doSetpgid(w, t, st.pgrp ? taskOf(w, st.pgrp).proc.pgid : t.proc.id),
  readOnly: false,
  observes: ['group-order'],
  // Footprint: process groups: GLOBAL (not in the exhaustive alphabet).
  footprint: () => GLOBAL,
  reaches: null,
  gen: {
    weight: 1,
    needsSock: false,
    build: (g) => {
      const pgrp = g.tasks[g.x.d % g.tasks.length]!;
      g.push(g.x.c % 3 === 0 ? { op: 'setpgid', by: g.by } : { op: 'setpgid', by: g.by, pgrp });
    },
  },
  exhaustive: null,
  c: (st, x) => [`.a = ${st.pgrp ? x.task(st.pgrp) : -1}`],
  kselftest: () => ({ lines: [], unsupported: 'process groups are not tracked by the kselftest export yet' }),
  shell: (_st, x) => {
    x.out.push(x.head, '#   no shell equivalent (setpgid of a running shell)', x.exp);
  },
  picture: () => {},
};
