/*
 * Runs scenarios through replayer/ops.h exactly as a `scopecheck export --as c` program does
 * (its own p0_main, a static table of struct step filled with designated initializers, no
 * namespace of the replayer's), then again with g_want_pidns, and checks every result.
 * Build and run as root (the PID namespace needs CAP_SYS_ADMIN):
 *   gcc -std=gnu11 -Wall -Wextra -O2 -pthread -o /tmp/export-harness replayer/tests/export-harness.c
 *   /tmp/export-harness        (exit status 0: every result as expected)
 */
#define MAX_TASKS 8
#define MAX_SOCKS 8

#include "../ops.h"

#define TIMEOUT_MS 10000

static void p0_main(int chan, const char *dir)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	task_start(chan, dir);
}

struct scen {
	const char *name;
	int caps_all;
	const struct step *steps;
	int nsteps;
	const char *expect[2]; /* without, with the PID namespace: results, "F<reason>" last on failure */
};

#define S(...) ((const struct step[]){ __VA_ARGS__ })
#define N(...) (int)(sizeof((const struct step[]){ __VA_ARGS__ }) / sizeof(struct step))
#define SCEN(name, caps, exp0, exp1, ...) { name, caps, S(__VA_ARGS__), N(__VA_ARGS__), { exp0, exp1 } }

static const struct scen scens[] = {
	SCEN("kill and await", 0, "ok ok ok EAGAIN", "ok ok ok EAGAIN",
	     { .op = OP_FORK, .by = 0, .a = 1 },
	     { .op = OP_KILL, .by = 0, .a = 1, .sig = SIGUSR1 },
	     { .op = OP_AWAIT_SIGNAL, .by = 1, .sig = SIGUSR1 },
	     { .op = OP_AWAIT_SIGNAL, .by = 1, .sig = SIGUSR1 }),
	SCEN("kill_all: refused without a namespace", 0, "ok Finternal", "ok ok ok",
	     { .op = OP_FORK, .by = 0, .a = 1 },
	     { .op = OP_KILL_ALL, .by = 0, .sig = SIGUSR2 },
	     { .op = OP_AWAIT_SIGNAL, .by = 1, .sig = SIGUSR2 }),
	SCEN("setsid, setpgid, killpg", 0, "EPERM ok ok ok ok ok EAGAIN", "EPERM ok ok ok ok ok EAGAIN",
	     { .op = OP_SETSID, .by = 0 },
	     { .op = OP_FORK, .by = 0, .a = 1 },
	     { .op = OP_FORK, .by = 0, .a = 2 },
	     { .op = OP_SETPGID, .by = 1, .a = -1 },
	     { .op = OP_KILLPG, .by = 2, .a = 1, .sig = SIGIO },
	     { .op = OP_AWAIT_SIGNAL, .by = 1, .sig = SIGIO },
	     { .op = OP_AWAIT_SIGNAL, .by = 2, .sig = SIGIO }),
	SCEN("pidfd of a thread", 0, "ok ok ok ok EAGAIN ok", "ok ok ok ok EAGAIN ok",
	     { .op = OP_FORK, .by = 0, .a = 1 },
	     { .op = OP_THREAD, .by = 1, .a = 2 },
	     { .op = OP_PIDFD_OPEN, .by = 0, .a = 2, .b = 0, .c = 1 },
	     { .op = OP_PIDFD_SEND_SIGNAL, .by = 0, .a = 0, .sig = SIGURG },
	     { .op = OP_AWAIT_SIGNAL, .by = 1, .sig = SIGURG },
	     { .op = OP_AWAIT_SIGNAL, .by = 2, .sig = SIGURG }),
	SCEN("setown, send, OOB, accept", 0, "ok ok ok ok ok ok ok ok EINVAL", "ok ok ok ok ok ok ok ok EINVAL",
	     { .op = OP_SOCKETPAIR, .by = 0, .a = 0, .b = 1, .type = SOCK_STREAM },
	     { .op = OP_FORK, .by = 0, .a = 1 },
	     { .op = OP_SETOWN, .by = 0, .a = 1, .c = 1, .d = OWNER_PROCESS, .sig = SIGIO },
	     { .op = OP_SEND, .by = 0, .a = 0, .c = 1 },
	     { .op = OP_AWAIT_SIGNAL, .by = 1, .sig = SIGURG },
	     { .op = OP_AWAIT_SIGNAL, .by = 1, .sig = SIGIO },
	     { .op = OP_SEND, .by = 0, .a = 0 },
	     { .op = OP_AWAIT_SIGNAL, .by = 1, .sig = SIGIO },
	     { .op = OP_ACCEPT, .by = 0, .a = 0, .b = 2 }),
	SCEN("pdeathsig, orphan reaped", 0, "ok ok ok ok ok ok", "ok ok ok ok ok ok",
	     { .op = OP_FORK, .by = 0, .a = 1 },
	     { .op = OP_FORK, .by = 1, .a = 2 },
	     { .op = OP_PDEATHSIG, .by = 2, .sig = SIGUSR1 },
	     { .op = OP_EXIT, .by = 1 },
	     { .op = OP_AWAIT_SIGNAL, .by = 2, .sig = SIGUSR1 },
	     { .op = OP_EXIT, .by = 2 }),
	SCEN("ptrace", 0, "ok ok ok ok EPERM EACCES ok", "ok ok ok ok EPERM EACCES ok",
	     { .op = OP_FORK, .by = 0, .a = 1 },
	     { .op = OP_PTRACE, .by = 0, .a = 1, .c = PTRACE_MODE_ATTACH_ },
	     { .op = OP_PTRACE, .by = 0, .a = 1, .c = PTRACE_MODE_READ_ },
	     { .op = OP_RESTRICT_SELF, .by = 1, .handled = 8 },
	     { .op = OP_PTRACE, .by = 1, .a = 0, .c = PTRACE_MODE_ATTACH_ },
	     { .op = OP_PTRACE, .by = 1, .a = 0, .c = PTRACE_MODE_READ_ },
	     { .op = OP_SOCKET, .by = 1, .a = 0, .type = SOCK_DGRAM }),
	SCEN("ptrace_traceme: P0, a child, an orphan", 0, "ok ok ok ok ok ok ok ok", "ok ok ok ok ok ok ok ok",
	     { .op = OP_PTRACE_TRACEME, .by = 0 },
	     { .op = OP_FORK, .by = 0, .a = 1 },
	     { .op = OP_PTRACE_TRACEME, .by = 1 },
	     { .op = OP_FORK, .by = 1, .a = 2 },
	     { .op = OP_EXIT, .by = 1 },
	     { .op = OP_PTRACE_TRACEME, .by = 2 },
	     { .op = OP_SOCKET, .by = 2, .a = 0, .type = SOCK_STREAM },
	     { .op = OP_SOCKET, .by = 0, .a = 1, .type = SOCK_STREAM }),
	SCEN("caps drop", 0, "ok ok", "ok ok",
	     { .op = OP_CAPS, .by = 0 },
	     { .op = OP_KILL, .by = 0, .a = 0, .sig = 0 }),
	SCEN("caps all", 1, "ENOTEMPTY", "ENOTEMPTY",
	     { .op = OP_CAPS, .by = 0 }),
};

static int run(const struct scen *sc, int pidns)
{
	char dir[4096], got[512], buf[16];
	const char *tmp = getenv("TMPDIR");
	size_t o = 0;
	int fail = FAIL_NONE;
	pid_t p0;

	g_steps = sc->steps;
	g_nsteps = sc->nsteps;
	g_caps_all = sc->caps_all;
	g_want_pidns = pidns;
	g_prefix_len = (size_t)snprintf(g_prefix, sizeof(g_prefix), "exh%d.%d.", (int)getpid(), pidns);
	snprintf(dir, sizeof(dir), "%s/scopecheck-harness-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return perror("mkdtemp"), 1;
	co_reset();
	g_deadline = now_ms() + TIMEOUT_MS;
	p0 = co_start(dir);
	if (p0 < 0)
		return perror("co_start"), 1;
	got[0] = 0;
	for (int i = 0; i < sc->nsteps; i++) {
		int res;
		static const char *const fn[] = { "", "timeout", "crash", "internal" };

		fail = co_step(i, &res);
		if (fail) {
			o += snprintf(got + o, sizeof(got) - o, "%sF%s", o ? " " : "", fn[fail]);
			break;
		}
		o += snprintf(got + o, sizeof(got) - o, "%s%s", o ? " " : "", errno_name(res, buf, sizeof(buf)));
	}
	teardown(p0);
	rm_tree(dir);
	if (strcmp(got, sc->expect[pidns])) {
		printf("FAIL %s (%s): got \"%s\", expected \"%s\"\n", sc->name, pidns ? "pidns" : "no namespace", got,
		       sc->expect[pidns]);
		return 1;
	}
	printf("ok   %s (%s): %s\n", sc->name, pidns ? "pidns" : "no namespace", got);
	return 0;
}

int main(void)
{
	int bad = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	for (int ns = 0; ns < 2; ns++)
		for (size_t i = 0; i < sizeof(scens) / sizeof(scens[0]); i++)
			bad += run(&scens[i], ns);
	printf("%s: %d failed\n", bad ? "FAIL" : "PASS", bad);
	return bad != 0;
}
