/** kill(pid, sig): judged against the target process's thread-group leader (security/landlock/task.c: hook_task_kill). */
import { signalOp } from './signal.js';

export const kill = signalOp('kill', 6);
