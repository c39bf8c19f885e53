/**
 * The acting task's view of the world, for the ops' `apply`: its tasks by name, the sockets its
 * process holds a descriptor for (fs/file.c: fdget; EBADF otherwise), and closing a descriptor.
 */
import * as unix from '../model/af_unix.js';
import type { Pidfd, Sock, Task, World } from '../model/state.js';
import type { ApplyResult } from './types.js';

/** The task named `name` (validated scenarios only). */
export function taskOf(w: World, name: string): Task {
  const t = w.tasks.get(name);
  if (!t) throw new Error(`model: unknown task ${name} (scenario not validated?)`);
  return t;
}

/** The socket, if the acting task's process holds a descriptor for it. */
export function held(w: World, t: Task, name: string): Sock | null {
  const s = w.sockets.get(name);
  return s && t.proc.fds.has(s) ? s : null;
}

/** Closes the acting process's descriptor for `s`; the socket is released with its last one (unix_release_sock). */
export function dropFd(w: World, t: Task, s: Sock): void {
  unix.closeFd(w, t.proc, s);
}

/** An op on a socket the acting process must hold: EBADF otherwise. */
export function onHeld(w: World, t: Task, name: string, f: (s: Sock) => ApplyResult): ApplyResult {
  const s = held(w, t, name);
  if (!s) return { result: 'EBADF', note: `${t.name}'s process holds no descriptor for ${name}` };
  return f(s);
}

/** The pidfd, if the acting task's process holds a descriptor for it. */
export function heldPidfd(w: World, t: Task, name: string): Pidfd | null {
  const f = w.pidfds.get(name);
  return f && t.proc.pidfds.has(f) ? f : null;
}

/** An op on any descriptor (a socket or a pidfd) the acting process must hold: EBADF otherwise. */
export function onHeldFd(w: World, t: Task, name: string, onSock: (s: Sock) => ApplyResult, onPidfd: (f: Pidfd) => ApplyResult): ApplyResult {
  const s = held(w, t, name);
  if (s) return onSock(s);
  const f = heldPidfd(w, t, name);
  if (f) return onPidfd(f);
  return { result: 'EBADF', note: `${t.name}'s process holds no descriptor for ${name}` };
}
