/**
 * `scopecheck export --as c`: a standalone C program that performs a scenario on the live kernel
 * exactly as the replayer (replayer/replayer.c) does, and compares every result with the model's.
 *
 * The program is the replayer's own task and coordinator code, replayer/ops.h, inlined verbatim
 * (the replayer #includes the same file, so the two perform every op the same way: see the comment
 * at its top), plus a static table of the scenario's steps and a main() that runs them once in a
 * private mkdtemp directory (every task's cwd) under a unique per-run prefix for abstract names.
 * The coordinator is the program's main process, never sandboxed.
 *
 * Returns the program text (replayer/ops.h is read once, from the repository or the installed
 * package). The program needs only libc: gcc -Wall -O2 -pthread prog.c -o prog.
 */
import { FS_RIGHT_NAMES, SCOPE_NAMES, type Address, type SocketType } from '../../model/uapi.js';
import { opOf } from '../../ops/index.js';
import type { CContext } from '../../ops/types.js';
import { stepText } from '../render.js';
import { scenarioSockets, scenarioTasks, type Step } from '../scenario.js';
import { cCommentText, cString, fileStem, scenarioTitle, wrap, type ExportInput } from './common.js';

/** replayer/ops.h (the ops, the channels and the coordinator, shared with the replayer), given by the caller. */
function opsSource(i: ExportInput): string {
  if (!i.opsHeader) throw new Error('export --as c needs the text of replayer/ops.h (ExportInput.opsHeader)');
  return i.opsHeader;
}

const cStr = cString;

function maskExpr(names: readonly string[] | undefined, prefix: string): string {
  if (!names?.length) return '0';
  return names.map((n) => `${prefix}${n.toUpperCase()}`).join(' | ');
}

const TYPE: Record<SocketType, string> = { stream: 'SOCK_STREAM', dgram: 'SOCK_DGRAM', seqpacket: 'SOCK_SEQPACKET' };

/** A struct addr initializer: kind 'a' (abstract) or 'p' (pathname, also a mkdir path). */
const cAddr = (a: Address): string =>
  'abstract' in a ? `{ 'a', ${cStr(a.abstract)} }` : `{ 'p', ${cStr(a.pathname)} }`;

/** The C program for one scenario and the model's outcomes. */
export function exportC(input: ExportInput): string {
  const s = input.scenario;
  const tasks = scenarioTasks(s);
  const socks = scenarioSockets(s);
  const ti = (n: string) => tasks.indexOf(n);
  const si = (n: string) => socks.indexOf(n);
  const title = scenarioTitle(input);

  const rules: string[] = [];
  const rows = s.steps.map((st: Step, i) => {
    const ctx: CContext = { i, task: ti, sock: si, mask: maskExpr, addr: cAddr, type: (t) => TYPE[t], str: cStr, declare: (d) => void rules.push(d) };
    const f: string[] = [`.op = OP_${st.op.toUpperCase()}`, `.by = ${ti(st.by)}`, ...opOf(st).c(st, ctx)];
    return `\t/* ${i} */ { ${f.join(', ')} },`;
  });
  const checks = s.steps.map((st, i) => `\t/* ${i} */ { ${cStr(stepText(st))}, ${cStr(input.outcomes[i]?.result ?? '?')} },`);

  const header = [
    `scopecheck export --as c: ${title}`,
    '',
    ...(s.description ? [...wrap(s.description, 90), ''] : []),
    `Expected results: the scopecheck model under the semantics "${input.semantics}"${input.errata !== undefined ? ` (errata ${input.errata})` : ''}.`,
    ...(input.source ? [`Source: ${input.source}`] : []),
    '',
    'Steps (task: step = expected result):',
    ...s.steps.map((st, i) => `  ${String(i).padStart(2)}  ${stepText(st)} = ${input.outcomes[i]?.result ?? '?'}`),
    '',
    'Build and run (needs only libc; run as any user, no_new_privs is set):',
    `  gcc -Wall -O2 -pthread ${fileStem(title)}.c -o ${fileStem(title)} && ./${fileStem(title)}`,
    'Exit status: 0 when every result equals the expected one, 1 otherwise (a difference, a task that',
    'crashed, or a step that timed out).',
  ]
    .map((l) => cCommentText(l))
    .map((l) => (l ? ` * ${l}` : ' *'))
    .join('\n');

  const scopeDefs = SCOPE_NAMES.map((n, i) => `#define LL_SCOPE_${n.toUpperCase()} (1ULL << ${i})`).join('\n');
  const fsDefs = FS_RIGHT_NAMES.map((n, i) => `#define LL_FS_${n.toUpperCase()} (1ULL << ${i})`).join('\n');

  return `/*
${header}
 */
#define NSTEPS ${s.steps.length}
#define CAPS_ALL ${s.capabilities === 'all' ? 1 : 0}
#define NTASKS ${tasks.length}
#define NSOCKS ${socks.length}
#define MAX_TASKS (NTASKS + 1)
#define MAX_SOCKS (NSOCKS + 1)

/* ==================================================================================== */
/* scopecheck's replayer/ops.h, verbatim: how the replayer performs every op            */
/* ==================================================================================== */

${opsSource(input).trimEnd()}

/* ==================================================================================== */
/* End of replayer/ops.h                                                                */
/* ==================================================================================== */

/* Scope bits and filesystem access rights (include/uapi/linux/landlock.h; bit 2 of the scope is
 * the never-merged pathname_unix_socket of the seed patch: released kernels answer EINVAL). */
${scopeDefs}
${fsDefs}

/* ------------------------------------------------------------------------------------ */
/* The scenario                                                                         */

#define SCENARIO_NAME ${cStr(title)}
#define SEMANTICS ${cStr(input.semantics)}

/* Tasks: ${tasks.map((t, i) => `${i} = ${t}`).join(', ')} */
/* Sockets: ${socks.length ? socks.map((k, i) => `${i} = ${k}`).join(', ') : 'none'} */
${rules.join('\n')}${rules.length ? '\n' : ''}
static const struct step steps[NSTEPS + 1] = {
${rows.join('\n')}
};

/* Every step as scopecheck prints it, and the model's result. */
static const struct {
	const char *text;
	const char *expect;
} checks[NSTEPS + 1] = {
${checks.join('\n')}
};
${RUNTIME}`;
}

const RUNTIME = String.raw`
#define TIMEOUT_MS 10000

static const char *const fail_names[] = { "", "timed out", "a task died unexpectedly", "internal error" };

/* P0, forked by co_start(): dies with the coordinator. */
static void p0_main(int chan, const char *dir)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	task_start(chan, dir);
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	char dir[4096], buf[16];
	struct timespec ts;
	int fail = FAIL_NONE, nres = 0, differ = 0;
	long abi, errata;
	pid_t p0;

	/* An exec step re-executes this program, which carries on as the same task (ops.h task_resume). */
	if (argc > 1 && !strcmp(argv[1], SCOPECHECK_RESUME_ARG))
		task_resume(argc, argv);
	g_exec_resumable = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
	if (abi < 0)
		printf("%s: Landlock is not available (%s); expected results are those of %s\n", SCENARIO_NAME,
		       errno_name(errno, buf, sizeof(buf)), SEMANTICS);
	else {
		errata = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_ERRATA);
		printf("%s: Landlock ABI %ld, errata %ld; expected results are those of %s\n", SCENARIO_NAME, abi,
		       errata < 0 ? 0L : errata, SEMANTICS);
	}

	g_steps = steps;
	g_nsteps = NSTEPS;
	g_caps_all = CAPS_ALL; /* the scenario's "capabilities": 1 keeps the runner's, 0 drops them all */
	clock_gettime(CLOCK_REALTIME, &ts);
	g_prefix_len = (size_t)snprintf(g_prefix, sizeof(g_prefix), "scx%d.%ld.", (int)getpid(),
					(long)(ts.tv_nsec / 1000 % 1000000));
	snprintf(dir, sizeof(dir), "%s/scopecheck-export-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	co_reset();
	fflush(stdout);
	p0 = co_start(dir);
	if (p0 < 0) {
		perror("socketpair/fork");
		rmdir(dir);
		return 1;
	}
	g_deadline = now_ms() + TIMEOUT_MS;

	for (int i = 0; i < NSTEPS; i++) {
		int res;
		const char *got;

		fail = co_step(i, &res);
		if (fail) {
			printf("step %d: %s: %s\n", i, checks[i].text, fail_names[fail]);
			if (steps[i].op == OP_KILL_ALL && !g_want_pidns)
				printf("  kill(-1) is refused here: it would reach every process of this user; "
				       "scopecheck record runs it in a PID namespace of the scenario alone\n");
			break;
		}
		nres++;
		got = errno_name(res, buf, sizeof(buf));
		if (strcmp(got, checks[i].expect))
			differ++;
		printf("step %d: %s = %s (expected %s)%s\n", i, checks[i].text, got, checks[i].expect,
		       strcmp(got, checks[i].expect) ? "  <-- DIFFERS" : "");
	}
	teardown(p0);
	rm_tree(dir);

	if (fail) {
		printf("FAIL: the scenario did not complete (%d of %d steps ran)\n", nres, NSTEPS);
		return 1;
	}
	if (differ) {
		printf("FAIL: %d of %d results differ from %s\n", differ, NSTEPS, SEMANTICS);
		return 1;
	}
	printf("PASS: all %d results are those of %s\n", NSTEPS, SEMANTICS);
	return 0;
}
`;
