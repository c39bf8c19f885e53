/** setsid() (kernel/sys.c: ksys_setsid): a new session and process group led by the acting process; EPERM when it already leads a group. */
import { z } from 'zod';
import { setsid as doSetsid } from '../model/process.js';
import { base } from './fields.js';
import type { OpDef } from './types.js';
import { GLOBAL } from './footprint.js';

const schema = z.strictObject({ op: z.literal('setsid'), ...base });
export type SetsidStep = z.infer<typeof schema>;

export const setsid: OpDef<SetsidStep> = {
  op: 'setsid',
  schema,
  names: {},
  text: (st) => `${st.by} setsid`,
  wire: () => [],
  apply: (w, t) => doSetsid(w, t),
  readOnly: false,
  observes: [],
  // Footprint: sessions and groups: GLOBAL (not in the exhaustive alphabet).
  footprint: () => GLOBAL,
  reaches: null,
  gen: { weight: 1, needsSock: false, build: (g) => g.push({ op: 'setsid', by: g.by }) },
  exhaustive: null,
  c: () => [],
  kselftest: (_st, x) => ({ lines: [`\tEXPECT_EQ(${x.want}, RES(setsid()));`] }),
  shell: (_st, x) => {
    x.out.push(x.head, '#   no shell equivalent (setsid of a running shell)', x.exp);
  },
  picture: () => {},
};
