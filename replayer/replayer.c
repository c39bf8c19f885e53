/*
 * scopecheck-replay: executes scopecheck scenarios on the live kernel.
 *
 * Process layout (serve mode):
 *
 *   top (host pid namespace)           waits for the dispatcher, forwards its exit status
 *    └─ dispatcher = pid 1 of a fresh PID+network namespace (PR_SET_PDEATHSIG=SIGKILL)
 *        reads scenario lines on stdin, validates them, hands them to workers,
 *        writes one result line per scenario on stdout, in input order
 *        ├─ worker 0 (PR_SET_CHILD_SUBREAPER, PR_SET_PDEATHSIG) runs one scenario at a time:
 *        │    └─ I = pid 1 of a fresh PID namespace per scenario (PR_SET_PDEATHSIG; and a
 *        │        │  mount namespace with its own /proc when a step reads /proc), the
 *        │        │  "scenario init": reaper of orphans, tracer of last resort (ops.h)
 *        │        └─ P0 (setsid) ─ tasks (real processes / threads) of the scenario
 *        └─ worker 1 ...
 *
 * Every task (process or thread) owns one end of a SOCK_SEQPACKET socketpair created by
 * the worker (the "coordinator"), and so does I. The coordinator sends "execute step i" and
 * waits for the answer, so every step runs in the task that names it, one at a time. The
 * parsed scenario lives in the worker's memory and is inherited by I, P0 and every task
 * forked from it, so commands only carry the step index and the runtime pids, which are the
 * pids of the scenario's namespace (the tasks' own getpid()/gettid()). With --no-namespaces
 * (or where the kernel refuses a PID namespace) there is no I: P0 is the worker's child, and
 * a kill_all step fails with "F internal" (kill(-1) is never sent outside a namespace that
 * holds only the scenario).
 *
 * Wire format 1.2 (stdin, one scenario per line, tokens separated by single spaces):
 *   <nsteps> <caps> <step>...
 *   caps := drop | all     drop: every task has no capability (P0 empties its bounding,
 *                          ambient, effective, permitted and inheritable sets before its first
 *                          step; uid/gid unchanged); all: the runner's capabilities
 *   step := fork BY CHILD | thread BY CHILD | exit BY
 *         | restrict_self BY SCOPED HANDLED FLAGS QUIET RULESET NRULES (PATH ACCESS)* | exec BY
 *         | mkdir BY PATH | socket BY SOCK TYPE | socketpair BY SOCK SOCK TYPE
 *         | bind BY SOCK ADDR | connect BY SOCK ADDR | sendto BY SOCK ADDR
 *         | listen BY SOCK | send BY SOCK OOB | close BY SOCK | pass BY SOCK TO
 *         | kill BY TARGET SIG | tgkill BY TARGET SIG
 *         | await_signal BY RSIG | setpgid BY PGRP | setsid BY | killpg BY TARGET SIG
 *         | kill_all BY SIG | pidfd_open BY TARGET SOCK THREAD | pidfd_send_signal BY SOCK SIG
 *         | pdeathsig BY RSIG | setown BY SOCK KIND OWNER RSIG | accept BY SOCK SOCK
 *         | ptrace BY TARGET MODE | ptrace_traceme BY
 *   BY/CHILD/TARGET/TO/OWNER are task indices in order of introduction (P0 = 0; BY, TO: a
 *   live task; TARGET, OWNER: live or exited), PGRP is a task index or "-", SOCK are
 *   descriptor indices in order of introduction (sockets and pidfds share them: socket,
 *   socketpair, accept and pidfd_open introduce one; a socket op on a pidfd, or
 *   pidfd_send_signal on a socket, is EBADF), TYPE is stream|dgram|seqpacket, ADDR is
 *   "a NAME" (abstract) or "p PATH" (pathname), SCOPED/HANDLED/ACCESS are decimal bit masks,
 *   OOB and THREAD are 0|1, SIG is 0|USR1|USR2|IO|URG, RSIG the same without 0, KIND is
 *   process|thread|pgrp, MODE is attach|read. What each op does: docs/scenario-format.md
 *   ("Version 1.1 additions") and the task side of ops.h (task_loop()).
 *   1.2: restrict_self's FLAGS (decimal landlock_restrict_self() flags, passed as they are:
 *   1 LOG_SAME_EXEC_OFF, 2 LOG_NEW_EXEC_ON, 4 LOG_SUBDOMAINS_OFF, 8 TSYNC, the old TSYNC 1),
 *   QUIET (decimal quiet_scoped: the 48-byte ABI 10 ruleset attr when not 0, else the 24-byte
 *   one; the kernel decides, E2BIG before ABI 10) and RULESET (1: create_ruleset, add_rule per
 *   rule, restrict_self(fd, FLAGS); 0: restrict_self(-1, FLAGS), NRULES, SCOPED, HANDLED and
 *   QUIET then 0). Before restrict_self with a ruleset the acting thread's comm becomes
 *   "scD<k>", k = 1 + the domains the scenario has created so far (every restrict_self with a
 *   ruleset that succeeded: D1, D2, ...): the domain's allocated audit record names it.
 *   exec BY: BY (the main thread of its process, a live task) executes a new image of the
 *   replayer (/proc/self/exe) that carries on as the same task (ops.h task_exec()): domain,
 *   descriptors with their numbers, pending signals and mask, parent-death signal,
 *   no_new_privs, group and session, no capability (drop); the process's other threads end
 *   (de_thread()) and no later step names them as BY or TO. Result: ok or execve's errno.
 *   The op names and their arguments are the list SCOPECHECK_OPS in ops.h (the parser's table,
 *   op_specs below, is generated from it; the signature characters are documented there).
 *   With SCOPECHECK_REPLAY_TEST_HOOKS=1 in the environment, "hang BY", "crash BY" and
 *   "caps BY" (ok when the task has no capability, else ENOTEMPTY) are accepted too (test
 *   hooks).
 * Output (stdout, one line per scenario, same order):
 *   R <result>...               all steps ran; result = ok | errno name
 *   F <reason> <result>...      the scenario failed (reason = timeout|crash|internal) after
 *                               the listed results; the next step is the one that failed
 *   ... | <record>...           when audit records are collected (guest mode, PID 1, the
 *                               audit daemon: audit_helper_main()), "|" and zero or more
 *                               record tokens, in the order the records came:
 *     A<step>:D<k>:<blockers>:<object>  AUDIT_LANDLOCK_ACCESS during step <step> (0-based; "t":
 *                               during the teardown, e.g. a parent-death signal of a killed
 *                               task); blockers as printed (a comma list stays one); object:
 *                               opid=<task index of the target process's main thread>,
 *                               path=@<abstract name> (the per-scenario prefix stripped),
 *                               path=<path relative to the scenario directory> ("." for it),
 *                               "-" (no object), "?" (not mapped back: e.g. the target is gone,
 *                               a name= dentry object)
 *     N<step>:D<k>              AUDIT_LANDLOCK_DOMAIN status=allocated during step <step>
 *     X:D<k>:<denials>          status=deallocated (after the teardown, or during the scenario
 *                               when the domain's last task is gone)
 *   D<k>: the domain whose allocated record has comm "scD<k>"; a domain id that no allocated
 *   record of this scenario named is written Dx<hex id>. Records are taken at a barrier after
 *   each step once the scenario has a domain (before, no task of it can be logged), and after
 *   the teardown until every domain named by an allocated record is freed (1.5 s at most).
 * Bad input: message on stderr, exit status 2; nothing is written for the bad scenario
 * (scenarios before it are completed and written).
 *
 * Isolation: abstract names get the prefix "sc<top pid>.<scenario index>."; pathnames are
 * relative to the cwd of every task, a fresh mkdtemp directory under the batch directory
 * that is removed after the scenario. A scenario that never resolves a path runs in the
 * (empty) batch directory instead. After each scenario every process of it is SIGKILLed
 * (SIGKILL of I, whose exit kills the whole namespace; without I: the known pids and the
 * groups they lead, never a reaped pid) and reaped.
 *
 * The batch directory (setup_batchdir(), mount_private_tmp()): normally a tmpfs mounted, in
 * a mount namespace of the replayer's own (created with its PID and network namespaces),
 * over the base directory (--tmpdir DIR, else $TMPDIR, else /tmp), so that every scenario
 * directory and pathname socket exists only there and vanishes with the namespace, whatever
 * kills whom: nothing is created on the host's filesystems. Only where the kernel refuses
 * the mount namespace or the tmpfs (and with --no-namespaces or --no-private-tmp) is the
 * batch directory on the host: DIR itself with --tmpdir (its creator removes it), else a
 * fresh mkdtemp directory $TMPDIR/scopecheck-replay.XXXXXX, removed at exit.
 * --check-private-tmp prints "private-tmpfs" when this kernel gives the private tmpfs (for the
 * same base directory), "tmpdir" otherwise (kernel/replayer.ts uses it to choose).
 *
 * Guest mode (--guest, or PID 1 without arguments): /init of a qemu VM (kernel/vm.ts); runs
 * the batch in a file and writes a framed, hashed report to the second serial port, then
 * powers off. See the comment above guest_main().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <time.h>
#include <unistd.h>

#define VERSION "0.1.0"
#define PROG "scopecheck-replay"

/*
 * The replayer's limits on a scenario (the input is rejected, exit status 2, beyond them) and
 * on a run, in one place. The scenario format (format/scenario.ts) sets none of the first five
 * (the encoder, kernel/replayer.ts, relies on these). Names and paths: MAX_NAME (64) in ops.h.
 */
#define MAX_TASKS 64       /* tasks of a scenario, P0 included */
#define MAX_SOCKS 256      /* sockets of a scenario */
#define MAX_STEPS 1024     /* steps of a scenario */
#define MAX_RULES 4096     /* rules of a scenario, all restrict_self steps together */
#define MAX_LINE (1 << 20) /* bytes of an input line (one scenario), without its '\n' */
#define MAX_RESULT_LINE (1 << 18) /* bytes of a result line: 20 per step is plenty, the rest for audit records */
#define MAX_WORKERS 16     /* --workers */
/*
 * The private tmpfs of a batch (setup_batchdir()). No op writes file data (mkdir and bind
 * create inodes, nothing else), so size is a backstop; inodes: a scenario creates at most
 * its directory and one entry per step, a worker runs one scenario at a time and removes its
 * directory before the next, so MAX_WORKERS * (MAX_STEPS + 1) + 1 are ever needed; twice that.
 */
#define PRIVATE_TMP_SIZE "64m"
#define PRIVATE_TMP_INODES (2 * MAX_WORKERS * (MAX_STEPS + 1) + 64)
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#include "ops.h" /* the ops, the channels, the coordinator: shared with `scopecheck export --as c` */

/* ------------------------------------------------------------------------------------ */
/* Scenario representation                                                             */

struct scenario {
	int nsteps, ntasks, nsocks, nrules;
	int caps_all; /* the header's "all": keep the runner's capabilities; "drop": none */
	int uses_fs; /* some step resolves a path: mkdir, a pathname address, a rule */
	struct step steps[MAX_STEPS];
	struct rule rules[MAX_RULES];
};

static struct scenario g_sc;
static int g_test_hooks;

/* ------------------------------------------------------------------------------------ */
/* Small helpers                                                                       */

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
	va_list ap;
	char buf[1024];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	fputs(PROG ": ", stderr);
	fwrite(buf, 1, n, stderr);
	fflush(stderr);
	_exit(1);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

static void close_from(unsigned int first)
{
	if (syscall(SYS_close_range, first, ~0U, 0) == 0)
		return;
	for (int fd = first; fd < 1024; fd++)
		close(fd);
}

/* ------------------------------------------------------------------------------------ */
/* Parsing and validation                                                              */

struct toks {
	char *p;
};

static char *next_tok(struct toks *t)
{
	char *s = t->p, *e;

	if (!s || !*s)
		return NULL;
	e = strchr(s, ' ');
	if (e) {
		*e = 0;
		t->p = e + 1;
	} else {
		t->p = s + strlen(s);
	}
	return s;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
	long v = 0;

	if (!s || !*s || strlen(s) > 18)
		return -1;
	for (const char *c = s; *c; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		v = v * 10 + (*c - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s || strlen(s) > 20)
		return -1;
	for (const char *c = s; *c; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		if (v > (UINT64_MAX - (*c - '0')) / 10)
			return -1;
		v = v * 10 + (*c - '0');
	}
	*out = v;
	return 0;
}

#define STR_(x) #x
#define STR(x) STR_(x)

static int name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '_' || c == '-';
}

/* Abstract name: 1..MAX_NAME chars of [A-Za-z0-9._-]. */
static const char *abstract_problem(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0)
		return "abstract name is empty";
	if (n > MAX_NAME)
		return "abstract name is longer than " STR(MAX_NAME) " bytes";
	for (size_t i = 0; i < n; i++)
		if (!name_char(s[i]))
			return "abstract name has a character outside [A-Za-z0-9._-]";
	return NULL;
}

/* Relative path: components of [A-Za-z0-9._-] separated by '/', no "." or "..", <= MAX_NAME bytes. */
static const char *path_problem(const char *s)
{
	size_t n = s ? strlen(s) : 0, start = 0;

	if (n == 0)
		return "path is empty";
	if (n > MAX_NAME)
		return "path is longer than " STR(MAX_NAME) " bytes";
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '/') {
			size_t len = i - start;

			if (len == 0)
				return "path has an empty component (or is absolute)";
			if ((len == 1 && s[start] == '.') || (len == 2 && s[start] == '.' && s[start + 1] == '.'))
				return "path has a \".\" or \"..\" component";
			start = i + 1;
		} else if (!name_char(s[i])) {
			return "path has a character outside [A-Za-z0-9._-/]";
		}
	}
	return NULL;
}

struct vstate {
	int ntasks, nprocs, nsocks;
	int task_proc[MAX_TASKS];
	char proc_alive[MAX_TASKS];
	char task_gone[MAX_TASKS]; /* a thread ended by its process's exec */
	char task_main[MAX_TASKS]; /* the main thread of its process (P0, or introduced by a fork) */
};

#define PERR(...)                                                                                  \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		return -1;                                                                         \
	} while (0)

static int get_task_tok(const char *tok, const struct vstate *v, int must_live, int *out, const char *field,
			int si, char *err, size_t errlen)
{
	long x;

	if (!tok)
		PERR("step %d: missing %s", si, field);
	if (parse_long(tok, 0, MAX_TASKS - 1, &x))
		PERR("step %d: %s: bad task index \"%.20s\" (0..%d)", si, field, tok, MAX_TASKS - 1);
	if (x >= v->ntasks)
		PERR("step %d: %s: task %ld is not introduced by an earlier step", si, field, x);
	if (must_live && (!v->proc_alive[v->task_proc[x]] || v->task_gone[x]))
		PERR("step %d: %s: task %ld has exited", si, field, x);
	*out = (int)x;
	return 0;
}

static int get_task(struct toks *t, const struct vstate *v, int must_live, int *out, const char *field,
		    int si, char *err, size_t errlen)
{
	return get_task_tok(next_tok(t), v, must_live, out, field, si, err, errlen);
}

static int get_new_task(struct toks *t, const struct vstate *v, int *out, int si, char *err, size_t errlen)
{
	long x;
	char *tok = next_tok(t);

	if (!tok)
		PERR("step %d: missing child", si);
	if (parse_long(tok, 0, 1000000, &x))
		PERR("step %d: child: bad task index \"%.20s\"", si, tok);
	if (x != v->ntasks)
		PERR("step %d: child: new task must have the next index %d, got %ld", si, v->ntasks, x);
	if (x >= MAX_TASKS)
		PERR("step %d: child: too many tasks (at most %d)", si, MAX_TASKS);
	*out = (int)x;
	return 0;
}

static int get_sock(struct toks *t, const struct vstate *v, int fresh, int *out, int si, char *err,
		    size_t errlen)
{
	long x;
	char *tok = next_tok(t);

	if (!tok)
		PERR("step %d: missing sock", si);
	if (parse_long(tok, 0, 1000000, &x))
		PERR("step %d: sock: bad descriptor index \"%.20s\"", si, tok);
	if (fresh) {
		if (x != v->nsocks)
			PERR("step %d: sock: new descriptor must have the next index %d, got %ld", si, v->nsocks, x);
		if (x >= MAX_SOCKS)
			PERR("step %d: sock: too many sockets and pidfds (at most %d)", si, MAX_SOCKS);
	} else if (x >= v->nsocks) {
		PERR("step %d: sock: descriptor %ld is not introduced by an earlier step", si, x);
	}
	*out = (int)x;
	return 0;
}

static int get_type(struct toks *t, int *out, int si, char *err, size_t errlen)
{
	char *tok = next_tok(t);

	if (!tok)
		PERR("step %d: missing type", si);
	if (!strcmp(tok, "stream"))
		*out = SOCK_STREAM;
	else if (!strcmp(tok, "dgram"))
		*out = SOCK_DGRAM;
	else if (!strcmp(tok, "seqpacket"))
		*out = SOCK_SEQPACKET;
	else
		PERR("step %d: type: unknown socket type \"%.20s\"", si, tok);
	return 0;
}

static int get_addr(struct toks *t, struct addr *a, int si, char *err, size_t errlen)
{
	char *kind = next_tok(t), *name = next_tok(t);
	const char *why;

	if (!kind || !name)
		PERR("step %d: addr: missing address", si);
	if (!strcmp(kind, "a")) {
		a->kind = 'a';
		why = abstract_problem(name);
	} else if (!strcmp(kind, "p")) {
		a->kind = 'p';
		why = path_problem(name);
	} else {
		PERR("step %d: addr: address kind must be a or p, got \"%.20s\"", si, kind);
	}
	if (why)
		PERR("step %d: addr: %s", si, why);
	strcpy(a->name, name);
	return 0;
}

/* The parser's table of the ops, generated from SCOPECHECK_OPS (ops.h), indexed by enum op. */
struct op_spec {
	const char *name; /* on the wire */
	const char *args; /* the signature: see SCOPECHECK_OPS */
	int test_only;    /* a test hook: accepted only with SCOPECHECK_REPLAY_TEST_HOOKS=1 */
};

#define OP_SPEC(name, NAME, args) [OP_##NAME] = { #name, args, 0 },
#define TEST_OP_SPEC(name, NAME, args) [OP_##NAME] = { #name, args, 1 },
static const struct op_spec op_specs[OP_COUNT] = { SCOPECHECK_OPS(OP_SPEC) SCOPECHECK_TEST_OPS(TEST_OP_SPEC) };
#undef OP_SPEC
#undef TEST_OP_SPEC

/* The SIG tokens other than 0. */
static const struct {
	const char *name;
	int sig;
} sig_names[] = { { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "IO", SIGIO }, { "URG", SIGURG } };

/*
 * Reads the arguments of step si (st->op is set) by its signature args (see SCOPECHECK_OPS),
 * validating them against, and updating, the tasks and sockets introduced so far (*v) and the
 * scenario's rules (sc). Sets *uses_fs when the step resolves a path.
 */
static int parse_args(struct toks *t, struct vstate *v, struct scenario *sc, struct step *st, const char *args,
		      int si, int *uses_fs, char *err, size_t errlen)
{
	int *slots[2] = { &st->a, &st->b }, nslots = 0;

	for (const char *c = args; *c; c++) {
		int *slot = NULL;
		long x;
		char *tok;
		const char *why;

		if (strchr("ftogGnds", *c)) {
			if (nslots >= 2)
				PERR("step %d: internal error: op signature \"%s\" has more than two slots", si, args);
			slot = slots[nslots++];
		}
		switch (*c) {
		case 'b':
		case 'e':
			if (get_task(t, v, 1, &st->by, "by", si, err, errlen))
				return -1;
			if (*c == 'e')
				v->proc_alive[v->task_proc[st->by]] = 0;
			break;
		case 'E':
			if (get_task(t, v, 1, &st->by, "by", si, err, errlen))
				return -1;
			if (!v->task_main[st->by])
				PERR("step %d: by: task %d is not the main thread of its process", si, st->by);
			for (int k = 0; k < v->ntasks; k++)
				if (k != st->by && v->task_proc[k] == v->task_proc[st->by])
					v->task_gone[k] = 1;
			break;
		case 'f':
			if (get_new_task(t, v, slot, si, err, errlen))
				return -1;
			v->task_main[v->ntasks] = 1;
			v->task_proc[v->ntasks++] = v->nprocs;
			v->proc_alive[v->nprocs++] = 1;
			break;
		case 't':
			if (get_new_task(t, v, slot, si, err, errlen))
				return -1;
			v->task_proc[v->ntasks] = v->task_proc[st->by];
			v->ntasks++;
			break;
		case 'o':
			if (get_task(t, v, 1, slot, "to", si, err, errlen))
				return -1;
			break;
		case 'g':
			if (get_task(t, v, 0, slot, "target", si, err, errlen))
				return -1;
			break;
		case 'G':
			tok = next_tok(t);
			if (tok && !strcmp(tok, "-"))
				*slot = -1;
			else if (get_task_tok(tok, v, 0, slot, "pgrp", si, err, errlen))
				return -1;
			break;
		case 'w':
			if (get_task(t, v, 0, &st->c, "owner", si, err, errlen))
				return -1;
			break;
		case 'n':
		case 'd':
		case 's':
			if (get_sock(t, v, *c != 's', slot, si, err, errlen))
				return -1;
			if (*c != 's')
				v->nsocks++;
			break;
		case 'S':
		case 'R':
			tok = next_tok(t);
			st->sig = -1;
			if (tok && !strcmp(tok, "0") && *c == 'S')
				st->sig = 0;
			for (int k = 0; tok && k < (int)(sizeof(sig_names) / sizeof(sig_names[0])); k++)
				if (!strcmp(tok, sig_names[k].name))
					st->sig = sig_names[k].sig;
			if (st->sig < 0)
				PERR("step %d: signal: must be %sUSR1, USR2, IO or URG", si, *c == 'S' ? "0, " : "");
			break;
		case 'T':
		case 'O':
			if (parse_long(next_tok(t), 0, 1, &x))
				PERR("step %d: %s: must be 0 or 1", si, *c == 'T' ? "thread" : "oob");
			st->c = (int)x;
			break;
		case 'M':
			tok = next_tok(t);
			if (tok && !strcmp(tok, "attach"))
				st->c = PTRACE_MODE_ATTACH_;
			else if (tok && !strcmp(tok, "read"))
				st->c = PTRACE_MODE_READ_;
			else
				PERR("step %d: mode: must be attach or read", si);
			break;
		case 'K':
			tok = next_tok(t);
			if (tok && !strcmp(tok, "process"))
				st->d = OWNER_PROCESS;
			else if (tok && !strcmp(tok, "thread"))
				st->d = OWNER_THREAD;
			else if (tok && !strcmp(tok, "pgrp"))
				st->d = OWNER_PGRP;
			else
				PERR("step %d: owner kind: must be process, thread or pgrp", si);
			break;
		case 'y':
			if (get_type(t, &st->type, si, err, errlen))
				return -1;
			break;
		case 'A':
			if (get_addr(t, &st->addr, si, err, errlen))
				return -1;
			if (st->addr.kind == 'p')
				*uses_fs = 1;
			break;
		case 'P':
			tok = next_tok(t);
			if (!tok)
				PERR("step %d: path: missing", si);
			why = path_problem(tok);
			if (why)
				PERR("step %d: path: %s", si, why);
			st->addr.kind = 'p';
			strcpy(st->addr.name, tok);
			*uses_fs = 1;
			break;
		case 'm':
			if (parse_u64(next_tok(t), &st->scoped))
				PERR("step %d: scoped: bad mask", si);
			break;
		case 'h':
			if (parse_u64(next_tok(t), &st->handled))
				PERR("step %d: handled_fs: bad mask", si);
			break;
		case 'x':
			if (parse_long(next_tok(t), 0, UINT32_MAX, &x))
				PERR("step %d: flags: bad restrict_self flags", si);
			st->flags = (uint32_t)x;
			break;
		case 'q':
			if (parse_u64(next_tok(t), &st->quiet))
				PERR("step %d: quiet: bad mask", si);
			break;
		case 'u':
			if (parse_long(next_tok(t), 0, 1, &x))
				PERR("step %d: ruleset: must be 0 or 1", si);
			st->no_ruleset = !x;
			break;
		case 'r':
			if (parse_long(next_tok(t), 0, MAX_RULES, &x))
				PERR("step %d: rules: bad rule count", si);
			if (sc->nrules + x > MAX_RULES)
				PERR("step %d: rules: too many rules in the scenario (at most %d)", si, MAX_RULES);
			st->nrules = (int)x;
			st->rules = &sc->rules[sc->nrules];
			for (long r = 0; r < x; r++) {
				struct rule *ru = &sc->rules[sc->nrules++];

				tok = next_tok(t);
				if (!tok)
					PERR("step %d: rules.%ld.path: missing", si, r);
				why = path_problem(tok);
				if (why)
					PERR("step %d: rules.%ld.path: %s", si, r, why);
				strcpy(ru->path, tok);
				if (parse_u64(next_tok(t), &ru->access))
					PERR("step %d: rules.%ld.access: bad mask", si, r);
			}
			if (x > 0)
				*uses_fs = 1;
			if (st->no_ruleset && (x > 0 || st->scoped || st->handled || st->quiet))
				PERR("step %d: ruleset 0 (no ruleset) with a scope, handled rights, quiet or rules", si);
			break;
		default:
			PERR("step %d: internal error: op signature \"%s\" has an unknown argument '%c'", si, args, *c);
		}
	}
	return 0;
}

/*
 * Parses and validates one scenario line (modified in place) into *sc. Returns 0, or -1
 * with a message in err.
 */
static int parse_scenario(char *line, struct scenario *sc, char *err, size_t errlen)
{
	struct toks t = { line };
	struct vstate v;
	long nsteps;
	char *tok;
	int op, uses_fs = 0;

	memset(&v, 0, sizeof(v));
	v.ntasks = 1;
	v.nprocs = 1;
	v.proc_alive[0] = 1;
	v.task_main[0] = 1;
	sc->nsteps = sc->nrules = 0;

	for (const char *c = line; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			PERR("unexpected control or non-ASCII character in the input line");
	tok = next_tok(&t);
	if (!tok)
		PERR("empty scenario");
	if (parse_long(tok, 0, 100000000, &nsteps))
		PERR("step count: not a number: \"%.20s\"", tok);
	if (nsteps > MAX_STEPS)
		PERR("scenario has %ld steps; at most %d are allowed", nsteps, MAX_STEPS);
	tok = next_tok(&t);
	if (tok && !strcmp(tok, "drop"))
		sc->caps_all = 0;
	else if (tok && !strcmp(tok, "all"))
		sc->caps_all = 1;
	else
		PERR("capabilities: expected drop or all after the step count, got \"%.20s\"", tok ? tok : "");

	for (int si = 0; si < nsteps; si++) {
		struct step *st = &sc->steps[si];
		char *opn = next_tok(&t);

		memset(st, 0, sizeof(*st));
		if (!opn)
			PERR("step %d: missing (the line announces %ld steps)", si, nsteps);
		for (op = 0; op < OP_COUNT; op++)
			if (!strcmp(opn, op_specs[op].name))
				break;
		if (op == OP_COUNT || (op_specs[op].test_only && !g_test_hooks))
			PERR("step %d: unknown op \"%.20s\"", si, opn);
		st->op = (enum op)op;
		if (parse_args(&t, &v, sc, st, op_specs[op].args, si, &uses_fs, err, errlen))
			return -1;
	}
	if (next_tok(&t))
		PERR("trailing tokens after %ld steps", nsteps);
	sc->nsteps = (int)nsteps;
	sc->uses_fs = uses_fs;
	sc->ntasks = v.ntasks;
	sc->nsocks = v.nsocks;
	return 0;
}

/* ------------------------------------------------------------------------------------ */
/* Coordinator (worker side)                                                           */

static const char *const fail_names[] = { "", "timeout", "crash", "internal" };

static const char *g_batchdir;
static int g_timeout_ms = 2000;
static pid_t g_toppid;
static int g_pin = 1;

/* P0, forked by co_start(): its channel on descriptor 3, no other descriptor but stdio. */
static void p0_main(int chan, const char *dir)
{
	if (chan != 3) {
		if (dup3(chan, 3, O_CLOEXEC) < 0)
			_exit(127);
		close(chan);
		chan = 3;
	}
	close_from(4);
	task_start(chan, dir);
}

/* ------------------------------------------------------------------------------------ */
/* Audit collection (guest mode: the replayer's helper is the audit daemon)             */

/*
 * g_audit_fd: the worker's end of a stream socketpair to the audit helper (audit_helper_main(),
 * a child of PID 1 in the initial PID and user namespaces, which owns the audit netlink socket:
 * the kernel takes AUDIT_SET and AUDIT_USER only from there, audit_netlink_ok()). A barrier:
 * the worker writes 'B'; the helper sends an AUDIT_USER message with a fresh marker and reads
 * every record until that marker comes back (kauditd delivers them in order), then answers a
 * uint32 length and the Landlock records (1423, 1424) as lines "<type> <nspid> <text>", nspid
 * the last NSpid: entry of /proc/<opid>/status (the pid as the scenario sees it; 0 if none).
 */
static int g_audit_fd = -1;
static int g_audit_on;    /* the kernel info's "audit" */
static int g_audit_debug; /* every raw record on stderr */

static int nl_send(int nl, int type, int flags, const void *data, size_t len, uint32_t seq)
{
	char buf[NLMSG_SPACE(1024)];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };

	if (len > 1024)
		return -1;
	memset(buf, 0, sizeof(buf));
	h->nlmsg_len = NLMSG_LENGTH(len);
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | flags;
	h->nlmsg_seq = seq;
	memcpy(NLMSG_DATA(h), data, len);
	for (;;) {
		ssize_t n = sendto(nl, buf, h->nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to));

		if (n >= 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

/* The last NSpid: entry of /proc/<pid>/status, or 0. */
static long nspid_of(long pid)
{
	char path[48], buf[4096], *p;
	int fd, n = 0;
	ssize_t k;
	long last = 0;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while (n < (int)sizeof(buf) - 1 && (k = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (int)k;
	close(fd);
	buf[n] = 0;
	p = strstr(buf, "\nNSpid:");
	if (!p)
		return 0;
	for (p += 7; *p && *p != '\n';) {
		char *e;
		long v = strtol(p, &e, 10);

		if (e == p)
			break;
		last = v;
		p = e;
	}
	return last;
}

struct abuf {
	char *p;
	size_t len, cap;
};

static void abuf_add(struct abuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 65536;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			_exit(1);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void audit_helper_main(int chan) __attribute__((noreturn));
static void audit_helper_main(int chan)
{
	static char rbuf[1 << 16];
	struct audit_status st;
	struct abuf out = { 0 };
	uint32_t seq = 1;
	unsigned long marker = 0;
	int nl, ok = 0, size = 8 << 20;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	close_all_but(chan, -1);
	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (nl >= 0) {
		setsockopt(nl, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
		memset(&st, 0, sizeof(st));
		st.mask = AUDIT_STATUS_ENABLED | AUDIT_STATUS_PID;
		st.enabled = 1;
		st.pid = (uint32_t)getpid();
		if (nl_send(nl, AUDIT_SET, NLM_F_ACK, &st, sizeof(st), seq) == 0) {
			/* the ack (records held back for the daemon may come first) */
			for (int tries = 0; tries < 10000 && !ok; tries++) {
				struct pollfd pf = { nl, POLLIN, 0 };
				ssize_t n;

				if (poll(&pf, 1, 2000) <= 0)
					break;
				n = recv(nl, rbuf, sizeof(rbuf), 0);
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0)
					break;
				for (struct nlmsghdr *h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n))
					if (h->nlmsg_type == NLMSG_ERROR && h->nlmsg_seq == seq) {
						struct nlmsgerr *e = NLMSG_DATA(h);

						ok = e->error == 0 ? 1 : -1;
					}
			}
		}
	}
	{
		char c = ok == 1 ? 'Y' : 'N';

		if (write(chan, &c, 1) != 1 || ok != 1)
			_exit(0);
	}
	for (;;) {
		char req, text[64], want[80];
		int done = 0;
		uint32_t len;

		if (read_full(chan, &req, 1))
			_exit(0);
		out.len = 0;
		abuf_add(&out, "", 0);
		marker++;
		snprintf(text, sizeof(text), "scopecheck-barrier-%lu", marker);
		snprintf(want, sizeof(want), "msg='%s'", text);
		if (nl_send(nl, AUDIT_USER, 0, text, strlen(text) + 1, ++seq) < 0) {
			abuf_add(&out, "E send\n", 7);
			done = 1;
		}
		while (!done) {
			struct pollfd pf = { nl, POLLIN, 0 };
			ssize_t n;
			int pr = poll(&pf, 1, 3000);

			if (pr < 0 && errno == EINTR)
				continue;
			if (pr <= 0) {
				abuf_add(&out, "E timeout\n", 10);
				break;
			}
			n = recv(nl, rbuf, sizeof(rbuf) - 1, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == ENOBUFS) {
				abuf_add(&out, "E enobufs\n", 10);
				continue;
			}
			if (n <= 0) {
				abuf_add(&out, "E recv\n", 7);
				break;
			}
			/*
			 * One record per datagram (kauditd sends each skb alone); its nlmsg_len is not
			 * to be trusted (audit_log_end() sets it to the payload's length), so the
			 * datagram's length is.
			 */
			if (n >= (ssize_t)NLMSG_HDRLEN) {
				struct nlmsghdr *h = (struct nlmsghdr *)rbuf;
				char *d = rbuf + NLMSG_HDRLEN, line[64];
				size_t dl = (size_t)n - NLMSG_HDRLEN;
				long ns = 0;

				d[dl] = 0;

				if (g_audit_debug)
					fprintf(stderr, PROG ": audit record %d: %s\n", h->nlmsg_type, d);
				if (h->nlmsg_type == AUDIT_USER) {
					if (memmem(d, dl, want, strlen(want)))
						done = 1;
					continue;
				}
				if (h->nlmsg_type != 1423 && h->nlmsg_type != 1424)
					continue;
				while (dl > 0 && (d[dl - 1] == 0 || d[dl - 1] == '\n'))
					dl--;
				if (h->nlmsg_type == 1423) {
					char *o = memmem(d, dl, " opid=", 6);

					if (o)
						ns = nspid_of(strtol(o + 6, NULL, 10));
				}
				snprintf(line, sizeof(line), "%d %ld ", h->nlmsg_type, ns);
				abuf_add(&out, line, strlen(line));
				for (size_t i = 0; i < dl; i++)
					if (d[i] == '\n' || d[i] == 0)
						d[i] = ' ';
				abuf_add(&out, d, dl);
				abuf_add(&out, "\n", 1);
			}
		}
		len = (uint32_t)out.len;
		if (write_all(chan, (char *)&len, sizeof(len)) || write_all(chan, out.p, out.len))
			_exit(0);
	}
}

/*
 * Starts the audit helper (guest mode, PID 1): its channel in g_audit_fd and g_audit_on set
 * when it became the audit daemon; else nothing is collected.
 */
static void audit_helper_start(void)
{
	int sv[2];
	char c = 0;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		audit_helper_main(sv[1]);
	}
	close(sv[1]);
	if (pid < 0 || read_full(sv[0], &c, 1) || c != 'Y') {
		close(sv[0]);
		fprintf(stderr, PROG ": warning: cannot become the audit daemon: no audit records are collected\n");
		return;
	}
	g_audit_fd = sv[0];
	g_audit_on = 1;
}

/* A barrier (see above): the records since the previous one, NUL-terminated, or NULL. */
static char *audit_barrier(void)
{
	static struct abuf b;
	uint32_t len;

	if (g_audit_fd < 0 || write_all(g_audit_fd, "B", 1) || read_full(g_audit_fd, &len, sizeof(len)))
		return NULL;
	b.len = 0;
	abuf_add(&b, "", 0);
	if (len) {
		abuf_add(&b, "", 0);
		if (b.cap < (size_t)len + 1) {
			b.p = realloc(b.p, (size_t)len + 1);
			if (!b.p)
				_exit(1);
			b.cap = (size_t)len + 1;
		}
		if (read_full(g_audit_fd, b.p, len))
			return NULL;
		b.len = len;
		b.p[len] = 0;
	}
	return b.p;
}

/* The audit records of a scenario: the domain ids the allocated records named, in order. */
#define MAX_ADOMAINS 256
static struct {
	unsigned long long id;
	int k;     /* D<k>; 0: not named by an allocated record of this scenario */
	int freed; /* its deallocated record came */
} g_adom[MAX_ADOMAINS];
static int g_nadom;

static int adom_find(unsigned long long id)
{
	for (int i = 0; i < g_nadom; i++)
		if (g_adom[i].id == id)
			return i;
	return -1;
}

/* The value of " key=" in text (up to a space), or NULL; copied into v. */
static const char *rec_field(const char *text, const char *key, char *v, size_t vcap)
{
	char k[32];
	const char *p;
	size_t n = 0;

	snprintf(k, sizeof(k), " %s=", key);
	p = strstr(text, k);
	if (!p && !strncmp(text, k + 1, strlen(k) - 1))
		p = text - 1;
	if (!p)
		return NULL;
	p += strlen(k);
	if (*p == '"') {
		for (p++; *p && *p != '"' && n + 1 < vcap; p++)
			v[n++] = *p;
	} else {
		for (; *p && *p != ' ' && n + 1 < vcap; p++)
			v[n++] = *p;
	}
	v[n] = 0;
	return v;
}

/* An audit_log_untrustedstring() value: "quoted" (rec_field() took the quotes) or hex. */
static size_t untrusted_decode(const char *text, const char *key, char *out, size_t cap)
{
	char k[32], v[600];
	const char *p;
	size_t n = 0;

	snprintf(k, sizeof(k), " %s=", key);
	p = strstr(text, k);
	if (!p || !rec_field(text, key, v, sizeof(v)))
		return (size_t)-1;
	if (p[strlen(k)] == '"') {
		n = strlen(v) < cap - 1 ? strlen(v) : cap - 1;
		memcpy(out, v, n);
	} else {
		for (size_t i = 0; v[i] && v[i + 1] && n + 1 < cap; i += 2) {
			unsigned int x;

			if (sscanf(v + i, "%2x", &x) != 1)
				return (size_t)-1;
			out[n++] = (char)x;
		}
	}
	out[n] = 0;
	return n;
}

static void tok_add(char *out, size_t cap, size_t *o, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void tok_add(char *out, size_t cap, size_t *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*o + 2 >= cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(out + *o, cap - *o, fmt, ap);
	va_end(ap);
	if (n < 0 || *o + (size_t)n + 2 >= cap) {
		out[*o] = 0; /* no room: the token is left out */
		return;
	}
	*o += (size_t)n;
}

static void dom_name(unsigned long long id, char *buf, size_t cap)
{
	int i = adom_find(id);

	if (i >= 0 && g_adom[i].k > 0)
		snprintf(buf, cap, "D%d", g_adom[i].k);
	else
		snprintf(buf, cap, "Dx%llx", id);
}

/*
 * Turns the records of one barrier into tokens (appended to out, each preceded by a space):
 * step: the step index, or -1 for the teardown. dir: the scenario directory (pathnames).
 */
static void audit_tokens(char *recs, int step, const char *dir, char *out, size_t cap, size_t *o)
{
	char stepname[16], v[600], obj[700], dn[40];

	if (step < 0)
		snprintf(stepname, sizeof(stepname), "t");
	else
		snprintf(stepname, sizeof(stepname), "%d", step);
	/* first the allocated records: an access record's domain is named by the one after it */
	for (int pass = 0; pass < 2; pass++) {
		char *line = recs;

		while (line && *line) {
			char *nl = strchr(line, '\n'), *text;
			int type;
			long ns;
			unsigned long long id = 0;

			if (nl)
				*nl = 0;
			if (pass == 0 && g_audit_debug)
				fprintf(stderr, PROG ": audit (step %s): %s\n", stepname, line);
			if (line[0] == 'E') {
				if (pass == 0)
					fprintf(stderr, PROG ": audit barrier: %s\n", line);
				goto next;
			}
			if (sscanf(line, "%d %ld", &type, &ns) != 2)
				goto next;
			text = strstr(line, "): ");
			text = text ? text + 2 : line;
			if (rec_field(text, "domain", v, sizeof(v)))
				id = strtoull(v, NULL, 16);
			if (type == 1424 && strstr(text, " status=allocated")) {
				char comm[64];
				int k = 0, i;

				if (pass == 1) {
					dom_name(id, dn, sizeof(dn));
					tok_add(out, cap, o, " N%s:%s", stepname, dn);
					goto next;
				}
				if (untrusted_decode(text, "comm", comm, sizeof(comm)) != (size_t)-1 && !strncmp(comm, "scD", 3))
					k = atoi(comm + 3);
				i = adom_find(id);
				if (i < 0 && g_nadom < MAX_ADOMAINS) {
					i = g_nadom++;
					g_adom[i].id = id;
					g_adom[i].freed = 0;
				}
				if (i >= 0)
					g_adom[i].k = k;
			} else if (type == 1424 && strstr(text, " status=deallocated") && pass == 1) {
				int i = adom_find(id);

				if (i >= 0)
					g_adom[i].freed = 1;
				dom_name(id, dn, sizeof(dn));
				tok_add(out, cap, o, " X:%s:%s", dn, rec_field(text, "denials", v, sizeof(v)) ? v : "0");
			} else if (type == 1423 && pass == 1) {
				char blockers[256];
				char path[600];
				size_t pl;

				if (!rec_field(text, "blockers", blockers, sizeof(blockers)))
					snprintf(blockers, sizeof(blockers), "?");
				if (strstr(text, " opid=")) {
					int p = -1, t = -1;

					for (int q = 0; q < g_ncp && ns > 0; q++)
						if (g_cp[q].pid == (pid_t)ns)
							p = q;
					for (int u = 0; u < g_nct && p >= 0 && t < 0; u++)
						if (g_ct[u].proc == p)
							t = u;
					if (t >= 0)
						snprintf(obj, sizeof(obj), "opid=%d", t);
					else
						snprintf(obj, sizeof(obj), "?");
				} else if ((pl = untrusted_decode(text, "path", path, sizeof(path))) != (size_t)-1) {
					size_t dl = strlen(dir);

					if (pl > 0 && path[0] == 0 && pl - 1 >= g_prefix_len && !memcmp(path + 1, g_prefix, g_prefix_len))
						snprintf(obj, sizeof(obj), "path=@%.*s", (int)(pl - 1 - g_prefix_len), path + 1 + g_prefix_len);
					else if (pl > 0 && path[0] == 0)
						snprintf(obj, sizeof(obj), "?");
					else if (!strcmp(path, dir))
						snprintf(obj, sizeof(obj), "path=.");
					else if (!strncmp(path, dir, dl) && path[dl] == '/' && path[dl + 1])
						snprintf(obj, sizeof(obj), "path=%s", path + dl + 1);
					else
						snprintf(obj, sizeof(obj), "?");
					for (char *c = obj; *c; c++) /* a token has no space */
						if (*c == ' ' || (unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e)
							*c = '?';
				} else {
					snprintf(obj, sizeof(obj), "-");
				}
				dom_name(id, dn, sizeof(dn));
				tok_add(out, cap, o, " A%s:%s:%s:%s", stepname, dn, blockers, obj);
			}
		next:
			if (nl) {
				*nl = '\n';
				line = nl + 1;
			} else {
				line = NULL;
			}
		}
	}
}

/* Runs g_sc as scenario number idx; writes the result line (with '\\n') into out. */
static void run_scenario(long idx, char *out, size_t outcap)
{
	static int results[MAX_STEPS];
	static char atoks[MAX_RESULT_LINE - MAX_STEPS * 20 - 64];
	char dir[PATH_MAX];
	char ebuf[16];
	int nres = 0, fail = FAIL_NONE, collect = g_audit_fd >= 0;
	pid_t pid = -1;
	size_t o = 0, ao = 0;

	co_reset();
	g_steps = g_sc.steps;
	g_nsteps = g_sc.nsteps;
	g_caps_all = g_sc.caps_all;
	g_deadline = now_ms() + g_timeout_ms;
	g_prefix_len = (size_t)snprintf(g_prefix, sizeof(g_prefix), "sc%d.%ld.", (int)g_toppid, idx);

	/*
	 * A private directory (the cwd of every task) for each scenario that resolves a path.
	 * One that never does runs in the batch's own directory, which no scenario writes to:
	 * skipping a mkdir+rmdir per scenario is about 20% of the run time on ext4.
	 */
	dir[0] = 0;
	if (g_sc.uses_fs &&
	    (snprintf(dir, sizeof(dir), "%s/%ld.XXXXXX", g_batchdir, idx) >= (int)sizeof(dir) || !mkdtemp(dir))) {
		fail = FAIL_INTERNAL;
		dir[0] = 0;
		goto done;
	}
	pid = co_start(dir[0] ? dir : g_batchdir);
	if (pid < 0) {
		fail = FAIL_INTERNAL;
		goto done;
	}
	g_nadom = 0;
	atoks[0] = 0;
	for (int i = 0; i < g_sc.nsteps; i++) {
		int res;
		char *recs;

		fail = co_step(i, &res);
		/* no task of the scenario is in a domain before its first one: nothing to log */
		if (collect && g_ndomains > 0 && (recs = audit_barrier()))
			audit_tokens(recs, i, dir[0] ? dir : g_batchdir, atoks, sizeof(atoks), &ao);
		if (fail)
			break;
		results[nres++] = res;
	}
done:
	teardown(pid);
	/*
	 * The domains are freed after the teardown, by a work queue once their last credential is
	 * gone (RCU): wait (bounded) for the deallocated record of every domain this scenario's
	 * records named, so that none comes during the next scenario.
	 */
	if (collect && g_ndomains > 0) {
		int64_t until = now_ms() + 1500;

		for (;;) {
			char *recs = audit_barrier();
			int all = 1;

			if (!recs)
				break;
			audit_tokens(recs, -1, dir[0] ? dir : g_batchdir, atoks, sizeof(atoks), &ao);
			for (int d = 0; d < g_nadom; d++)
				if (g_adom[d].k > 0 && !g_adom[d].freed)
					all = 0;
			if (all || now_ms() > until)
				break;
			{
				struct timespec ts = { 0, 5 * 1000000 };

				nanosleep(&ts, NULL);
			}
		}
	}
	if (dir[0])
		rm_tree(dir);

	if (fail)
		o += snprintf(out + o, outcap - o, "F %s", fail_names[fail]);
	else
		o += snprintf(out + o, outcap - o, "R");
	for (int i = 0; i < nres && o + 24 < outcap; i++)
		o += snprintf(out + o, outcap - o, " %s", errno_name(results[i], ebuf, sizeof(ebuf)));
	if (collect && o + ao + 4 < outcap)
		o += snprintf(out + o, outcap - o, " |%s", atoks);
	out[o++] = '\n';
	out[o] = 0;
}

/* ------------------------------------------------------------------------------------ */
/* Line reader                                                                          */

struct lreader {
	int fd;
	char *buf;
	size_t cap, start, end;
	int eof;
};

static void lr_init(struct lreader *lr, int fd, size_t cap)
{
	lr->fd = fd;
	lr->cap = cap;
	lr->buf = malloc(cap + 1);
	if (!lr->buf)
		die("out of memory");
	lr->start = lr->end = 0;
	lr->eof = 0;
}

/* 1: *line set (NUL-terminated, without '\n'); 0: need more input; -1: EOF; -2: too long. */
static int lr_next(struct lreader *lr, char **line)
{
	char *nl = memchr(lr->buf + lr->start, '\n', lr->end - lr->start);

	if (nl) {
		*nl = 0;
		*line = lr->buf + lr->start;
		lr->start = nl + 1 - lr->buf;
		return 1;
	}
	if (lr->eof) {
		if (lr->end > lr->start) { /* last line without '\n' */
			lr->buf[lr->end] = 0;
			*line = lr->buf + lr->start;
			lr->start = lr->end;
			return 1;
		}
		return -1;
	}
	if (lr->end - lr->start >= lr->cap)
		return -2;
	return 0;
}

/* One read(); returns -1 on a read error. */
static int lr_fill(struct lreader *lr)
{
	ssize_t n;

	if (lr->start > 0) {
		memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
		lr->end -= lr->start;
		lr->start = 0;
	}
	if (lr->end >= lr->cap)
		return 0;
	do
		n = read(lr->fd, lr->buf + lr->end, lr->cap - lr->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0)
		lr->eof = 1;
	lr->end += n;
	return 0;
}

/* ------------------------------------------------------------------------------------ */
/* Worker and dispatcher                                                                */

/*
 * Pins this worker (and so every task of its scenarios) to one CPU: the coordinator and the
 * tasks ping-pong on every step, and a wakeup on the same CPU is much cheaper than one
 * across CPUs (an IPI, and a halted vCPU in a VM). Scheduling does not change results.
 */
static void pin_worker(int k)
{
	cpu_set_t allowed, one;
	int n = 0;

	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		return;
	n = CPU_COUNT(&allowed);
	if (n <= 1)
		return;
	k %= n;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &allowed))
			continue;
		if (k-- == 0) {
			CPU_ZERO(&one);
			CPU_SET(c, &one);
			sched_setaffinity(0, sizeof(one), &one);
			return;
		}
	}
}

static void worker_main(int in, int out, int k) __attribute__((noreturn));
static void worker_main(int in, int out, int k)
{
	static char outline[MAX_RESULT_LINE];
	struct lreader lr;
	char err[256];

	if (g_pin)
		pin_worker(k);
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	install_sigusr1();
	lr_init(&lr, in, MAX_LINE + 32);
	for (;;) {
		char *line, *sp;
		long idx;
		int r;

		while ((r = lr_next(&lr, &line)) == 0)
			if (lr_fill(&lr) < 0)
				_exit(1);
		if (r < 0)
			_exit(r == -1 ? 0 : 1);
		sp = strchr(line, ' ');
		if (!sp)
			_exit(1);
		*sp = 0;
		if (parse_long(line, 0, LONG_MAX / 2, &idx))
			_exit(1);
		if (parse_scenario(sp + 1, &g_sc, err, sizeof(err)) < 0) {
			snprintf(outline, sizeof(outline), "F internal\n");
		} else {
			run_scenario(idx, outline, sizeof(outline));
		}
		if (write_all(out, outline, strlen(outline)))
			_exit(1);
	}
}

struct worker {
	pid_t pid;
	int in;  /* we write scenarios */
	int out; /* we read results */
	int outstanding;
	struct lreader lr;
};

static int dispatcher_main(int nworkers)
{
	static struct worker w[MAX_WORKERS];
	int fifo[2 * MAX_WORKERS]; /* worker index of each in-flight scenario, oldest first */
	int fhead = 0, fcount = 0, per = 2;
	long next_idx = 0;
	struct lreader in;
	int in_eof = 0, bad = 0, status = 0;
	char err[512], why[256];
	char *scratch = malloc(MAX_LINE + 32);
	char *obuf = malloc(MAX_RESULT_LINE + (1 << 16));
	size_t olen = 0;

	if (!scratch || !obuf)
		die("out of memory");
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < nworkers; i++) {
		int a[2], b[2];

		if (pipe2(a, O_CLOEXEC) || pipe2(b, O_CLOEXEC))
			die("pipe: %s", strerror(errno));
		fcntl(a[1], F_SETPIPE_SZ, 1 << 20);
		w[i].pid = fork();
		if (w[i].pid < 0)
			die("fork: %s", strerror(errno));
		if (w[i].pid == 0) {
			int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
			int win = fcntl(a[0], F_DUPFD_CLOEXEC, 1000);
			int wout = fcntl(b[1], F_DUPFD_CLOEXEC, 1001);
			int aud = g_audit_fd >= 0 ? fcntl(g_audit_fd, F_DUPFD_CLOEXEC, 1002) : -1;

			if (devnull < 0 || win < 0 || wout < 0)
				_exit(1);
			dup2(devnull, 0);
			dup2(devnull, 1);
			syscall(SYS_close_range, 3, 999, 0);
			dup3(win, 3, O_CLOEXEC);
			dup3(wout, 4, O_CLOEXEC);
			g_audit_fd = -1;
			if (aud >= 0 && dup3(aud, 5, O_CLOEXEC) == 5)
				g_audit_fd = 5;
			close_from(g_audit_fd >= 0 ? 6 : 5);
			worker_main(3, 4, i);
		}
		close(a[0]);
		close(b[1]);
		w[i].in = a[1];
		w[i].out = b[0];
		w[i].outstanding = 0;
		lr_init(&w[i].lr, b[0], MAX_RESULT_LINE);
	}
	lr_init(&in, 0, MAX_LINE);

	for (;;) {
		char *line;
		int r;

		/* hand out complete input lines while there is room */
		while (!in_eof && !bad && fcount < per * nworkers) {
			size_t len;
			int best = 0;

			r = lr_next(&in, &line);
			if (r == 0)
				break;
			if (r == -1) {
				in_eof = 1;
				break;
			}
			if (r == -2) {
				snprintf(err, sizeof(err), "input line %ld (scenario index %ld) is longer than %d bytes",
					 next_idx + 1, next_idx, MAX_LINE);
				bad = 1;
				break;
			}
			len = strlen(line);
			if (len == 0)
				continue;
			memcpy(scratch, line, len + 1);
			if (parse_scenario(scratch, &g_sc, why, sizeof(why)) < 0) {
				snprintf(err, sizeof(err), "bad scenario on input line %ld (scenario index %ld): %s",
					 next_idx + 1, next_idx, why);
				bad = 1;
				break;
			}
			for (int i = 1; i < nworkers; i++)
				if (w[i].outstanding < w[best].outstanding)
					best = i;
			{
				char hdr[32];
				int hl = snprintf(hdr, sizeof(hdr), "%ld ", next_idx);

				line[len] = '\n';
				if (write_all(w[best].in, hdr, hl) || write_all(w[best].in, line, len + 1))
					die("worker %d died", best);
			}
			w[best].outstanding++;
			fifo[(fhead + fcount) % (2 * MAX_WORKERS)] = best;
			fcount++;
			next_idx++;
		}
		/* emit results that are ready, in order */
		while (fcount > 0) {
			struct worker *hw = &w[fifo[fhead]];

			r = lr_next(&hw->lr, &line);
			if (r == 0)
				break;
			if (r < 0)
				die("worker %d died", fifo[fhead]);
			{
				size_t len = strlen(line);

				if (olen + len + 1 > (1 << 16)) { /* obuf has room for one more line */
					if (write_all(1, obuf, olen))
						die("stdout: %s", strerror(errno));
					olen = 0;
				}
				memcpy(obuf + olen, line, len);
				olen += len;
				obuf[olen++] = '\n';
			}
			hw->outstanding--;
			fhead = (fhead + 1) % (2 * MAX_WORKERS);
			fcount--;
		}
		if (fcount == 0 && (in_eof || bad))
			break;
		if (olen) {
			if (write_all(1, obuf, olen))
				die("stdout: %s", strerror(errno));
			olen = 0;
		}
		{
			struct pollfd p[2];
			int np = 0, want_in = !in_eof && !bad && fcount < per * nworkers;

			if (want_in) {
				p[np].fd = 0;
				p[np].events = POLLIN;
				np++;
			}
			if (fcount > 0) {
				p[np].fd = w[fifo[fhead]].out;
				p[np].events = POLLIN;
				np++;
			}
			if (np == 0)
				continue;
			if (poll(p, np, -1) < 0) {
				if (errno == EINTR)
					continue;
				die("poll: %s", strerror(errno));
			}
			for (int k = 0; k < np; k++) {
				if (!p[k].revents)
					continue;
				if (p[k].fd == 0) {
					if (lr_fill(&in) < 0)
						die("stdin: %s", strerror(errno));
				} else if (lr_fill(&w[fifo[fhead]].lr) < 0) {
					die("worker pipe: %s", strerror(errno));
				}
			}
		}
	}
	if (olen && write_all(1, obuf, olen))
		die("stdout: %s", strerror(errno));
	for (int i = 0; i < nworkers; i++)
		close(w[i].in);
	for (int i = 0; i < nworkers; i++) {
		int st;

		while (waitpid(w[i].pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (bad) {
		fprintf(stderr, PROG ": %s\n", err);
		status = 2;
	}
	return status;
}

/* ------------------------------------------------------------------------------------ */
/* Kernel info, namespaces, main                                                        */

/* The kernel info JSON object (without '\n') into buf. */
static void format_info(char *buf, size_t cap)
{
	struct utsname u;
	long abi, errata;

	uname(&u);
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
	if (abi < 0)
		abi = 0;
	errata = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_ERRATA);
	if (errata < 0)
		errata = 0;
	/* release/machine come from uname: no characters that need JSON escaping in practice */
	snprintf(buf, cap, "{\"release\":\"%s\",\"abi\":%ld,\"errata\":%ld,\"arch\":\"%s\",\"audit\":%s}", u.release,
		 abi, errata, u.machine, g_audit_on ? "true" : "false");
}

static void print_info(void)
{
	char buf[512];

	format_info(buf, sizeof(buf));
	printf("%s\n", buf);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = write_all(fd, s, strlen(s));
	close(fd);
	return r;
}

/*
 * Enters fresh PID and network namespaces (the PID namespace applies to the children), and
 * a mount namespace when the kernel allows it (*mnt set to 1 then); as root, else as root of
 * a fresh user namespace. Returns a description, or NULL (errno set) when no namespace could
 * be created.
 */
static const char *enter_namespaces(int *mnt)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char m[64];
	int user = 0;

	*mnt = 0;
	if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET) == 0) {
		*mnt = 1;
	} else if (unshare(CLONE_NEWPID | CLONE_NEWNET) == 0) {
	} else if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET) == 0) {
		*mnt = user = 1;
	} else if (unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET) == 0) {
		user = 1;
	} else {
		return NULL;
	}
	if (user) {
		write_file("/proc/self/setgroups", "deny");
		snprintf(m, sizeof(m), "0 %u 1\n", (unsigned)uid);
		write_file("/proc/self/uid_map", m);
		snprintf(m, sizeof(m), "0 %u 1\n", (unsigned)gid);
		write_file("/proc/self/gid_map", m);
	}
	return user ? (*mnt ? "user+mnt+pid+net" : "user+pid+net") : (*mnt ? "mnt+pid+net" : "pid+net");
}

/*
 * In a mount namespace of our own (enter_namespaces() set mnt): makes every mount private
 * (MS_REC|MS_PRIVATE on /, so nothing propagates to or from the host's namespace), then mounts
 * a fresh tmpfs over dir (an existing directory: what the host has there is hidden from this
 * namespace only), and checks that dir now resolves to it. The tmpfs belongs to the namespace:
 * it is unmounted and freed when the namespace's last process is gone, however they die.
 * 0, or -1 (nothing mounted: the caller falls back to a directory on the host).
 */
static int mount_private_tmp(const char *dir)
{
	char opts[96];
	struct stat before, after;
	struct statfs fs;

	if (!strcmp(dir, "/") || stat(dir, &before) < 0 || !S_ISDIR(before.st_mode))
		return -1;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	snprintf(opts, sizeof(opts), "size=" PRIVATE_TMP_SIZE ",nr_inodes=%d,mode=0700", PRIVATE_TMP_INODES);
	if (mount(PROG, dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
		return -1;
	if (stat(dir, &after) < 0 || after.st_dev == before.st_dev || statfs(dir, &fs) < 0 ||
	    (unsigned long)fs.f_type != (unsigned long)TMPFS_MAGIC) {
		umount2(dir, MNT_DETACH);
		return -1;
	}
	return 0;
}

/* The base directory of the batch directory: --tmpdir, else $TMPDIR, else /tmp. */
static const char *tmp_base(const char *tmpdir)
{
	const char *base = tmpdir ? tmpdir : getenv("TMPDIR");

	return base && *base ? base : "/tmp";
}

/*
 * Sets g_batchdir (in batch[PATH_MAX]); returns the directory to remove at exit, or NULL.
 * mnt: we are in a mount namespace of our own (enter_namespaces()). With a private tmpfs
 * over the (real) base directory, that tmpfs is the batch directory; otherwise --tmpdir itself
 * or a fresh directory under $TMPDIR, on the host. See the comment at the top.
 */
static char *setup_batchdir(const char *tmpdir, int mnt, char *batch)
{
	const char *base = tmp_base(tmpdir);
	char *created = NULL;

	if (mnt && realpath(base, batch) && strlen(batch) <= PATH_MAX - 64 && mount_private_tmp(batch) == 0) {
		/* on the tmpfs */
	} else if (tmpdir) {
		if (!realpath(tmpdir, batch))
			die("--tmpdir %s: %s", tmpdir, strerror(errno));
	} else {
		if (snprintf(batch, PATH_MAX, "%s/scopecheck-replay.XXXXXX", base) >= PATH_MAX)
			die("temporary directory path is too long");
		if (!mkdtemp(batch))
			die("mkdtemp %s: %s", batch, strerror(errno));
		created = batch;
	}
	if (strlen(batch) > PATH_MAX - 64)
		die("temporary directory path is too long");
	g_batchdir = batch;
	return created;
}

/*
 * --check-private-tmp: whether serve mode, with these options, gets its batch directory on a
 * private tmpfs. Tries it in a child (whose namespaces vanish with it); prints the answer.
 */
static int check_private_tmp(int no_ns, int no_private_tmp, const char *tmpdir)
{
	char batch[PATH_MAX];
	int st = 1;
	pid_t pid;

	if (!no_ns && !no_private_tmp) {
		pid = fork();
		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (pid == 0) {
			int mnt;

			_exit(enter_namespaces(&mnt) && mnt && realpath(tmp_base(tmpdir), batch) &&
					      strlen(batch) <= PATH_MAX - 64 && mount_private_tmp(batch) == 0
				      ? 0
				      : 1);
		}
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				die("waitpid: %s", strerror(errno));
	}
	printf("%s\n", st == 0 ? "private-tmpfs" : "tmpdir");
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--serve] [--workers N] [--timeout-ms N] [--tmpdir DIR] [--no-namespaces] [--no-private-tmp]\n"
		"       " PROG "         [--no-pin] [--check-private-tmp]\n"
		"       " PROG " --guest [--batch FILE] [--out FILE] [--workers N] [--timeout-ms N] ...\n"
		"       " PROG " --info | --version | --help\n"
		"Reads scenarios (one encoded scenario per line) on stdin and writes one result line per\n"
		"scenario on stdout. See the comment at the top of replayer/replayer.c for the format.\n"
		"Guest mode (--guest, or as PID 1): see the comment above guest_main().\n");
}

/*
 * Serve mode: runs the batch read on stdin, results on stdout. tmpdir may be NULL (see
 * setup_batchdir()). Returns the exit status.
 */
static int serve_main(int nworkers, int no_ns, int no_private_tmp, const char *tmpdir)
{
	int alive[2], st, mnt = 0;
	const char *ns;
	char batch[PATH_MAX], *created;
	pid_t pid;

	g_toppid = getpid();
	signal(SIGPIPE, SIG_IGN);
	g_want_pidns = !no_ns; /* a PID namespace per scenario (ops.h), inherited by the workers */

	ns = no_ns ? NULL : enter_namespaces(&mnt);
	if (!ns && !no_ns)
		fprintf(stderr, PROG ": warning: cannot create PID/network namespaces (%s); running without them\n",
			strerror(errno));
	created = setup_batchdir(tmpdir, mnt && !no_private_tmp, batch);

	if (pipe2(alive, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		struct pollfd p = { alive[0], POLLIN, 0 };

		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		close(alive[1]);
		if (poll(&p, 1, 0) > 0) /* the top process is already gone */
			_exit(1);
		close(alive[0]);
		_exit(dispatcher_main(nworkers));
	}
	close(alive[0]);
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	}
	if (created)
		rm_tree(created);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	fprintf(stderr, PROG ": dispatcher killed by signal %d\n", WTERMSIG(st));
	return 128 + WTERMSIG(st);
}

/* ------------------------------------------------------------------------------------ */
/* Guest mode (init of a qemu VM)                                                       */

/*
 * Guest mode runs one batch inside a VM booted by kernel/vm.ts: this binary is /init of
 * the initramfs. It is selected by --guest, or by running as PID 1 with no argument
 * (arguments after "--" on the kernel command line are passed to init).
 *
 * As PID 1 it mounts devtmpfs on /dev, proc on /proc and a tmpfs on /tmp, and powers the
 * machine off at the end (reboot(RB_POWER_OFF)); otherwise (for tests on a host) it
 * mounts nothing and exits with the batch's status.
 *
 * The batch (serve-mode input lines) is read from --batch FILE (default
 * /scopecheck/batch) and run exactly as in serve mode, with --tmpdir /tmp (so on a private
 * tmpfs over /tmp; on /tmp itself where the kernel refuses the mount namespace). The framed report goes to --out FILE (default /dev/ttyS1, the second serial
 * port, put in raw mode), '\n'-terminated lines:
 *
 *   SCOPECHECK-BEGIN 1
 *   I <kernel info JSON, as --info prints it>
 *   <one serve-mode result line per scenario: "R ..." or "F ...">
 *   SCOPECHECK-END <number of result lines> <hash> <exit status of the batch>
 *
 * <hash> is the 32-bit FNV-1a hash (8 lower-case hex digits) of every byte from the "I"
 * line through the last result line, '\n's included, so a truncated or garbled report is
 * detected. A status other than 0 means the batch did not complete (2: the replayer
 * rejected its input; the message is on the console, stderr). If the guest cannot run
 * the batch at all, it writes "SCOPECHECK-ERROR <message>" instead of the END line.
 */

#define GUEST_BATCH "/scopecheck/batch"
#define GUEST_OUT "/dev/ttyS1"

static uint32_t fnv1a(uint32_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static int g_guest_out = -1;
static int g_guest_pid1;

static void guest_finish(int status) __attribute__((noreturn));
static void guest_finish(int status)
{
	if (g_guest_out >= 0) {
		if (isatty(g_guest_out))
			tcdrain(g_guest_out);
		fsync(g_guest_out);
	}
	if (!g_guest_pid1)
		_exit(status);
	sync();
	reboot(RB_POWER_OFF);
	/* not reached unless the power-off failed: exiting PID 1 panics the kernel */
	fprintf(stderr, PROG ": reboot(RB_POWER_OFF): %s\n", strerror(errno));
	_exit(status ? status : 1);
}

static void guest_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void guest_fail(const char *fmt, ...)
{
	char msg[512], line[600];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = snprintf(line, sizeof(line), "SCOPECHECK-ERROR %s\n", msg);
	if (g_guest_out >= 0)
		write_all(g_guest_out, line, n);
	fputs(PROG ": ", stderr);
	fputs(line, stderr);
	fflush(stderr);
	guest_finish(1);
}

static void guest_mount(const char *src, const char *dir, const char *type, mode_t mode)
{
	if (mkdir(dir, mode) < 0 && errno != EEXIST)
		guest_fail("mkdir %s: %s", dir, strerror(errno));
	if (mount(src, dir, type, 0, NULL) < 0 && errno != EBUSY)
		guest_fail("mount %s on %s: %s", type, dir, strerror(errno));
}

static int guest_main(const char *batch_path, const char *out_path, int nworkers, int no_ns, int no_private_tmp,
		      int audit)
{
	char info[512], buf[4096], line[MAX_RESULT_LINE];
	size_t llen = 0;
	uint32_t hash = 2166136261u;
	long count = 0;
	int pfd[2], batch, st, status;
	pid_t pid;

	g_guest_pid1 = getpid() == 1;
	if (g_guest_pid1) {
		guest_mount("devtmpfs", "/dev", "devtmpfs", 0755);
		guest_mount("proc", "/proc", "proc", 0555);
		guest_mount("tmpfs", "/tmp", "tmpfs", 01777);
		/* the audit daemon: records of one scenario at a time, so one worker */
		if (audit) {
			audit_helper_start();
			if (g_audit_fd >= 0)
				nworkers = 1;
		}
	}
	g_guest_out = open(out_path, O_WRONLY | O_NOCTTY | O_CLOEXEC | (g_guest_pid1 ? 0 : O_CREAT | O_TRUNC), 0644);
	if (g_guest_out < 0)
		guest_fail("open %s: %s", out_path, strerror(errno));
	if (isatty(g_guest_out)) {
		struct termios t;

		if (tcgetattr(g_guest_out, &t) == 0) {
			cfmakeraw(&t);
			cfsetospeed(&t, B115200);
			tcsetattr(g_guest_out, TCSANOW, &t);
		}
	}
	batch = open(batch_path, O_RDONLY | O_CLOEXEC);
	if (batch < 0)
		guest_fail("open %s: %s", batch_path, strerror(errno));

	format_info(info, sizeof(info));
	{
		int n = snprintf(buf, sizeof(buf), "I %s\n", info);

		if (write_all(g_guest_out, "SCOPECHECK-BEGIN 1\n", 19) || write_all(g_guest_out, buf, n))
			guest_fail("write %s: %s", out_path, strerror(errno));
		hash = fnv1a(hash, buf, n);
	}

	if (pipe2(pfd, O_CLOEXEC))
		guest_fail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		guest_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		if (dup2(batch, 0) < 0 || dup2(pfd[1], 1) < 0)
			_exit(1);
		close(g_guest_out);
		close(pfd[0]);
		_exit(serve_main(nworkers, no_ns, no_private_tmp, "/tmp"));
	}
	close(pfd[1]);
	close(batch);
	/* Forward complete lines (a line is never split by the framing), hashing them. */
	for (;;) {
		ssize_t n = read(pfd[0], buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			guest_fail("read results: %s", strerror(errno));
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (llen >= sizeof(line))
				guest_fail("result line %ld is too long", count + 1);
			line[llen++] = buf[i];
			if (buf[i] == '\n') {
				if (write_all(g_guest_out, line, llen))
					guest_fail("write %s: %s", out_path, strerror(errno));
				hash = fnv1a(hash, line, llen);
				count++;
				llen = 0;
			}
		}
	}
	if (llen)
		guest_fail("the replayer wrote an incomplete last line");
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			guest_fail("waitpid: %s", strerror(errno));
	}
	while (waitpid(-1, NULL, WNOHANG) > 0) /* orphans reparented to PID 1 */
		;
	status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	{
		int n = snprintf(buf, sizeof(buf), "SCOPECHECK-END %ld %08x %d\n", count, hash, status);

		if (write_all(g_guest_out, buf, n))
			guest_fail("write %s: %s", out_path, strerror(errno));
	}
	guest_finish(status);
}

int main(int argc, char **argv)
{
	int nworkers = 2, no_ns = 0, no_private_tmp = 0, check = 0, guest = 0, audit = 1;
	const char *tmpdir = NULL, *batch_path = GUEST_BATCH, *out_path = GUEST_OUT;

	if (argc > 1 && !strcmp(argv[1], SCOPECHECK_RESUME_ARG))
		task_resume(argc, argv); /* a task's new image after its exec step (ops.h) */
	g_exec_resumable = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		long v;

		if (!strcmp(a, "--info")) {
			print_info();
			return 0;
		} else if (!strcmp(a, "--version")) {
			printf(PROG " " VERSION "\n");
			return 0;
		} else if (!strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--serve")) {
		} else if (!strcmp(a, "--guest")) {
			guest = 1;
		} else if (!strcmp(a, "--batch") && i + 1 < argc) {
			batch_path = argv[++i];
		} else if (!strcmp(a, "--out") && i + 1 < argc) {
			out_path = argv[++i];
		} else if (!strcmp(a, "--test-hooks")) {
			setenv("SCOPECHECK_REPLAY_TEST_HOOKS", "1", 1);
		} else if (!strcmp(a, "--no-audit")) {
			audit = 0;
		} else if (!strcmp(a, "--audit-debug")) {
			g_audit_debug = 1;
		} else if (!strcmp(a, "--no-pin")) {
			g_pin = 0;
		} else if (!strcmp(a, "--no-namespaces")) {
			no_ns = 1;
		} else if (!strcmp(a, "--no-private-tmp")) {
			no_private_tmp = 1;
		} else if (!strcmp(a, "--check-private-tmp")) {
			check = 1;
		} else if (!strcmp(a, "--workers") && i + 1 < argc) {
			if (parse_long(argv[++i], 1, MAX_WORKERS, &v))
				die("--workers: expected 1..%d", MAX_WORKERS);
			nworkers = (int)v;
		} else if (!strcmp(a, "--timeout-ms") && i + 1 < argc) {
			if (parse_long(argv[++i], 1, 3600000, &v))
				die("--timeout-ms: expected 1..3600000");
			g_timeout_ms = (int)v;
		} else if (!strcmp(a, "--tmpdir") && i + 1 < argc) {
			tmpdir = argv[++i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	g_test_hooks = getenv("SCOPECHECK_REPLAY_TEST_HOOKS") && !strcmp(getenv("SCOPECHECK_REPLAY_TEST_HOOKS"), "1");
	if (guest || (getpid() == 1 && argc == 1))
		return guest_main(batch_path, out_path, nworkers, no_ns, no_private_tmp, audit);
	if (check)
		return check_private_tmp(no_ns, no_private_tmp, tmpdir);
	return serve_main(nworkers, no_ns, no_private_tmp, tmpdir);
}
