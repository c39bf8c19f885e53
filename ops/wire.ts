/**
 * The replayer's wire format (replayer/replayer.c, top comment): one scenario per line,
 * "<nsteps> <caps> <op> <by> <args>…" (caps: drop | all, the scenario's `capabilities`), task and socket names as indices in order of introduction
 * (P0 = 0), addresses "a NAME" / "p PATH", masks in decimal. Each op writes its own arguments
 * (OpDef.wire). Pure.
 */
import type { Address } from '../model/uapi.js';
import { opOf, type Step } from './index.js';
import type { WireEncoder } from './types.js';

/** Encodes the steps of a validated scenario as one replayer input line (without '\n'). */
export function encodeSteps(steps: readonly Step[], capabilities: 'drop' | 'all' = 'drop'): string {
  const tasks = new Map<string, number>([['P0', 0]]);
  const socks = new Map<string, number>();
  const get = (m: Map<string, number>, n: string, what: string) => {
    const i = m.get(n);
    if (i === undefined) throw new Error(`unknown ${what} ${n}`);
    return String(i);
  };
  const enc: WireEncoder = {
    task: (n) => get(tasks, n, 'task'),
    sock: (n) => get(socks, n, 'socket'),
    newTask: (n) => {
      tasks.set(n, tasks.size);
      return String(tasks.size - 1);
    },
    newSock: (n) => {
      socks.set(n, socks.size);
      return String(socks.size - 1);
    },
    addr: (a: Address) => ('abstract' in a ? `a ${a.abstract}` : `p ${a.pathname}`),
    mask: (names, order) => {
      let m = 0;
      for (const n of names ?? []) {
        const i = order.indexOf(n);
        if (i < 0) throw new Error(`unknown name ${JSON.stringify(n)}`);
        m |= 2 ** i; // bits <= 16: exact in a double
      }
      return String(m);
    },
  };
  const out: string[] = [String(steps.length), capabilities];
  for (const st of steps) {
    const by = enc.task(st.by);
    out.push(st.op, by, ...opOf(st).wire(st, enc));
  }
  return out.join(' ');
}
