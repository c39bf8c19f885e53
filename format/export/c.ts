/**
 * `scopecheck export --as c`: a standalone C program that performs a scenario on the live kernel
 * exactly as the replayer (replayer/replayer.c) does, and compares every result with the model's.
 *
 * The program is a tiny interpreter plus a static table of the scenario's steps. Every task is a
 * real process or thread that owns one end of a SOCK_SEQPACKET "control channel" to the
 * coordinator (the program's main process, never sandboxed); the coordinator asks each task, in
 * step order, to perform its step, so every step runs in the task that names it. Op semantics are
 * the replayer's: non-blocking sockets, MSG_DONTWAIT|MSG_NOSIGNAL, abstract names under a unique
 * per-run prefix, pathnames relative to a private mkdtemp directory (every task's cwd), SIGUSR1
 * caught, restrict_self = create_ruleset + per rule open(O_PATH) + add_rule + restrict_self (with
 * TSYNC when asked), EBADF for a socket the process does not hold, ESRCH for an exited (reaped)
 * task, `pass` over SCM_RIGHTS through the control channels.
 *
 * Pure: returns the program text. Needs only libc: gcc -Wall -O2 -pthread prog.c -o prog.
 */
import { FS_RIGHT_NAMES, SCOPE_NAMES, scenarioSockets, scenarioTasks, type Step } from '../scenario.js';
import { stepText } from '../render.js';
import { cCommentText, scenarioTitle, wrap, type ExportInput } from './common.js';

const cStr = (s: string): string => JSON.stringify(s); // names and results are printable ASCII

function maskExpr(names: readonly string[] | undefined, prefix: string): string {
  if (!names?.length) return '0';
  return names.map((n) => `${prefix}${n.toUpperCase()}`).join(' | ');
}

const TYPE: Record<string, string> = { stream: 'SOCK_STREAM', dgram: 'SOCK_DGRAM', seqpacket: 'SOCK_SEQPACKET' };

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
    const f: string[] = [`.op = OP_${st.op.toUpperCase()}`, `.by = ${ti(st.by)}`];
    switch (st.op) {
      case 'fork':
      case 'thread':
        f.push(`.a = ${ti(st.child)}`);
        break;
      case 'exit':
        break;
      case 'restrict_self': {
        f.push(`.scoped = ${maskExpr(st.scoped, 'LL_SCOPE_')}`, `.handled = ${maskExpr(st.handled_fs, 'LL_FS_')}`);
        if (st.tsync) f.push('.tsync = 1');
        const rs = st.rules ?? [];
        if (rs.length) {
          rules.push(
            `static const struct rule rules_${i}[] = {\n${rs
              .map((r) => `\t{ ${cStr(r.path)}, ${maskExpr(r.access, 'LL_FS_')} },`)
              .join('\n')}\n};`,
          );
          f.push(`.nrules = ${rs.length}`, `.rules = rules_${i}`);
        }
        break;
      }
      case 'mkdir':
        f.push(`.kind = 'p'`, `.name = ${cStr(st.path)}`);
        break;
      case 'socket':
        f.push(`.a = ${si(st.sock)}`, `.type = ${TYPE[st.type]}`);
        break;
      case 'socketpair':
        f.push(`.a = ${si(st.socks[0])}`, `.b = ${si(st.socks[1])}`, `.type = ${TYPE[st.type]}`);
        break;
      case 'bind':
      case 'connect':
      case 'sendto':
        f.push(`.a = ${si(st.sock)}`, ...('abstract' in st.addr ? [`.kind = 'a'`, `.name = ${cStr(st.addr.abstract)}`] : [`.kind = 'p'`, `.name = ${cStr(st.addr.pathname)}`]));
        break;
      case 'listen':
      case 'send':
      case 'close':
        f.push(`.a = ${si(st.sock)}`);
        break;
      case 'pass':
        f.push(`.a = ${si(st.sock)}`, `.b = ${ti(st.to)}`);
        break;
      case 'kill':
      case 'tgkill':
        f.push(`.a = ${ti(st.target)}`, `.b = ${st.signal === 'SIGUSR1' ? 'SIGUSR1' : '0'}`);
        break;
    }
    const expected = input.outcomes[i]?.result ?? '?';
    f.push(`.text = ${cStr(stepText(st))}`, `.expect = ${cStr(expected)}`);
    return `\t/* ${i} */ { ${f.join(', ')} },`;
  });

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
    `  gcc -Wall -O2 -pthread ${identifier(title)}.c -o ${identifier(title)} && ./${identifier(title)}`,
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
${PRELUDE}
/* Scope bits and filesystem access rights (include/uapi/linux/landlock.h; bit 2 of the scope is
 * the never-merged pathname_unix_socket of the seed patch: released kernels answer EINVAL). */
${scopeDefs}
${fsDefs}

${TYPES}
/* ------------------------------------------------------------------------------------ */
/* The scenario                                                                         */

#define SCENARIO_NAME ${cStr(title)}
#define SEMANTICS ${cStr(input.semantics)}
#define NSTEPS ${s.steps.length}
#define NTASKS ${tasks.length}
#define NSOCKS ${socks.length}

/* Tasks: ${tasks.map((t, i) => `${i} = ${t}`).join(', ')} */
/* Sockets: ${socks.length ? socks.map((k, i) => `${i} = ${k}`).join(', ') : 'none'} */
${rules.join('\n')}${rules.length ? '\n' : ''}
static const struct step steps[NSTEPS + 1] = {
${rows.join('\n')}
};
${RUNTIME}`;
}

function identifier(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '_') || 'scenario';
}

const PRELUDE = String.raw`#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule 445
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif

#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_CREATE_RULESET_ERRATA (1U << 1)
#define LL_RULE_PATH_BENEATH 1
#define LL_RESTRICT_SELF_TSYNC (1U << 3)

/* Our own copies of the uAPI structures (include/uapi/linux/landlock.h). */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));
`;

const TYPES = String.raw`enum op {
	OP_FORK, OP_THREAD, OP_EXIT, OP_RESTRICT_SELF, OP_MKDIR, OP_SOCKET, OP_SOCKETPAIR, OP_BIND,
	OP_LISTEN, OP_CONNECT, OP_SENDTO, OP_SEND, OP_PASS, OP_CLOSE, OP_KILL, OP_TGKILL,
};

struct rule {
	const char *path;
	uint64_t access;
};

struct step {
	int op;
	int by;           /* acting task */
	int a;            /* child task, socket, or signal target */
	int b;            /* second socket of a pair, pass recipient, or signal number */
	int type;         /* SOCK_* */
	char kind;        /* address: 'a' abstract, 'p' pathname (also the mkdir path) */
	const char *name; /* address name or path */
	uint64_t scoped, handled;
	int tsync, nrules;
	const struct rule *rules;
	const char *text;   /* the step, as scopecheck prints it */
	const char *expect; /* the model's result */
};
`;

const RUNTIME = String.raw`
#define TIMEOUT_MS 10000

/* ------------------------------------------------------------------------------------ */
/* Control channels                                                                     */

enum { CMD_STEP = 1, CMD_INSTALL, CMD_REAP };

struct cmd {
	int kind;
	int step;
	int pid;  /* kill/tgkill: target thread group; reap: the pid */
	int tid;  /* tgkill: target thread */
	int sock; /* install */
};

struct reply {
	int err;
	int val;
};

static int send_msg(int fd, const void *buf, size_t len, int passfd)
{
	struct iovec iov = { (void *)buf, len };
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (passfd >= 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.b;
		mh.msg_controllen = sizeof(u.b);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &passfd, sizeof(int));
	}
	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

/* The message size (0 on EOF, -1 on error); *gotfd = a received descriptor or -1. */
static ssize_t recv_msg(int fd, void *buf, size_t len, int *gotfd)
{
	struct iovec iov = { buf, len };
	union {
		char b[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} u;
	struct msghdr mh;
	ssize_t n;

	*gotfd = -1;
	do {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = u.b;
		mh.msg_controllen = sizeof(u.b);
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n > 0) {
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
				int f;

				memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (*gotfd < 0)
					*gotfd = f;
				else
					close(f);
			}
		}
	}
	return n;
}

/* ------------------------------------------------------------------------------------ */
/* Task side: runs in every process and thread of the scenario                          */

static char g_prefix[48]; /* abstract names: "\0" + prefix + name */
static size_t g_prefix_len;
static int g_sock[NSOCKS + 1];  /* per process: socket index -> descriptor, -1 if not held */
static int g_chans[NTASKS + 1]; /* per process: the channels of this process's tasks */
static int g_nchans;

static socklen_t make_addr(const struct step *st, struct sockaddr_un *sa)
{
	size_t n = strlen(st->name);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (st->kind == 'a') {
		memcpy(sa->sun_path + 1, g_prefix, g_prefix_len);
		memcpy(sa->sun_path + 1 + g_prefix_len, st->name, n);
		return offsetof(struct sockaddr_un, sun_path) + 1 + g_prefix_len + n;
	}
	memcpy(sa->sun_path, st->name, n);
	return offsetof(struct sockaddr_un, sun_path) + n + 1;
}

/* landlock_create_ruleset, then per rule open(O_PATH) + landlock_add_rule, then
 * landlock_restrict_self: the first error, or 0. */
static int do_restrict_self(const struct step *st)
{
	struct ll_ruleset_attr attr = { st->handled, 0, st->scoped };
	int rfd, e = 0;

	rfd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0U);
	if (rfd < 0)
		return errno;
	for (int i = 0; i < st->nrules && !e; i++) {
		struct ll_path_beneath_attr pb;
		int pfd = open(st->rules[i].path, O_PATH | O_CLOEXEC);

		if (pfd < 0) {
			e = errno;
			break;
		}
		pb.allowed_access = st->rules[i].access;
		pb.parent_fd = pfd;
		if (syscall(SYS_landlock_add_rule, rfd, LL_RULE_PATH_BENEATH, &pb, 0U) < 0)
			e = errno;
		close(pfd);
	}
	if (!e && syscall(SYS_landlock_restrict_self, rfd, st->tsync ? LL_RESTRICT_SELF_TSYNC : 0U) < 0)
		e = errno;
	close(rfd);
	return e;
}

static void task_loop(int chan) __attribute__((noreturn));

static void *thread_main(void *arg)
{
	int ch = (int)(intptr_t)arg;
	struct reply hello = { 0, (int)syscall(SYS_gettid) };

	if (send_msg(ch, &hello, sizeof(hello), -1))
		_exit(0);
	task_loop(ch);
}

static void task_loop(int chan)
{
	for (;;) {
		struct cmd c;
		struct reply r = { 0, 0 };
		int fd, outfd = -1;

		if (recv_msg(chan, &c, sizeof(c), &fd) != (ssize_t)sizeof(c))
			_exit(0); /* the coordinator is gone: the whole process exits */
		if (c.kind == CMD_INSTALL) {
			if (c.sock < 0 || c.sock >= NSOCKS || fd < 0) {
				r.err = EINVAL;
			} else if (g_sock[c.sock] < 0) {
				g_sock[c.sock] = fd;
				fd = -1;
			} /* else: already holds this socket and keeps one descriptor (fd closed below) */
		} else if (c.kind == CMD_REAP) {
			while (waitpid(c.pid, NULL, __WALL) < 0)
				if (errno != EINTR) {
					r.err = errno;
					break;
				}
		} else if (c.kind == CMD_STEP && c.step >= 0 && c.step < NSTEPS) {
			const struct step *st = &steps[c.step];
			struct sockaddr_un sa;
			socklen_t sl;
			int sfd = st->a >= 0 && st->a < NSOCKS ? g_sock[st->a] : -1;

			switch (st->op) {
			case OP_FORK: {
				pid_t p;

				if (fd < 0) {
					r.err = EINVAL;
					break;
				}
				p = fork();
				if (p == 0) {
					struct reply hello = { 0, (int)getpid() };

					for (int i = 0; i < g_nchans; i++)
						close(g_chans[i]);
					g_chans[0] = chan = fd;
					g_nchans = 1;
					if (send_msg(chan, &hello, sizeof(hello), -1))
						_exit(0);
					continue;
				}
				if (p < 0)
					r.err = errno;
				break;
			}
			case OP_THREAD: {
				pthread_attr_t at;
				pthread_t th;
				int e;

				if (fd < 0 || g_nchans > NTASKS) {
					r.err = EINVAL;
					break;
				}
				g_chans[g_nchans++] = fd;
				pthread_attr_init(&at);
				pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
				pthread_attr_setstacksize(&at, 128 * 1024);
				e = pthread_create(&th, &at, thread_main, (void *)(intptr_t)fd);
				pthread_attr_destroy(&at);
				if (e) {
					g_nchans--;
					r.err = e;
				} else {
					fd = -1;
				}
				break;
			}
			case OP_EXIT:
				_exit(0); /* exit_group: the whole process; the coordinator sees EOF */
			case OP_RESTRICT_SELF:
				r.err = do_restrict_self(st);
				break;
			case OP_MKDIR:
				if (mkdir(st->name, 0755) < 0)
					r.err = errno;
				break;
			case OP_SOCKET: {
				int s = socket(AF_UNIX, st->type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

				if (s < 0)
					r.err = errno;
				else
					g_sock[st->a] = s;
				break;
			}
			case OP_SOCKETPAIR: {
				int sv[2];

				if (socketpair(AF_UNIX, st->type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
					r.err = errno;
				} else {
					g_sock[st->a] = sv[0];
					g_sock[st->b] = sv[1];
				}
				break;
			}
			case OP_BIND:
				sl = make_addr(st, &sa);
				if (sfd < 0)
					r.err = EBADF;
				else if (bind(sfd, (struct sockaddr *)&sa, sl) < 0)
					r.err = errno;
				break;
			case OP_LISTEN:
				if (sfd < 0)
					r.err = EBADF;
				else if (listen(sfd, 16) < 0)
					r.err = errno;
				break;
			case OP_CONNECT:
				sl = make_addr(st, &sa);
				if (sfd < 0)
					r.err = EBADF;
				else if (connect(sfd, (struct sockaddr *)&sa, sl) < 0)
					r.err = errno;
				break;
			case OP_SENDTO:
				sl = make_addr(st, &sa);
				if (sfd < 0)
					r.err = EBADF;
				else if (sendto(sfd, "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&sa, sl) < 0)
					r.err = errno;
				break;
			case OP_SEND:
				if (sfd < 0)
					r.err = EBADF;
				else if (send(sfd, "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
					r.err = errno;
				break;
			case OP_PASS:
				if (sfd < 0)
					r.err = EBADF;
				else
					outfd = sfd; /* to the coordinator, which installs it in the recipient */
				break;
			case OP_CLOSE:
				if (sfd < 0) {
					r.err = EBADF;
				} else {
					close(sfd);
					g_sock[st->a] = -1;
				}
				break;
			case OP_KILL:
				if (kill(c.pid, st->b) < 0)
					r.err = errno;
				break;
			case OP_TGKILL:
				if (syscall(SYS_tgkill, c.pid, c.tid, st->b) < 0)
					r.err = errno;
				break;
			default:
				r.err = EINVAL;
			}
		} else {
			r.err = EINVAL;
		}
		if (fd >= 0)
			close(fd);
		if (send_msg(chan, &r, sizeof(r), outfd))
			_exit(0);
	}
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

static void p0_main(int chan, const char *dir) __attribute__((noreturn));
static void p0_main(int chan, const char *dir)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL); /* inherited by every task: a signal never kills one */
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || chdir(dir) < 0)
		_exit(127);
	for (int s = 0; s < NSOCKS + 1; s++)
		g_sock[s] = -1;
	g_chans[0] = chan;
	g_nchans = 1;
	task_loop(chan);
}

/* ------------------------------------------------------------------------------------ */
/* Coordinator                                                                          */

enum { FAIL_NONE = 0, FAIL_TIMEOUT, FAIL_CRASH, FAIL_INTERNAL };
static const char *const fail_names[] = { "", "timed out", "a task died unexpectedly", "internal error" };

struct ctask {
	pid_t tid;
	int chan;
	int proc;
};

struct cproc {
	pid_t pid;
	int parent; /* process index, or -1 for the coordinator */
	int alive;
};

static struct ctask g_ct[NTASKS + 1];
static struct cproc g_cp[NTASKS + 1];
static int g_nct, g_ncp;
static int64_t g_deadline;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_readable(int fd)
{
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int64_t left = g_deadline - now_ms();
		int r = poll(&p, 1, left < 0 ? 0 : (int)left);

		if (r > 0)
			return 1;
		if (r == 0)
			return 0;
		if (errno != EINTR)
			return 1;
	}
}

static int co_recv(int chan, struct reply *r, int *gotfd)
{
	int fd;
	ssize_t n;

	if (!wait_readable(chan))
		return FAIL_TIMEOUT;
	n = recv_msg(chan, r, sizeof(*r), &fd);
	if (n != (ssize_t)sizeof(*r) || !gotfd) {
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	if (gotfd)
		*gotfd = fd;
	return n == (ssize_t)sizeof(*r) ? FAIL_NONE : FAIL_CRASH;
}

static int co_call(int task, const struct cmd *c, int passfd, struct reply *r, int *gotfd)
{
	if (g_ct[task].chan < 0 || send_msg(g_ct[task].chan, c, sizeof(*c), passfd))
		return FAIL_CRASH;
	return co_recv(g_ct[task].chan, r, gotfd);
}

static int live_task_of(int proc)
{
	for (int t = 0; t < g_nct; t++)
		if (g_ct[t].proc == proc && g_ct[t].chan >= 0)
			return t;
	return -1;
}

/* Step i: FAIL_*; on FAIL_NONE *res is 0 or an errno. */
static int co_step(int i, int *res)
{
	const struct step *st = &steps[i];
	struct cmd c = { CMD_STEP, i, 0, 0, 0 };
	struct reply r = { 0, 0 };
	int f, by = st->by;

	*res = 0;
	switch (st->op) {
	case OP_FORK:
	case OP_THREAD: {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
			return FAIL_INTERNAL;
		f = co_call(by, &c, sv[1], &r, NULL);
		close(sv[1]);
		if (f || r.err) {
			close(sv[0]);
			*res = r.err;
			return f;
		}
		g_ct[st->a].chan = sv[0];
		g_nct = st->a + 1;
		if (st->op == OP_FORK) {
			g_ct[st->a].proc = g_ncp;
			g_cp[g_ncp].parent = g_ct[by].proc;
			g_cp[g_ncp].pid = 0;
			g_cp[g_ncp++].alive = 1;
		} else {
			g_ct[st->a].proc = g_ct[by].proc;
		}
		/* hello from the new task (its pid or tid), once it is set up */
		f = co_recv(sv[0], &r, NULL);
		if (f)
			return f;
		g_ct[st->a].tid = r.val;
		if (st->op == OP_FORK)
			g_cp[g_ct[st->a].proc].pid = r.val;
		return FAIL_NONE;
	}
	case OP_EXIT: {
		int p = g_ct[by].proc, chan = g_ct[by].chan, fd;
		ssize_t n;

		if (send_msg(chan, &c, sizeof(c), -1))
			return FAIL_CRASH;
		if (!wait_readable(chan)) /* EOF: the process and its descriptors are gone */
			return FAIL_TIMEOUT;
		n = recv_msg(chan, &r, sizeof(r), &fd);
		if (fd >= 0)
			close(fd);
		if (n != 0)
			return FAIL_INTERNAL;
		if (g_cp[p].parent < 0) { /* our child (or reparented to us, the subreaper) */
			while (waitpid(g_cp[p].pid, NULL, __WALL) < 0)
				if (errno != EINTR)
					return FAIL_INTERNAL;
		} else { /* reaped by its parent process */
			int t = live_task_of(g_cp[p].parent);
			struct cmd rc = { CMD_REAP, 0, g_cp[p].pid, 0, 0 };

			if (t < 0)
				return FAIL_INTERNAL;
			f = co_call(t, &rc, -1, &r, NULL);
			if (f)
				return f;
			if (r.err)
				return FAIL_INTERNAL;
		}
		g_cp[p].alive = 0;
		for (int t = 0; t < g_nct; t++)
			if (g_ct[t].proc == p && g_ct[t].chan >= 0) {
				close(g_ct[t].chan);
				g_ct[t].chan = -1;
			}
		for (int q = 0; q < g_ncp; q++)
			if (g_cp[q].parent == p)
				g_cp[q].parent = -1; /* orphans are reparented to the coordinator */
		return FAIL_NONE;
	}
	case OP_KILL:
	case OP_TGKILL: {
		const struct ctask *tg = &g_ct[st->a];

		if (!g_cp[tg->proc].alive) {
			*res = ESRCH; /* reaped: its pid is never passed to the kernel */
			return FAIL_NONE;
		}
		c.pid = g_cp[tg->proc].pid;
		c.tid = tg->tid;
		f = co_call(by, &c, -1, &r, NULL);
		*res = r.err;
		return f;
	}
	case OP_PASS: {
		int fd;
		struct cmd ic = { CMD_INSTALL, i, 0, 0, st->a };

		f = co_call(by, &c, -1, &r, &fd);
		if (f)
			return f;
		if (r.err) {
			if (fd >= 0)
				close(fd);
			*res = r.err;
			return FAIL_NONE;
		}
		if (fd < 0)
			return FAIL_INTERNAL;
		f = co_call(st->b, &ic, fd, &r, NULL);
		close(fd);
		*res = r.err;
		return f;
	}
	default:
		f = co_call(by, &c, -1, &r, NULL);
		*res = r.err;
		return f;
	}
}

/* Kills every process of the scenario (never a reaped pid) and reaps them all. */
static void teardown(pid_t pgid)
{
	int any = 0;

	for (int p = 0; p < g_ncp; p++)
		any |= g_cp[p].alive;
	if (any && pgid > 0)
		kill(-pgid, SIGKILL);
	for (int p = 0; p < g_ncp; p++)
		if (g_cp[p].alive && g_cp[p].pid > 0) {
			kill(g_cp[p].pid, SIGKILL);
			g_cp[p].alive = 0;
		}
	for (int t = 0; t < NTASKS; t++)
		if (g_ct[t].chan >= 0) {
			close(g_ct[t].chan);
			g_ct[t].chan = -1;
		}
	for (;;) /* orphans come back to us: we are a child subreaper */
		if (waitpid(-1, NULL, __WALL) < 0 && errno != EINTR)
			break;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP || flag == FTW_D)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static const char *errno_name(int e, char *buf, size_t len)
{
	switch (e) {
	case 0: return "ok";
#define E(x) case x: return #x;
	E(EPERM) E(ENOENT) E(ESRCH) E(EINTR) E(EIO) E(ENXIO) E(E2BIG) E(EBADF) E(ECHILD) E(EAGAIN)
	E(ENOMEM) E(EACCES) E(EFAULT) E(EBUSY) E(EEXIST) E(EXDEV) E(ENOTDIR) E(EISDIR) E(EINVAL)
	E(ENFILE) E(EMFILE) E(ENOSPC) E(EROFS) E(EPIPE) E(ENAMETOOLONG) E(ENOSYS) E(ENOTEMPTY)
	E(ELOOP) E(ENOMSG) E(ENOTSOCK) E(EDESTADDRREQ) E(EMSGSIZE) E(EPROTOTYPE) E(ENOPROTOOPT)
	E(EPROTONOSUPPORT) E(EOPNOTSUPP) E(EAFNOSUPPORT) E(EADDRINUSE) E(EADDRNOTAVAIL)
	E(ENETDOWN) E(ECONNABORTED) E(ECONNRESET) E(ENOBUFS) E(EISCONN) E(ENOTCONN) E(ESHUTDOWN)
	E(ETIMEDOUT) E(ECONNREFUSED) E(EALREADY) E(EINPROGRESS)
#undef E
	}
	snprintf(buf, len, "E%d", e);
	return buf;
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[4096], buf[16];
	struct timespec ts;
	int sv[2], fail = FAIL_NONE, nres = 0, differ = 0;
	long abi, errata;
	pid_t p0;

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

	clock_gettime(CLOCK_REALTIME, &ts);
	g_prefix_len = (size_t)snprintf(g_prefix, sizeof(g_prefix), "scx%d.%ld.", (int)getpid(),
					(long)(ts.tv_nsec / 1000 % 1000000));
	snprintf(dir, sizeof(dir), "%s/scopecheck-export-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	for (int t = 0; t < NTASKS + 1; t++)
		g_ct[t].chan = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("socketpair");
		rmdir(dir);
		return 1;
	}
	fflush(stdout);
	p0 = fork();
	if (p0 == 0) {
		close(sv[0]);
		p0_main(sv[1], dir);
	}
	close(sv[1]);
	if (p0 < 0) {
		perror("fork");
		close(sv[0]);
		rmdir(dir);
		return 1;
	}
	setpgid(p0, p0);
	g_cp[0].pid = p0;
	g_cp[0].parent = -1;
	g_cp[0].alive = 1;
	g_ct[0].tid = p0;
	g_ct[0].chan = sv[0];
	g_ct[0].proc = 0;
	g_ncp = g_nct = 1;
	g_deadline = now_ms() + TIMEOUT_MS;

	for (int i = 0; i < NSTEPS; i++) {
		int res;
		const char *got;

		fail = co_step(i, &res);
		if (fail) {
			printf("step %d: %s: %s\n", i, steps[i].text, fail_names[fail]);
			break;
		}
		nres++;
		got = errno_name(res, buf, sizeof(buf));
		if (strcmp(got, steps[i].expect))
			differ++;
		printf("step %d: %s = %s (expected %s)%s\n", i, steps[i].text, got, steps[i].expect,
		       strcmp(got, steps[i].expect) ? "  <-- DIFFERS" : "");
	}
	teardown(p0);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);

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
