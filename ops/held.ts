/** Ops on a socket the acting process must hold a descriptor for (fs/file.c: fdget): EBADF otherwise. */
import type { Sock, Task } from '../model/state.js';
import type { ApplyEnv, ApplyResult } from './types.js';

export function onHeld(env: ApplyEnv, t: Task, name: string, f: (s: Sock) => ApplyResult): ApplyResult {
  const s = env.held(name);
  if (!s) return { result: 'EBADF', note: `${t.name}'s process holds no descriptor for ${name}` };
  return f(s);
}
