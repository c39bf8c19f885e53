/** tgkill(tgid, tid, sig): judged against the named thread's own credentials (security/landlock/task.c: hook_task_kill). */
import { signalOp } from './signal.js';

export const tgkill = signalOp('tgkill', 3);
