/** exit_group(): the acting process ends; its descriptors are closed (a socket is released with its last one). */
import { z } from 'zod';
import { base } from './fields.js';
import { exitProcess } from '../model/process.js';
import type { OpDef } from './types.js';
import { GLOBAL } from './footprint.js';

const schema = z.strictObject({ op: z.literal('exit'), ...base });
export type ExitStep = z.infer<typeof schema>;

export const exit: OpDef<ExitStep> = {
  op: 'exit',
  schema,
  names: { exitsProcess: true },
  text: (st) => `${st.by} exit`,
  wire: () => [],
  apply: (w, t) => {
    exitProcess(w, t);
    return { result: 'ok' };
  },
  readOnly: false,
  observes: ['parent', 'group-order'],
  // Footprint: the parent-death signals, the closes and their socket events: GLOBAL.
  footprint: () => GLOBAL,
  reaches: null,
  gen: {
    weight: 1,
    needsSock: false,
    build: (g) => {
      if (g.alive.length === 1) return; // keep one task alive
      g.push({ op: 'exit', by: g.by });
      g.exitProcess();
    },
  },
  exhaustive: null,
  c: () => [],
  kselftest: (_st, x) => ({
    lines: [
      '\t/* exit_group(): its descriptors are closed before the next step runs */',
      '\tfor (int i = 0; i < NUM_SOCKS; i++)',
      '\t\tif (sock[i] >= 0)',
      '\t\t\tclose(sock[i]);',
      `\tctx->exited[${x.me}] = true;`,
      x.give,
      '\t_exit(_metadata->exit_code);',
    ],
    gives: true,
  }),
  shell: (st, x) => {
    x.out.push(x.head, x.exp);
    if (x.pidVar.has(st.by)) x.out.push(`kill "$${x.pidVar.get(st.by)}" 2>/dev/null`);
    else x.out.push(`#   (nothing of ${st.by} runs in the background)`);
  },
  picture: () => {},
};
