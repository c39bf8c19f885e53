/*
 * scopecheck: how a scenario is performed on the live kernel, shared by the replayer
 * (replayer/replayer.c, which #includes this file) and by every program that
 * `scopecheck export --as c` writes (which carries a verbatim copy of it), so both perform
 * every op the same way. Needs only libc; a single unit of static definitions.
 *
 * Every task (process or thread) of a scenario owns one end of a SOCK_SEQPACKET socketpair
 * whose other end the coordinator holds. The coordinator sends "perform step i" and waits
 * for the answer, so every step runs in the task that names it, one at a time. The steps
 * (g_steps) are in the coordinator's memory, inherited by P0 and by every task forked from
 * it, so a command carries only the step index and the runtime pids.
 *
 * Op semantics: non-blocking sockets, MSG_DONTWAIT|MSG_NOSIGNAL, abstract names under a
 * per-run prefix (g_prefix), pathnames relative to every task's cwd, SIGUSR1 caught,
 * restrict_self = create_ruleset + per rule open(O_PATH) + add_rule + restrict_self (with
 * TSYNC when asked), EBADF for a socket the process does not hold, ESRCH for an exited
 * (reaped) task, `pass` over SCM_RIGHTS through the channels.
 *
 * The including file defines, before it:
 *   MAX_TASKS, MAX_SOCKS  sizes of the task and socket tables (more than the scenario uses)
 * and, after it, the function that starts P0 in the child that co_start() forks:
 *   static void p0_main(int chan, const char *dir): its own set-up, then task_start().
 * Before co_start() it sets g_steps, g_nsteps, g_prefix/g_prefix_len and g_deadline.
 */
#ifndef SCOPECHECK_OPS_H
#define SCOPECHECK_OPS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
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

#if !defined(MAX_TASKS) || !defined(MAX_SOCKS)
#error "define MAX_TASKS and MAX_SOCKS before this file"
#endif

/*
 * Limits and constants that duplicate the model's or the format's (keep them equal):
 *   MAX_NAME                   an abstract name or a path, in bytes: at most 64 in the scenario
 *                              format (format/scenario.ts, docs/scenario-format.md)
 *   SCOPECHECK_LISTEN_BACKLOG  the backlog every listen() is given: the model's LISTEN_BACKLOG
 *                              (model/af_unix.ts), which decides when a connect() to a full
 *                              listener fails
 * (The replayer's own limits on a scenario are at the top of replayer/replayer.c.)
 */
#define MAX_NAME 64
#define SCOPECHECK_LISTEN_BACKLOG 16

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

/* ------------------------------------------------------------------------------------ */
/* Steps                                                                                */

/*
 * The ops, listed once: enum op here, and the replayer's parser (replayer/replayer.c: its table
 * of op names and argument signatures) are generated from this list. An op added here makes
 * every switch over enum op that lacks it warn (-Wswitch, -Wswitch-enum: they have no default;
 * kernel/build-replayer.ts makes these errors), so the task's step (task_loop) and the
 * coordinator's (co_step) cannot miss it.
 *
 * X(name, NAME, args): name is the op's wire name (the model's op name, format/scenario.ts),
 * OP_NAME its enum constant, args its argument signature: one character per argument, in wire
 * order. The arguments marked "slot" fill the step's a, then b.
 *   b  BY       a live task                                      -> by
 *   e  BY       a live task, whose process exits with the step   -> by
 *   f  CHILD    the next task index: a new process               -> slot
 *   t  CHILD    the next task index: a new thread of BY's process -> slot
 *   o  TO       a live task                                      -> slot
 *   g  TARGET   a task introduced earlier, live or exited        -> slot
 *   n  SOCK     the next socket index: a new socket              -> slot
 *   s  SOCK     a socket introduced earlier                      -> slot
 *   S  SIG      0 | USR1                                         -> slot (the signal number)
 *   y  TYPE     stream | dgram | seqpacket                       -> type
 *   A  ADDR     "a NAME" (abstract) | "p PATH" (pathname)        -> addr
 *   P  PATH     a relative path                                  -> addr (kind 'p')
 *   m  SCOPED   a decimal bit mask                               -> scoped
 *   h  HANDLED  a decimal bit mask (filesystem access rights)    -> handled
 *   z  TSYNC    0 | 1                                            -> tsync
 *   r  NRULES (PATH ACCESS)*  the rules, ACCESS a decimal mask   -> nrules, rules
 */
#define SCOPECHECK_OPS(X)                        \
	X(fork, FORK, "bf")                      \
	X(thread, THREAD, "bt")                  \
	X(exit, EXIT, "e")                       \
	X(restrict_self, RESTRICT_SELF, "bmhzr") \
	X(mkdir, MKDIR, "bP")                    \
	X(socket, SOCKET, "bny")                 \
	X(socketpair, SOCKETPAIR, "bnny")        \
	X(bind, BIND, "bsA")                     \
	X(listen, LISTEN, "bs")                  \
	X(connect, CONNECT, "bsA")               \
	X(sendto, SENDTO, "bsA")                 \
	X(send, SEND, "bs")                      \
	X(pass, PASS, "bso")                     \
	X(close, CLOSE, "bs")                    \
	X(kill, KILL, "bgS")                     \
	X(tgkill, TGKILL, "bgS")

/* Test hooks of the replayer, not ops of the model (its parser accepts them only with
 * SCOPECHECK_REPLAY_TEST_HOOKS=1): hang = the task never answers, crash = its process dies. */
#define SCOPECHECK_TEST_OPS(X) \
	X(hang, HANG, "b")     \
	X(crash, CRASH, "b")

#define SCOPECHECK_OP_ENUM_(name, NAME, args) OP_##NAME,
#define SCOPECHECK_OP_COUNT_(name, NAME, args) +1
enum op { SCOPECHECK_OPS(SCOPECHECK_OP_ENUM_) SCOPECHECK_TEST_OPS(SCOPECHECK_OP_ENUM_) };
enum { OP_COUNT = 0 SCOPECHECK_OPS(SCOPECHECK_OP_COUNT_) SCOPECHECK_TEST_OPS(SCOPECHECK_OP_COUNT_) };
#undef SCOPECHECK_OP_ENUM_
#undef SCOPECHECK_OP_COUNT_

struct addr {
	char kind; /* 'a' abstract, 'p' pathname */
	char name[MAX_NAME + 1];
};

struct rule {
	uint64_t access;
	char path[MAX_NAME + 1];
};

struct step {
	enum op op;
	int by;           /* acting task */
	int a;            /* child task, socket, or signal target */
	int b;            /* second socket of a pair, pass recipient, or signal number */
	int type;         /* SOCK_* */
	struct addr addr; /* bind/connect/sendto; the mkdir path */
	uint64_t scoped, handled;
	int tsync, nrules;
	const struct rule *rules;
};

static const struct step *g_steps; /* the scenario, inherited by every task */
static int g_nsteps;
static char g_prefix[48]; /* abstract names: "\0" + prefix + name */
static size_t g_prefix_len;

/* ------------------------------------------------------------------------------------ */
/* Small helpers                                                                        */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "ok" for 0, else the errno's name (or "E<number>", written into buf). */
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
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
	{
		const char *s = strerrorname_np(e);

		if (s)
			return s;
	}
#endif
	snprintf(buf, len, "E%d", e);
	return buf;
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

/* SIGUSR1 is caught (inherited by every task): a signal never kills one. */
static void install_sigusr1(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
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

static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* ------------------------------------------------------------------------------------ */
/* Channel messages                                                                     */

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

static int g_sock[MAX_SOCKS];  /* per process: socket index -> descriptor, -1 if not held */
static int g_chans[MAX_TASKS]; /* per process: the channels of this process's tasks */
static int g_nchans;

static socklen_t make_addr(const struct addr *a, struct sockaddr_un *sa)
{
	size_t n = strlen(a->name);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (a->kind == 'a') {
		memcpy(sa->sun_path + 1, g_prefix, g_prefix_len);
		memcpy(sa->sun_path + 1 + g_prefix_len, a->name, n);
		return offsetof(struct sockaddr_un, sun_path) + 1 + g_prefix_len + n;
	}
	memcpy(sa->sun_path, a->name, n);
	return offsetof(struct sockaddr_un, sun_path) + n + 1;
}

/* landlock_create_ruleset, then per rule open(O_PATH) + landlock_add_rule, then
 * landlock_restrict_self: the first error, or 0. */
static int do_restrict_self(const struct step *st)
{
	struct ll_ruleset_attr attr = {
		.handled_access_fs = st->handled,
		.handled_access_net = 0,
		.scoped = st->scoped,
	};
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
			if (c.sock < 0 || c.sock >= MAX_SOCKS || fd < 0) {
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
		} else if (c.kind == CMD_STEP && c.step >= 0 && c.step < g_nsteps &&
			   (unsigned)g_steps[c.step].op < OP_COUNT) {
			const struct step *st = &g_steps[c.step];
			struct sockaddr_un sa;
			socklen_t sl;
			int sfd = st->a >= 0 && st->a < MAX_SOCKS ? g_sock[st->a] : -1;

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
				else
					r.val = (int)p;
				break;
			}
			case OP_THREAD: {
				pthread_attr_t at;
				pthread_t th;
				int e;

				if (fd < 0 || g_nchans >= MAX_TASKS) {
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
				if (mkdir(st->addr.name, 0755) < 0)
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
				sl = make_addr(&st->addr, &sa);
				if (sfd < 0)
					r.err = EBADF;
				else if (bind(sfd, (struct sockaddr *)&sa, sl) < 0)
					r.err = errno;
				break;
			case OP_LISTEN:
				if (sfd < 0)
					r.err = EBADF;
				else if (listen(sfd, SCOPECHECK_LISTEN_BACKLOG) < 0)
					r.err = errno;
				break;
			case OP_CONNECT:
				sl = make_addr(&st->addr, &sa);
				if (sfd < 0)
					r.err = EBADF;
				else if (connect(sfd, (struct sockaddr *)&sa, sl) < 0)
					r.err = errno;
				break;
			case OP_SENDTO:
				sl = make_addr(&st->addr, &sa);
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
			case OP_HANG:
				for (;;)
					pause();
			case OP_CRASH:
				raise(SIGKILL);
				_exit(1);
			} /* no default: -Wswitch-enum names an op of SCOPECHECK_OPS missing here */
		} else {
			r.err = EINVAL;
		}
		if (fd >= 0)
			close(fd);
		if (send_msg(chan, &r, sizeof(r), outfd))
			_exit(0);
	}
}

/* P0, the first task, after its program's own set-up: a process group of its own (the
 * scenario's), no_new_privs, the scenario's directory as cwd, then the task loop. */
static void task_start(int chan, const char *dir) __attribute__((noreturn));
static void task_start(int chan, const char *dir)
{
	install_sigusr1();
	setpgid(0, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || chdir(dir) < 0)
		_exit(127);
	g_chans[0] = chan;
	g_nchans = 1;
	task_loop(chan);
}

/* ------------------------------------------------------------------------------------ */
/* Coordinator                                                                          */

enum { FAIL_NONE = 0, FAIL_TIMEOUT, FAIL_CRASH, FAIL_INTERNAL };

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

static struct ctask g_ct[MAX_TASKS];
static struct cproc g_cp[MAX_TASKS];
static int g_nct, g_ncp;
static int64_t g_deadline; /* of the whole scenario, now_ms() time */

/* 1: readable, 0: the deadline passed. */
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
			return 1; /* let the read report the problem */
	}
}

/* One reply from a channel: FAIL_NONE, FAIL_TIMEOUT or FAIL_CRASH (EOF or error). */
static int co_recv(int chan, struct reply *r, int *gotfd)
{
	int fd;
	ssize_t n;

	if (gotfd)
		*gotfd = -1;
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

/* Forgets the previous scenario's tasks and sockets (teardown() has ended them). */
static void co_reset(void)
{
	for (int t = 0; t < MAX_TASKS; t++)
		g_ct[t].chan = -1;
	g_nct = g_ncp = 0;
	for (int s = 0; s < MAX_SOCKS; s++)
		g_sock[s] = -1;
}

static void p0_main(int chan, const char *dir) __attribute__((noreturn)); /* the including file's */

/* Forks P0 (p0_main with its channel and dir) in a process group of its own: its pid, or -1
 * (errno set). */
static pid_t co_start(const char *dir)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		p0_main(sv[1], dir);
	}
	close(sv[1]);
	if (pid < 0) {
		int e = errno;

		close(sv[0]);
		errno = e;
		return -1;
	}
	setpgid(pid, pid);
	g_cp[0].pid = pid;
	g_cp[0].parent = -1;
	g_cp[0].alive = 1;
	g_ct[0].tid = pid;
	g_ct[0].chan = sv[0];
	g_ct[0].proc = 0;
	g_ncp = g_nct = 1;
	return pid;
}

/* Performs step i: FAIL_*; on FAIL_NONE *res is 0 or an errno. */
static int co_step(int i, int *res)
{
	const struct step *st = &g_steps[i];
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
			g_cp[g_ncp].pid = r.val;
			g_cp[g_ncp].parent = g_ct[by].proc;
			g_cp[g_ncp].alive = 1;
			g_ct[st->a].proc = g_ncp++;
		} else {
			g_ct[st->a].proc = g_ct[by].proc;
		}
		g_ct[st->a].tid = 0;
		/* hello from the new task (its pid or tid), once it is set up (inherited channels closed) */
		f = co_recv(sv[0], &r, NULL);
		if (f)
			return f;
		g_ct[st->a].tid = r.val;
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
	case OP_RESTRICT_SELF:
	case OP_MKDIR:
	case OP_SOCKET:
	case OP_SOCKETPAIR:
	case OP_BIND:
	case OP_LISTEN:
	case OP_CONNECT:
	case OP_SENDTO:
	case OP_SEND:
	case OP_CLOSE:
	case OP_HANG:
	case OP_CRASH:
		f = co_call(by, &c, -1, &r, NULL);
		*res = r.err;
		return f;
	} /* no default: -Wswitch-enum names an op of SCOPECHECK_OPS missing here */
	return FAIL_INTERNAL; /* not a valid op (not reached: the parser accepts only the listed ones) */
}

/* Kills every process of the scenario (the group pgid while one of its members is unreaped,
 * so that the id is surely still ours; never a reaped pid) and reaps them all. */
static void teardown(pid_t pgid)
{
	int any = 0;

	for (int p = 0; p < g_ncp; p++)
		any |= g_cp[p].alive;
	if (any && pgid > 0)
		kill(-pgid, SIGKILL);
	for (int p = 0; p < g_ncp; p++)
		if (g_cp[p].alive) {
			kill(g_cp[p].pid, SIGKILL);
			g_cp[p].alive = 0;
		}
	for (int t = 0; t < MAX_TASKS; t++)
		if (g_ct[t].chan >= 0) {
			close(g_ct[t].chan);
			g_ct[t].chan = -1;
		}
	for (;;) /* orphans come back to us: we are a child subreaper */
		if (waitpid(-1, NULL, __WALL) < 0 && errno != EINTR)
			break;
}

#endif /* SCOPECHECK_OPS_H */
