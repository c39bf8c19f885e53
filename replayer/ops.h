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
 * per-run prefix (g_prefix), pathnames relative to every task's cwd, SIGUSR1, SIGUSR2, SIGIO
 * and SIGURG blocked in every task (a delivered one stays pending until an await_signal takes
 * it), restrict_self = create_ruleset + per rule open(O_PATH) + add_rule + restrict_self (with
 * the step's flags; or restrict_self(-1, flags) alone), exec = execve of the program's own
 * image, which resumes the task (task_exec(), task_resume()), EBADF for a descriptor the process does not hold (or of the other kind:
 * a socket op given a pidfd, or the reverse), ESRCH without a syscall for a kill/tgkill of an
 * exited (reaped) task (the other ops that name a task hand the kernel its real pid: see
 * pid_held()), `pass` over SCM_RIGHTS through the channels. P0 leads a new session
 * and process group (setsid) and, unless g_caps_all, has no capability at all.
 *
 * PID namespace (g_want_pidns): co_start() then starts a "scenario init" I, PID 1 of a fresh
 * PID namespace (with a proc of its own on /proc, in a fresh mount namespace, when a step reads
 * /proc: scenario_reads_proc()), which forks P0 and stays as the reaper of the namespace
 * (orphans are reparented to it) and the tracer of last resort (ptrace_traceme), serving the
 * coordinator's commands over a channel of its own. Every pid a task is handed is then the pid
 * in that namespace (what its own getpid() says); kill(-1) reaches exactly the scenario's
 * processes (PID 1 is skipped by the kernel), and SIGKILL of I ends them all
 * (zap_pid_ns_processes()). Without the namespace (not asked for, or refused by the kernel)
 * P0 is the coordinator's child, and a kill_all step fails (FAIL_INTERNAL): kill(-1) is never
 * sent outside a namespace that holds only the scenario.
 *
 * The including file defines, before it:
 *   MAX_TASKS, MAX_SOCKS  sizes of the task and descriptor tables (more than the scenario uses)
 * and, after it, the function that starts P0 in the child that co_start() (or I) forks:
 *   static void p0_main(int chan, const char *dir): its own set-up, then task_start().
 * Before co_start() it sets g_steps, g_nsteps, g_prefix/g_prefix_len, g_deadline, and, if it
 * wants them, g_caps_all (keep every capability) and g_want_pidns (a PID namespace per scenario;
 * needs CAP_SYS_ADMIN, as root or in a user namespace of its own).
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
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
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

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* include/uapi/linux/pidfd.h */
#endif
#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#define SC_LINUX_CAPABILITY_VERSION_3 0x20080522 /* include/uapi/linux/capability.h */

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

/* Our own copies of the uAPI structures (include/uapi/linux/landlock.h). The first 24 bytes
 * are the ABI 6 layout (what is passed when quiet_scoped is 0), the whole the ABI 10 one. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
	uint64_t quiet_access_fs;
	uint64_t quiet_access_net;
	uint64_t quiet_scoped;
};
#define LL_RULESET_ATTR_SIZE_V6 24
#define LL_RULESET_ATTR_SIZE_V10 48

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
 * order. The arguments marked "slot" fill the step's a, then b; the others have a field of
 * their own. Descriptor indices: sockets and pidfds share one index space, in order of
 * introduction (socket, socketpair, accept, pidfd_open).
 *   b  BY       a live task                                      -> by
 *   e  BY       a live task, whose process exits with the step   -> by
 *   f  CHILD    the next task index: a new process               -> slot
 *   t  CHILD    the next task index: a new thread of BY's process -> slot
 *   o  TO       a live task                                      -> slot
 *   g  TARGET   a task introduced earlier, live or exited        -> slot
 *   G  PGRP     a task introduced earlier, live or exited, or "-" -> slot (-1 for "-")
 *   n  SOCK     the next descriptor index: a new socket          -> slot
 *   d  NEWFD    the next descriptor index: a new pidfd           -> slot
 *   s  SOCK/FD  a descriptor index introduced earlier (either kind: the op answers EBADF for
 *               the other kind, as for one the process does not hold) -> slot
 *   w  OWNER    a task introduced earlier, live or exited        -> c
 *   S  SIG      0 | USR1 | USR2 | IO | URG                       -> sig (the signal number)
 *   R  SIG      USR1 | USR2 | IO | URG (a real signal)           -> sig
 *   T  THREAD   0 | 1                                            -> c
 *   O  OOB      0 | 1                                            -> c
 *   M  MODE     attach | read                                    -> c (0, 1)
 *   K  KIND     process | thread | pgrp                          -> d (0, 1, 2)
 *   y  TYPE     stream | dgram | seqpacket                       -> type
 *   A  ADDR     "a NAME" (abstract) | "p PATH" (pathname)        -> addr
 *   P  PATH     a relative path                                  -> addr (kind 'p')
 *   m  SCOPED   a decimal bit mask                               -> scoped
 *   h  HANDLED  a decimal bit mask (filesystem access rights)    -> handled
 *   E  BY       a live task, the main thread of its process (the one introduced by its fork,
 *               or P0), whose other threads end with the step (exec: de_thread()) -> by
 *   x  FLAGS    landlock_restrict_self() flags, decimal (bit 3: TSYNC) -> flags
 *   q  QUIET    a decimal bit mask (quiet_scoped)                -> quiet
 *   u  RULESET  0 | 1 (0: no ruleset, restrict_self(-1, FLAGS))  -> no_ruleset (1 - RULESET)
 *   r  NRULES (PATH ACCESS)*  the rules, ACCESS a decimal mask   -> nrules, rules
 */
#define SCOPECHECK_OPS(X)                              \
	X(fork, FORK, "bf")                            \
	X(thread, THREAD, "bt")                        \
	X(exit, EXIT, "e")                             \
	X(restrict_self, RESTRICT_SELF, "bmhxqur")     \
	X(mkdir, MKDIR, "bP")                          \
	X(socket, SOCKET, "bny")                       \
	X(socketpair, SOCKETPAIR, "bnny")              \
	X(bind, BIND, "bsA")                           \
	X(listen, LISTEN, "bs")                        \
	X(connect, CONNECT, "bsA")                     \
	X(sendto, SENDTO, "bsA")                       \
	X(send, SEND, "bsO")                           \
	X(pass, PASS, "bso")                           \
	X(close, CLOSE, "bs")                          \
	X(kill, KILL, "bgS")                           \
	X(tgkill, TGKILL, "bgS")                       \
	X(await_signal, AWAIT_SIGNAL, "bR")            \
	X(setpgid, SETPGID, "bG")                      \
	X(setsid, SETSID, "b")                         \
	X(killpg, KILLPG, "bgS")                       \
	X(kill_all, KILL_ALL, "bS")                    \
	X(pidfd_open, PIDFD_OPEN, "bgdT")              \
	X(pidfd_send_signal, PIDFD_SEND_SIGNAL, "bsS") \
	X(pdeathsig, PDEATHSIG, "bR")                  \
	X(setown, SETOWN, "bsKwR")                     \
	X(accept, ACCEPT, "bsn")                       \
	X(ptrace, PTRACE, "bgM")                       \
	X(ptrace_traceme, PTRACE_TRACEME, "b")         \
	X(exec, EXEC, "E")

/* Test hooks of the replayer, not ops of the model (its parser accepts them only with
 * SCOPECHECK_REPLAY_TEST_HOOKS=1): hang = the task never answers, crash = its process dies,
 * caps = ok when the task has no capability at all (/proc/thread-self/status: CapInh, CapPrm,
 * CapEff, CapBnd and CapAmb all 0), else ENOTEMPTY. */
#define SCOPECHECK_TEST_OPS(X) \
	X(hang, HANG, "b")     \
	X(crash, CRASH, "b")   \
	X(caps, CAPS, "b")

#define SCOPECHECK_OP_ENUM_(name, NAME, args) OP_##NAME,
#define SCOPECHECK_OP_COUNT_(name, NAME, args) +1
enum op { SCOPECHECK_OPS(SCOPECHECK_OP_ENUM_) SCOPECHECK_TEST_OPS(SCOPECHECK_OP_ENUM_) };
enum { OP_COUNT = 0 SCOPECHECK_OPS(SCOPECHECK_OP_COUNT_) SCOPECHECK_TEST_OPS(SCOPECHECK_OP_COUNT_) };
#undef SCOPECHECK_OP_ENUM_
#undef SCOPECHECK_OP_COUNT_

/* setown's owner kinds (struct step d) and ptrace's modes (c). */
enum { OWNER_PROCESS = 0, OWNER_THREAD = 1, OWNER_PGRP = 2 };
enum { PTRACE_MODE_ATTACH_ = 0, PTRACE_MODE_READ_ = 1 };

struct addr {
	char kind; /* 'a' abstract, 'p' pathname */
	char name[MAX_NAME + 1];
};

struct rule {
	uint64_t access;
	char path[MAX_NAME + 1];
};

/*
 * One step. a and b by op: fork/thread a = child; socket a = new index, socketpair a, b = the
 * new pair; bind/listen/connect/sendto/send/close a = descriptor; pass a = descriptor, b = to;
 * kill/tgkill a = target; setpgid/killpg a = the pgrp task, or -1 ("-": setpgid(0, 0); for
 * killpg, kill(0, sig)); pidfd_open a = target, b = new index; pidfd_send_signal a = index;
 * setown a = socket; accept a = listener, b = new index; ptrace a = target.
 * c: pidfd_open the thread flag, setown the owner task, ptrace the mode (PTRACE_MODE_*_),
 * send the oob flag. d: setown the owner kind (OWNER_*). sig: the signal number of every op
 * that carries one (0 for none: kill, tgkill, killpg, kill_all, pidfd_send_signal).
 */
struct step {
	enum op op;
	int by;           /* acting task */
	int a;            /* see above */
	int b;
	int c, d, sig;
	int type;         /* SOCK_* */
	struct addr addr; /* bind/connect/sendto; the mkdir path */
	uint64_t scoped, handled;
	int tsync, nrules; /* tsync: TSYNC added to flags (the 1.1 field; FLAGS & 8 says it too) */
	const struct rule *rules;
	uint32_t flags;   /* restrict_self: landlock_restrict_self() flags */
	uint64_t quiet;   /* restrict_self: quiet_scoped (0: the 24-byte ruleset attr) */
	int no_ruleset;   /* restrict_self: landlock_restrict_self(-1, flags), nothing created */
};

static const struct step *g_steps; /* the scenario, inherited by every task */
static int g_nsteps;
static char g_prefix[48]; /* abstract names: "\0" + prefix + name */
static size_t g_prefix_len;
static int g_caps_all;    /* keep the runner's capabilities (the scenario's "all"); else none */
static int g_want_pidns;  /* a PID namespace per scenario (see the top) */

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

/* SIGUSR1 is caught (inherited by every task; version 1: a signal never kills one). Every task
 * also keeps it blocked (block_scenario_signals()), so the handler never runs. */
static void install_sigusr1(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

/* The signals a scenario sends (SIG of the wire), which every task keeps blocked: they stay
 * pending until an await_signal takes them (fork and pthread_create inherit the mask). */
static void scenario_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
	sigaddset(set, SIGIO);
	sigaddset(set, SIGURG);
}

/*
 * Empties every capability set of the calling (single-threaded) process, as the kernel
 * selftests do: the bounding set (PR_CAPBSET_DROP of every capability up to the kernel's last,
 * where the next one is EINVAL: cap_prctl_drop()), the ambient set, then effective, permitted
 * and inheritable (capset(), raw, _LINUX_CAPABILITY_VERSION_3). uid and gid stay. Without
 * CAP_SETPCAP (a runner that is not root) the bounding set cannot be changed (EPERM) and is
 * left: nothing of a scenario execs, so it never matters. 0, or -1.
 */
static int drop_caps(void)
{
	struct {
		uint32_t version;
		int pid;
	} hdr = { SC_LINUX_CAPABILITY_VERSION_3, 0 };
	struct {
		uint32_t effective, permitted, inheritable;
	} data[2];

	for (int cap = 0; cap < 1024; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL || errno == EPERM)
				break;
			return -1;
		}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -1;
	memset(data, 0, sizeof(data));
	return syscall(SYS_capset, &hdr, data) < 0 ? -1 : 0;
}

/* Closes every descriptor but stdio, keep1 and keep2 (-1: none). */
static void close_all_but(int keep1, int keep2)
{
	int keep[2] = { keep1 < keep2 ? keep1 : keep2, keep1 < keep2 ? keep2 : keep1 };
	unsigned int from = 3;

	for (int k = 0; k < 2; k++) {
		if (keep[k] < (int)from)
			continue;
		if (keep[k] > (int)from && syscall(SYS_close_range, from, keep[k] - 1, 0) < 0)
			for (int fd = from; fd < keep[k]; fd++)
				close(fd);
		from = keep[k] + 1;
	}
	if (syscall(SYS_close_range, from, ~0U, 0) < 0)
		for (int fd = from; fd < 1024; fd++)
			close(fd);
}

/* waitpid(pid, __WALL) until it is reaped: 0 or an errno. */
static int reap(pid_t pid)
{
	while (waitpid(pid, NULL, __WALL) < 0)
		if (errno != EINTR)
			return errno;
	return 0;
}

/*
 * The tracer's side of ptrace_traceme (ptrace_traceme() made the tracee's real parent, the
 * calling task, its tracer; the tracee then stops itself with SIGSTOP): waits for the tracee's
 * SIGSTOP, lets any other signal it stopped with first go on (a signal-delivery-stop: an
 * ignored SIGCHLD is not ignored while traced, sig_ignored()), then PTRACE_DETACH with signal
 * 0, which discards the SIGSTOP. deadline 0: waits; else polls (WNOHANG) until then, for a
 * coordinator that must not block. 0, or an errno (ETIMEDOUT: the deadline passed).
 */
static int traceme_detach(pid_t tid, int64_t deadline)
{
	for (;;) {
		int st;
		pid_t w = waitpid(tid, &st, __WALL | (deadline ? WNOHANG : 0));

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (w == 0) {
			struct timespec ts = { 0, 200000 };

			if (now_ms() > deadline)
				return ETIMEDOUT;
			nanosleep(&ts, NULL);
			continue;
		}
		if (!WIFSTOPPED(st))
			return ESRCH; /* it died (a crash): this wait reaped it */
		if (WSTOPSIG(st) == SIGSTOP)
			return ptrace(PTRACE_DETACH, tid, NULL, NULL) < 0 ? errno : 0;
		if (ptrace(PTRACE_CONT, tid, NULL, (void *)(intptr_t)WSTOPSIG(st)) < 0)
			return errno;
	}
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

/*
 * CMD_STEP: perform step `step`; CMD_INSTALL: hold the descriptor passed with the command as
 * index `sock`; CMD_REAP: reap `pid` (a child, or for I an orphan); CMD_DETACH: end the
 * tracing of `pid`, which ptrace_traceme made the receiver's tracee (traceme_detach()).
 * Tasks serve all four, the scenario init I the last two.
 */
enum { CMD_STEP = 1, CMD_INSTALL, CMD_REAP, CMD_DETACH };

struct cmd {
	int kind;
	int step;
	int pid;  /* the step's pid, as the scenario's tasks see it (co_step()); reap/detach: the pid */
	int tid;  /* tgkill: target thread */
	int sock; /* install */
	int dom;  /* restrict_self: k of the comm "scD<k>" the domain is created under */
};

/* err: 0 or an errno; val: fork's pid, a hello's pid or tid, or REPLY_BROKEN: the step could
 * not be performed as the op says (the coordinator fails the scenario: FAIL_INTERNAL). */
struct reply {
	int err;
	int val;
};

#define REPLY_BROKEN (-1)

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

static int g_sock[MAX_SOCKS];  /* per process: descriptor index -> descriptor, -1 if not held */
static char g_is_pidfd[MAX_SOCKS]; /* index -> introduced by pidfd_open (the steps say: static) */
static int g_chans[MAX_TASKS]; /* per process: the channels of this process's tasks */
static int g_nchans;

/* The descriptor of index i when the process holds it and it is a socket, else -1 (EBADF). */
static int sock_fd(int i)
{
	return i >= 0 && i < MAX_SOCKS && !g_is_pidfd[i] ? g_sock[i] : -1;
}

/* The descriptor of index i when the process holds it and it is a pidfd, else -1 (EBADF). */
static int pidfd_fd(int i)
{
	return i >= 0 && i < MAX_SOCKS && g_is_pidfd[i] ? g_sock[i] : -1;
}

/* The descriptor of index i, of either kind, when the process holds it, else -1. */
static int any_fd(int i)
{
	return i >= 0 && i < MAX_SOCKS ? g_sock[i] : -1;
}

/* A new descriptor for index i (a fresh one: it holds none yet). */
static void hold_fd(int i, int fd)
{
	if (i >= 0 && i < MAX_SOCKS && g_sock[i] < 0)
		g_sock[i] = fd;
	else
		close(fd);
}

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

/*
 * restrict_self. With a ruleset (st->no_ruleset 0): landlock_create_ruleset (the 24-byte
 * attr when quiet_scoped is 0, else the 48-byte ABI 10 one: an older kernel answers E2BIG),
 * then per rule open(O_PATH) + landlock_add_rule, then the comm "scD<dom>" (PR_SET_NAME: the
 * domain's allocated audit record names it, so records map back to the scenario's layers)
 * and landlock_restrict_self(fd, flags). Without: landlock_restrict_self(-1, flags). The
 * first error, or 0.
 */
static int do_restrict_self(const struct step *st, int dom)
{
	struct ll_ruleset_attr attr = {
		.handled_access_fs = st->handled,
		.handled_access_net = 0,
		.scoped = st->scoped,
		.quiet_scoped = st->quiet,
	};
	uint32_t flags = st->flags | (st->tsync ? LL_RESTRICT_SELF_TSYNC : 0U);
	char comm[16];
	int rfd, e = 0;

	if (st->no_ruleset)
		return syscall(SYS_landlock_restrict_self, -1, flags) < 0 ? errno : 0;
	rfd = (int)syscall(SYS_landlock_create_ruleset, &attr,
			   st->quiet ? LL_RULESET_ATTR_SIZE_V10 : LL_RULESET_ATTR_SIZE_V6, 0U);
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
	if (!e) {
		snprintf(comm, sizeof(comm), "scD%d", dom);
		prctl(PR_SET_NAME, comm, 0, 0, 0);
		if (syscall(SYS_landlock_restrict_self, rfd, flags) < 0)
			e = errno;
	}
	close(rfd);
	return e;
}

/*
 * setown: F_SETSIG (0 for SIGIO: the default, no siginfo), F_SETOWN_EX (f_setown_ex(): ESRCH
 * when the owner's pid is gone), then O_ASYNC added by F_SETFL (setfl() -> sock_fasync(): the
 * socket's fasync list, which sock_wake_async() signals). The first error, or 0.
 */
static int do_setown(int fd, const struct step *st, pid_t id)
{
	struct f_owner_ex ow = {
		.type = st->d == OWNER_THREAD ? F_OWNER_TID : st->d == OWNER_PGRP ? F_OWNER_PGRP : F_OWNER_PID,
		.pid = id,
	};
	int fl;

	if (fcntl(fd, F_SETSIG, st->sig == SIGIO ? 0 : st->sig) < 0 || fcntl(fd, F_SETOWN_EX, &ow) < 0)
		return errno;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_ASYNC) < 0)
		return errno;
	return 0;
}

/*
 * ptrace attach: PTRACE_SEIZE of the thread tid (ptrace_attach(): the access check, Landlock's
 * hook_ptrace_access_check), then at once PTRACE_INTERRUPT, waitpid(__WALL) for the stop and
 * PTRACE_DETACH, all in this thread (the tracer), so the target runs on untraced. The stop
 * is normally the interrupt's PTRACE_EVENT_STOP; a signal-delivery-stop (a signal the target
 * had not blocked) is detached with that signal, which delivers it as if never traced.
 * *broken is set when the seize succeeded but the rest failed. 0, or the seize's errno.
 */
static int do_ptrace_attach(pid_t tid, int *broken)
{
	int st;

	if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) < 0)
		return errno;
	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) < 0) {
		*broken = 1;
		ptrace(PTRACE_DETACH, tid, NULL, NULL);
		return 0;
	}
	while (waitpid(tid, &st, __WALL) < 0)
		if (errno != EINTR) {
			*broken = 1;
			return 0;
		}
	if (!WIFSTOPPED(st)) {
		*broken = 1; /* it died meanwhile */
		return 0;
	}
	if (ptrace(PTRACE_DETACH, tid, NULL, (void *)(intptr_t)((st >> 16) == 0 ? WSTOPSIG(st) : 0)) < 0)
		*broken = 1;
	return 0;
}

/* ptrace read: open("/proc/<tid>/environ") (proc_environ_operations: __mem_open() with
 * PTRACE_MODE_READ, ptrace_may_access() -> EACCES) and close. 0, or the open's errno. */
static int do_ptrace_read(pid_t tid)
{
	char path[40];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* The caps test hook: 0 when /proc/thread-self/status shows no capability in any set,
 * ENOTEMPTY when one does, or the errno of reading it. */
static int check_no_caps(void)
{
	char buf[4096], *p;
	int fd = open("/proc/thread-self/status", O_RDONLY | O_CLOEXEC), n = 0, found = 0;
	ssize_t k;

	if (fd < 0)
		return errno;
	while (n < (int)sizeof(buf) - 1 && (k = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (int)k;
	close(fd);
	buf[n] = 0;
	for (p = buf; (p = strstr(p, "\nCap")); p++) {
		char *v = strchr(p, ':');

		if (!v)
			break;
		found++;
		for (v++; *v == '\t' || *v == ' '; v++)
			;
		for (; *v && *v != '\n'; v++)
			if (*v != '0')
				return ENOTEMPTY;
	}
	return found == 5 ? 0 : EINVAL;
}

static void task_loop(int chan) __attribute__((noreturn));

/*
 * exec: the task (the main thread of its process) executes a new image of this program, which
 * carries on as the same task (task_resume()): the kernel keeps its domain (counted as created
 * by another executable from then on: domain_exec), its descriptors (the channel and every
 * scenario descriptor, with the same numbers: FD_CLOEXEC cleared for them, every other one is
 * closed), pending signals and the signal mask, the parent-death signal, no_new_privs, process
 * group and session, and (caps drop: nothing to regain from an empty bounding set) no
 * capability; it ends the process's other threads (de_thread()). The scenario and the task's
 * state go to the new image in a memfd. Only a program that calls task_resume() from its main
 * when given SCOPECHECK_RESUME_ARG sets g_exec_resumable; elsewhere the step cannot be
 * performed (REPLY_BROKEN). Returns only when execve failed: its errno (or -1: broken).
 */
#define SCOPECHECK_RESUME_ARG "--scopecheck-resume"
#define SCOPECHECK_RESUME_MAGIC 0x53434531u
static int g_exec_resumable;

struct resume_hdr {
	uint32_t magic;
	int nsteps, nrules, chan, caps_all, want_pidns;
	size_t prefix_len;
	char prefix[sizeof(g_prefix)];
	int sock[MAX_SOCKS];
};

static int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void set_cloexec(int fd, int on)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl >= 0)
		fcntl(fd, F_SETFD, on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC);
}

static int task_exec(int chan)
{
	struct resume_hdr h;
	char fdarg[16];
	char *argv[4];
	int mfd, e;

	if (!g_exec_resumable)
		return -1;
	memset(&h, 0, sizeof(h));
	h.magic = SCOPECHECK_RESUME_MAGIC;
	h.nsteps = g_nsteps;
	for (int i = 0; i < g_nsteps; i++)
		h.nrules += g_steps[i].nrules;
	h.chan = chan;
	h.caps_all = g_caps_all;
	h.want_pidns = g_want_pidns;
	h.prefix_len = g_prefix_len;
	memcpy(h.prefix, g_prefix, sizeof(h.prefix));
	memcpy(h.sock, g_sock, sizeof(h.sock));
	mfd = (int)syscall(SYS_memfd_create, "scopecheck-exec", 0U);
	if (mfd < 0)
		return -1;
	e = write_full(mfd, &h, sizeof(h)) || write_full(mfd, g_steps, sizeof(*g_steps) * (size_t)g_nsteps);
	for (int i = 0; i < g_nsteps && !e; i++)
		if (g_steps[i].nrules)
			e = write_full(mfd, g_steps[i].rules, sizeof(struct rule) * (size_t)g_steps[i].nrules);
	if (e || lseek(mfd, 0, SEEK_SET) != 0) {
		close(mfd);
		return -1;
	}
	set_cloexec(chan, 0);
	for (int i = 0; i < MAX_SOCKS; i++)
		if (g_sock[i] >= 0)
			set_cloexec(g_sock[i], 0);
	snprintf(fdarg, sizeof(fdarg), "%d", mfd);
	argv[0] = (char *)"scopecheck-task";
	argv[1] = (char *)SCOPECHECK_RESUME_ARG;
	argv[2] = fdarg;
	argv[3] = NULL;
	execve("/proc/self/exe", argv, environ);
	e = errno;
	set_cloexec(chan, 1);
	for (int i = 0; i < MAX_SOCKS; i++)
		if (g_sock[i] >= 0)
			set_cloexec(g_sock[i], 1);
	close(mfd);
	return e;
}

/*
 * The new image of a task after its exec step (main() calls it when argv[1] is
 * SCOPECHECK_RESUME_ARG; argv[2] is the memfd task_exec() wrote): restores the scenario and the
 * task's descriptors, answers the exec step (ok) and serves the coordinator as before.
 */
static void task_resume(int argc, char **argv) __attribute__((noreturn, unused));
static void task_resume(int argc, char **argv)
{
	static struct resume_hdr h;
	struct step *steps;
	struct rule *rules;
	struct reply r = { 0, 0 };
	int mfd = argc > 2 ? atoi(argv[2]) : -1, k = 0;

	if (mfd < 0 || read_full(mfd, &h, sizeof(h)) || h.magic != SCOPECHECK_RESUME_MAGIC || h.nsteps < 0 ||
	    h.nrules < 0)
		_exit(127);
	steps = calloc((size_t)h.nsteps + 1, sizeof(*steps));
	rules = calloc((size_t)h.nrules + 1, sizeof(*rules));
	if (!steps || !rules || read_full(mfd, steps, sizeof(*steps) * (size_t)h.nsteps) ||
	    read_full(mfd, rules, sizeof(*rules) * (size_t)h.nrules))
		_exit(127);
	close(mfd);
	for (int i = 0; i < h.nsteps; i++) {
		if (steps[i].nrules < 0 || k + steps[i].nrules > h.nrules)
			_exit(127);
		steps[i].rules = steps[i].nrules ? &rules[k] : NULL;
		k += steps[i].nrules;
	}
	g_steps = steps;
	g_nsteps = h.nsteps;
	g_caps_all = h.caps_all;
	g_want_pidns = h.want_pidns;
	g_prefix_len = h.prefix_len;
	memcpy(g_prefix, h.prefix, sizeof(g_prefix));
	memcpy(g_sock, h.sock, sizeof(g_sock));
	memset(g_is_pidfd, 0, sizeof(g_is_pidfd));
	for (int i = 0; i < g_nsteps; i++)
		if (g_steps[i].op == OP_PIDFD_OPEN && g_steps[i].b >= 0 && g_steps[i].b < MAX_SOCKS)
			g_is_pidfd[g_steps[i].b] = 1;
	set_cloexec(h.chan, 1);
	for (int i = 0; i < MAX_SOCKS; i++)
		if (g_sock[i] >= 0)
			set_cloexec(g_sock[i], 1);
	g_chans[0] = h.chan;
	g_nchans = 1;
	install_sigusr1();
	g_exec_resumable = 1;
	if (send_msg(h.chan, &r, sizeof(r), -1))
		_exit(0);
	task_loop(h.chan);
}

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
			} /* else: already holds this descriptor and keeps one (fd closed below) */
		} else if (c.kind == CMD_REAP) {
			r.err = reap(c.pid);
		} else if (c.kind == CMD_DETACH) {
			r.err = traceme_detach(c.pid, 0);
		} else if (c.kind == CMD_STEP && c.step >= 0 && c.step < g_nsteps &&
			   (unsigned)g_steps[c.step].op < OP_COUNT) {
			const struct step *st = &g_steps[c.step];
			struct sockaddr_un sa;
			socklen_t sl;
			int sfd = sock_fd(st->a);

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
				r.err = do_restrict_self(st, c.dom);
				break;
			case OP_EXEC:
				r.err = task_exec(chan); /* returns only when execve failed */
				if (r.err < 0) {
					r.err = 0;
					r.val = REPLY_BROKEN;
				}
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
					hold_fd(st->a, s);
				break;
			}
			case OP_SOCKETPAIR: {
				int sv[2];

				if (socketpair(AF_UNIX, st->type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
					r.err = errno;
				} else {
					hold_fd(st->a, sv[0]);
					hold_fd(st->b, sv[1]);
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
				else if (send(sfd, "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL | (st->c ? MSG_OOB : 0)) < 0)
					r.err = errno;
				break;
			case OP_PASS:
				if (any_fd(st->a) < 0)
					r.err = EBADF;
				else
					outfd = any_fd(st->a); /* to the coordinator, which installs it in the recipient */
				break;
			case OP_CLOSE:
				if (any_fd(st->a) < 0) {
					r.err = EBADF;
				} else {
					close(g_sock[st->a]);
					g_sock[st->a] = -1;
				}
				break;
			case OP_KILL:
				if (kill(c.pid, st->sig) < 0)
					r.err = errno;
				break;
			case OP_TGKILL:
				if (syscall(SYS_tgkill, c.pid, c.tid, st->sig) < 0)
					r.err = errno;
				break;
			case OP_AWAIT_SIGNAL: {
				struct timespec zero = { 0, 0 };
				sigset_t set;
				int s;

				/* dequeue_signal(): this thread's pending signals, then its process's */
				sigemptyset(&set);
				sigaddset(&set, st->sig);
				do
					s = sigtimedwait(&set, NULL, &zero);
				while (s < 0 && errno == EINTR);
				if (s < 0)
					r.err = errno;
				break;
			}
			case OP_SETPGID:
				if (setpgid(0, c.pid) < 0)
					r.err = errno;
				break;
			case OP_SETSID:
				if (setsid() < 0)
					r.err = errno;
				break;
			case OP_KILLPG: /* c.pid 0 (no pgrp task): kill(0, sig), the own group */
				if (kill(-c.pid, st->sig) < 0)
					r.err = errno;
				break;
			case OP_KILL_ALL: /* the coordinator sends this only inside the scenario's PID namespace */
				if (kill(-1, st->sig) < 0)
					r.err = errno;
				break;
			case OP_PIDFD_OPEN: {
				int p = (int)syscall(SYS_pidfd_open, c.pid, st->c ? PIDFD_THREAD : 0);

				if (p < 0)
					r.err = errno;
				else
					hold_fd(st->b, p); /* pidfd_open() sets O_CLOEXEC */
				break;
			}
			case OP_PIDFD_SEND_SIGNAL:
				if (pidfd_fd(st->a) < 0)
					r.err = EBADF;
				else if (syscall(SYS_pidfd_send_signal, pidfd_fd(st->a), st->sig, NULL, 0U) < 0)
					r.err = errno;
				break;
			case OP_PDEATHSIG:
				if (prctl(PR_SET_PDEATHSIG, st->sig, 0, 0, 0) < 0)
					r.err = errno;
				break;
			case OP_SETOWN:
				r.err = sfd < 0 ? EBADF : do_setown(sfd, st, c.pid);
				break;
			case OP_ACCEPT: {
				int s;

				if (sfd < 0) {
					r.err = EBADF;
					break;
				}
				s = accept4(sfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (s < 0)
					r.err = errno;
				else
					hold_fd(st->b, s);
				break;
			}
			case OP_PTRACE: {
				int broken = 0;

				if (st->c == PTRACE_MODE_READ_)
					r.err = do_ptrace_read(c.pid);
				else
					r.err = do_ptrace_attach(c.pid, &broken);
				if (broken)
					r.val = REPLY_BROKEN;
				break;
			}
			case OP_PTRACE_TRACEME:
				if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0) {
					r.err = errno;
					break;
				}
				/*
				 * Traced by the real parent now. Answer first; then stop (a
				 * signal-delivery-stop of this thread only: tgkill), until the tracer,
				 * told by the coordinator, detaches (traceme_detach()); the SIGSTOP is
				 * discarded and this task goes on untraced.
				 */
				if (fd >= 0)
					close(fd);
				if (send_msg(chan, &r, sizeof(r), -1))
					_exit(0);
				syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), SIGSTOP);
				continue;
			case OP_HANG:
				for (;;)
					pause();
			case OP_CRASH:
				raise(SIGKILL);
				_exit(1);
			case OP_CAPS:
				r.err = check_no_caps();
				break;
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

/*
 * P0, the first task, after its program's own set-up: the scenario's signals blocked, a new
 * session and process group (setsid), no capability (unless g_caps_all), no_new_privs, the
 * scenario's directory as cwd, then the task loop. Any failure: exit 127 (the first step
 * sees a crash).
 */
static void task_start(int chan, const char *dir) __attribute__((noreturn));
static void task_start(int chan, const char *dir)
{
	sigset_t set;

	install_sigusr1();
	scenario_sigset(&set);
	if (sigprocmask(SIG_SETMASK, &set, NULL) < 0 || setsid() < 0 || (!g_caps_all && drop_caps() < 0) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || chdir(dir) < 0)
		_exit(127);
	memset(g_is_pidfd, 0, sizeof(g_is_pidfd));
	for (int i = 0; i < g_nsteps; i++)
		if (g_steps[i].op == OP_PIDFD_OPEN && g_steps[i].b >= 0 && g_steps[i].b < MAX_SOCKS)
			g_is_pidfd[g_steps[i].b] = 1;
	g_chans[0] = chan;
	g_nchans = 1;
	task_loop(chan);
}

/* ------------------------------------------------------------------------------------ */
/* Coordinator                                                                          */

enum { FAIL_NONE = 0, FAIL_TIMEOUT, FAIL_CRASH, FAIL_INTERNAL };

/* Every pid and tid below is as the scenario's tasks see it (their own getpid()/gettid(),
 * in the scenario's PID namespace when it has one): the coordinator only hands them on. */
struct ctask {
	pid_t tid;  /* 0 until its hello */
	int chan;   /* -1: gone (or never started) */
	int proc;   /* -1 until started */
};

struct cproc {
	pid_t pid;
	int parent;      /* process index, or -1 for the runner (I, or the coordinator) */
	int ptask;       /* the task whose fork created it while that task lives, else -1 (the
			  * runner: P0, or an orphan); its real parent, tracer of its traceme */
	pid_t pgid, sid; /* as of the last step: fork copies the parent's; setpgid, setsid */
	int alive;       /* not reaped */
};

static struct ctask g_ct[MAX_TASKS];
static struct cproc g_cp[MAX_TASKS];
static int g_nct, g_ncp;
static int64_t g_deadline; /* of the whole scenario, now_ms() time */
static int g_ndomains;     /* Landlock domains the scenario has created so far (restrict_self
			    * steps with a ruleset that succeeded): D1, D2, ... in that order */

/* The scenario init I, when the scenario has a PID namespace of its own (see the top). */
static int g_init_chan = -1; /* its channel, or -1: no namespace */
static pid_t g_init_pid;     /* its pid, in the coordinator's namespace */
static int g_init_hello;     /* its hello (P0's pid, the proc mount) is still to be read */
static int g_own_proc;       /* /proc shows the scenario's pids (ptrace read needs it) */

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

/* A command and its answer over a channel: FAIL_*; FAIL_INTERNAL when the answer is
 * REPLY_BROKEN (the receiver could not do what it was asked). */
static int co_call_chan(int chan, const struct cmd *c, int passfd, struct reply *r, int *gotfd)
{
	int f;

	if (chan < 0 || send_msg(chan, c, sizeof(*c), passfd))
		return FAIL_CRASH;
	f = co_recv(chan, r, gotfd);
	if (!f && r->val == REPLY_BROKEN) {
		if (gotfd && *gotfd >= 0) {
			close(*gotfd);
			*gotfd = -1;
		}
		return FAIL_INTERNAL;
	}
	return f;
}

static int co_call(int task, const struct cmd *c, int passfd, struct reply *r, int *gotfd)
{
	return co_call_chan(g_ct[task].chan, c, passfd, r, gotfd);
}

static int live_task_of(int proc)
{
	for (int t = 0; t < g_nct; t++)
		if (g_ct[t].proc == proc && g_ct[t].chan >= 0)
			return t;
	return -1;
}

/* Task t was started (its fork or thread step succeeded): its tid and process are known. */
static int started(int t)
{
	return t >= 0 && t < g_nct && g_ct[t].proc >= 0 && g_ct[t].tid > 0;
}

/* Forgets the previous scenario's tasks and descriptors (teardown() has ended them). */
static void co_reset(void)
{
	for (int t = 0; t < MAX_TASKS; t++) {
		g_ct[t].chan = -1;
		g_ct[t].tid = 0;
		g_ct[t].proc = -1;
	}
	g_nct = g_ncp = 0;
	g_ndomains = 0;
	for (int s = 0; s < MAX_SOCKS; s++)
		g_sock[s] = -1;
}

static void p0_main(int chan, const char *dir) __attribute__((noreturn)); /* the including file's */

/* The proc filesystem of the calling task's PID namespace on /proc, in its own (new) mount
 * namespace: /proc made private first (so that nothing propagates to the namespace it was
 * copied from; "/" recursively where /proc is no mount point). 0 or an errno. */
static int mount_own_proc(void)
{
	if (mount(NULL, "/proc", NULL, MS_PRIVATE, NULL) < 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return errno;
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return errno;
	return 0;
}

/*
 * The scenario init I: PID 1 of the scenario's PID namespace. It dies with the coordinator
 * (PR_SET_PDEATHSIG, and EOF on its channel) and leads a process group of its own, so that no
 * killpg of the scenario reaches it (no scenario process can join that group: P0 and every
 * process after it are in sessions of their own, and setpgid() needs the same session;
 * kill(-1) skips PID 1 anyway: kill_something_info()). It stays in the coordinator's session:
 * a session of its own (setsid()) would cost a scheduler autogroup per scenario
 * (sched_autogroup_create_attach(); measured: about 20% of the throughput). It keeps every
 * signal blocked, mounts the namespace's proc (mnt: in a mount namespace of its own), forks
 * P0, says hello (err: the proc mount's errno, val: P0's pid) and serves CMD_REAP (P0 and the
 * orphans are its children) and CMD_DETACH (it is the real parent, so the tracer, of their
 * ptrace_traceme). Its exit kills the namespace's every process (zap_pid_ns_processes()).
 */
static void init_main(int ichan, int pchan, const char *dir, int mnt) __attribute__((noreturn));
static void init_main(int ichan, int pchan, const char *dir, int mnt)
{
	struct reply hello = { EPERM, REPLY_BROKEN };
	sigset_t all;
	pid_t p0;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	setpgid(0, 0);
	close_all_but(ichan, pchan);
	if (mnt)
		hello.err = mount_own_proc();
	p0 = fork();
	if (p0 == 0) {
		close(ichan);
		p0_main(pchan, dir); /* task_start() sets the signal mask */
	}
	close(pchan);
	if (p0 > 0)
		hello.val = (int)p0;
	if (send_msg(ichan, &hello, sizeof(hello), -1))
		_exit(0);
	for (;;) {
		struct cmd c;
		struct reply r = { 0, 0 };
		int fd;

		if (recv_msg(ichan, &c, sizeof(c), &fd) != (ssize_t)sizeof(c))
			_exit(0); /* the coordinator is gone: the namespace goes with its init */
		if (fd >= 0)
			close(fd);
		if (c.kind == CMD_REAP)
			r.err = reap(c.pid);
		else if (c.kind == CMD_DETACH)
			r.err = traceme_detach(c.pid, 0);
		else
			r.err = EINVAL;
		if (send_msg(ichan, &r, sizeof(r), -1))
			_exit(0);
	}
}

/* Whether a step of the scenario reads /proc/<pid> (ptrace read): only then does I get a
 * mount namespace and a proc of its own (a mount namespace costs about as much as the PID
 * namespace and I together: copy_mnt_ns(), and a synchronize_rcu_expedited() when the last
 * process leaves it, namespace_unlock()). Nothing else of a scenario looks at /proc. */
static int scenario_reads_proc(void)
{
	for (int i = 0; i < g_nsteps; i++)
		if (g_steps[i].op == OP_PTRACE && g_steps[i].c == PTRACE_MODE_READ_)
			return 1;
	return 0;
}

/*
 * Starts I (clone3 with CLONE_NEWPID, and CLONE_NEWNS for its proc when the scenario reads
 * /proc) with its channel; I forks P0 with sv[1]. I's pid, or -1 when the kernel refuses the
 * PID namespace (warned once).
 */
static pid_t co_start_init(int sv[2], const char *dir)
{
	static int warned;
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	} ca;
	int iv[2], mnt = scenario_reads_proc(), e;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, iv) < 0)
		return -1;
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_NEWPID | (mnt ? CLONE_NEWNS : 0);
	ca.exit_signal = SIGCHLD;
	/* no stack: the child runs on a copy of ours, as after fork() */
	pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0 && errno != ENOSYS && mnt) {
		ca.flags = CLONE_NEWPID; /* a namespace without a proc of its own: no ptrace read */
		mnt = 0;
		pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	}
	if (pid == 0) {
		close(sv[0]);
		close(iv[0]);
		init_main(iv[1], sv[1], dir, mnt);
	}
	e = errno;
	close(iv[1]);
	if (pid < 0) {
		close(iv[0]);
		if (!warned++)
			fprintf(stderr, "scopecheck: warning: no PID namespace for the scenarios (%s): kill_all steps fail\n",
				strerror(e));
		return -1;
	}
	g_init_chan = iv[0];
	g_init_pid = pid;
	g_init_hello = 1;
	return pid;
}

/* Whether /proc is the proc of our own PID namespace (/proc/self names our pid). */
static int proc_is_own(void)
{
	char buf[32];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);

	if (n <= 0)
		return 0;
	buf[n] = 0;
	return atoi(buf) == (int)getpid();
}

/*
 * Starts the scenario: with g_want_pidns, I in a PID namespace of its own, which forks P0
 * (P0's pid comes with I's hello, read by the first co_step()); without (or where the kernel
 * refuses), P0 is forked here. P0 makes itself a session and group leader (task_start()).
 * I's or P0's pid (positive), or -1 (errno set).
 */
static pid_t co_start(const char *dir)
{
	static int own_proc = -1;
	int sv[2];
	pid_t pid = -1;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	g_init_chan = -1;
	g_init_hello = 0;
	if (g_want_pidns)
		pid = co_start_init(sv, dir);
	if (pid < 0) {
		pid = fork();
		if (pid == 0) {
			close(sv[0]);
			p0_main(sv[1], dir);
		}
		if (own_proc < 0)
			own_proc = proc_is_own();
		g_own_proc = own_proc;
	}
	close(sv[1]);
	if (pid < 0) {
		int e = errno;

		close(sv[0]);
		errno = e;
		return -1;
	}
	g_cp[0].pid = g_cp[0].pgid = g_cp[0].sid = g_init_chan < 0 ? pid : 0;
	g_cp[0].parent = -1;
	g_cp[0].ptask = -1;
	g_cp[0].alive = 1;
	g_ct[0].tid = g_cp[0].pid;
	g_ct[0].chan = sv[0];
	g_ct[0].proc = 0;
	g_ncp = g_nct = 1;
	return pid;
}

/* I's hello: P0's pid in the namespace, and whether /proc is the namespace's. */
static int co_init_hello(void)
{
	struct reply r;
	int f = co_recv(g_init_chan, &r, NULL);

	g_init_hello = 0;
	if (f)
		return f;
	if (r.val <= 0)
		return FAIL_INTERNAL;
	g_cp[0].pid = g_cp[0].pgid = g_cp[0].sid = g_ct[0].tid = r.val;
	g_own_proc = r.err == 0;
	return FAIL_NONE;
}

/* Reaps process p, a child of the runner: I's or the coordinator's. FAIL_*. */
static int co_reap_orphan(int p)
{
	struct reply r;
	int f;

	if (g_init_chan >= 0) {
		struct cmd rc = { CMD_REAP, 0, g_cp[p].pid, 0, 0, 0 };

		f = co_call_chan(g_init_chan, &rc, -1, &r, NULL);
		return f ? f : r.err ? FAIL_INTERNAL : FAIL_NONE;
	}
	/* our child (or reparented to us, the subreaper), whose last thread is exiting */
	while (waitpid(g_cp[p].pid, NULL, __WALL) < 0)
		if (errno != EINTR)
			return FAIL_INTERNAL;
	return FAIL_NONE;
}

/*
 * Ends the tracing of task t after its ptrace_traceme, by its tracer: the task whose fork
 * created t's process (over its channel), else the runner (I; or, without a namespace, the
 * coordinator itself, polling until the deadline). FAIL_*.
 */
static int co_detach_traceme(int t)
{
	int tracer = g_cp[g_ct[t].proc].ptask, e;
	struct cmd dc = { CMD_DETACH, 0, g_ct[t].tid, 0, 0, 0 };
	struct reply r;
	int f;

	if (tracer >= 0 || g_init_chan >= 0) {
		f = tracer >= 0 ? co_call(tracer, &dc, -1, &r, NULL) : co_call_chan(g_init_chan, &dc, -1, &r, NULL);
		return f ? f : r.err ? FAIL_INTERNAL : FAIL_NONE;
	}
	e = traceme_detach(g_ct[t].tid, g_deadline > 0 ? g_deadline : now_ms() + 10000);
	return e == ETIMEDOUT ? FAIL_TIMEOUT : e ? FAIL_INTERNAL : FAIL_NONE;
}

/*
 * Whether the kernel may be handed id, a pid, tid, group or session of the scenario. In the
 * scenario's own namespace always: its pids are never reused during a scenario (alloc_pid()
 * counts up from 1), so the kernel answers for an exited process. Without one, only while an
 * unreaped process of the scenario holds the number (as its pid, a thread's tid, its group or
 * its session: the struct pid stays allocated, free_pid()); else the host may have reused it.
 */
static int pid_held(pid_t id)
{
	if (g_init_chan >= 0)
		return 1;
	for (int p = 0; p < g_ncp; p++)
		if (g_cp[p].alive && (g_cp[p].pid == id || g_cp[p].pgid == id || g_cp[p].sid == id))
			return 1;
	for (int t = 0; t < g_nct; t++)
		if (g_ct[t].proc >= 0 && g_cp[g_ct[t].proc].alive && g_ct[t].tid == id)
			return 1;
	return 0;
}

/* Performs step i: FAIL_*; on FAIL_NONE *res is 0 or an errno. */
static int co_step(int i, int *res)
{
	const struct step *st = &g_steps[i];
	struct cmd c = { CMD_STEP, i, 0, 0, 0, 0 };
	struct reply r = { 0, 0 };
	int f, by = st->by;

	*res = 0;
	if (g_init_hello && (f = co_init_hello()) != FAIL_NONE)
		return f;
	if (!started(by))
		return FAIL_INTERNAL;
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
			const struct cproc *pp = &g_cp[g_ct[by].proc];
			struct cproc *np = &g_cp[g_ncp];

			np->pid = r.val;
			np->parent = g_ct[by].proc;
			np->ptask = by;
			np->pgid = pp->pgid;
			np->sid = pp->sid;
			np->alive = 1;
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
		/*
		 * Reaped before the next step: then its every thread has gone through exit_notify(),
		 * so the parent-death signals of its children (forget_original_parent()) are queued.
		 */
		if (g_cp[p].parent < 0) {
			f = co_reap_orphan(p);
			if (f)
				return f;
		} else { /* reaped by its parent process */
			int t = live_task_of(g_cp[p].parent);
			struct cmd rc = { CMD_REAP, 0, g_cp[p].pid, 0, 0, 0 };

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
			if (g_cp[q].parent == p) {
				g_cp[q].parent = -1; /* orphans are reparented to the runner (find_new_reaper()) */
				g_cp[q].ptask = -1;
			}
		return FAIL_NONE;
	}
	case OP_KILL:
	case OP_TGKILL: {
		const struct ctask *tg = &g_ct[st->a];

		if (!started(st->a))
			return FAIL_INTERNAL;
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
		struct cmd ic = { CMD_INSTALL, i, 0, 0, st->a, 0 };

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
	/*
	 * The 1.1 ops that name a task pass its real pid, tid or group as of this step, whether
	 * its process lives or not, and the kernel answers (pid_held(); without the namespace, a
	 * number no longer held gets the kernel's answer for a pid that exists nowhere, without
	 * a syscall). setpgid to a group of no member is EPERM in any case (setpgid() looks for
	 * a member in the caller's session), so it needs no such care.
	 */
	case OP_SETPGID:
	case OP_SETSID:
	case OP_KILLPG: {
		struct cproc *me = &g_cp[g_ct[by].proc];

		if (st->op != OP_SETSID && st->a >= 0) {
			if (!started(st->a))
				return FAIL_INTERNAL;
			c.pid = g_cp[g_ct[st->a].proc].pgid;
		}
		if (st->op == OP_KILLPG && c.pid > 0 && !pid_held(c.pid)) {
			*res = ESRCH; /* __kill_pgrp_info() of an empty group */
			return FAIL_NONE;
		}
		f = co_call(by, &c, -1, &r, NULL);
		*res = r.err;
		if (f || r.err)
			return f;
		if (st->op == OP_SETPGID) {
			me->pgid = st->a >= 0 ? c.pid : me->pid;
		} else if (st->op == OP_SETSID) {
			me->pgid = me->pid;
			me->sid = me->pid;
		}
		return FAIL_NONE;
	}
	case OP_KILL_ALL:
		if (g_init_chan < 0)
			return FAIL_INTERNAL; /* no namespace of the scenario's own: kill(-1) is never sent */
		f = co_call(by, &c, -1, &r, NULL);
		*res = r.err;
		return f;
	case OP_PIDFD_OPEN:
	case OP_PTRACE:
		if (!started(st->a))
			return FAIL_INTERNAL;
		if (st->op == OP_PTRACE && st->c == PTRACE_MODE_READ_ && !g_own_proc)
			return FAIL_INTERNAL; /* /proc/<pid> would not be the scenario's pid */
		c.pid = st->op == OP_PIDFD_OPEN && !st->c ? g_cp[g_ct[st->a].proc].pid : g_ct[st->a].tid;
		if (!pid_held(c.pid)) { /* ESRCH; /proc/<pid> does not exist: ENOENT */
			*res = st->op == OP_PTRACE && st->c == PTRACE_MODE_READ_ ? ENOENT : ESRCH;
			return FAIL_NONE;
		}
		f = co_call(by, &c, -1, &r, NULL);
		*res = r.err;
		return f;
	case OP_SETOWN: {
		const struct cproc *op;

		if (!started(st->c))
			return FAIL_INTERNAL;
		op = &g_cp[g_ct[st->c].proc];
		c.pid = st->d == OWNER_THREAD ? g_ct[st->c].tid : st->d == OWNER_PGRP ? op->pgid : op->pid;
		if (!pid_held(c.pid)) {
			*res = ESRCH; /* f_setown_ex(): no such pid */
			return FAIL_NONE;
		}
		f = co_call(by, &c, -1, &r, NULL);
		*res = r.err;
		return f;
	}
	case OP_PTRACE_TRACEME:
		f = co_call(by, &c, -1, &r, NULL);
		*res = r.err;
		if (f || r.err)
			return f;
		return co_detach_traceme(by); /* the tracee has stopped itself, or is about to */
	case OP_RESTRICT_SELF:
		c.dom = g_ndomains + 1;
		f = co_call(by, &c, -1, &r, NULL);
		*res = r.err;
		if (!f && !r.err && !st->no_ruleset)
			g_ndomains++;
		return f;
	case OP_EXEC: {
		int p = g_ct[by].proc;

		/* the new image answers (task_resume()); the process's other threads are gone */
		f = co_call(by, &c, -1, &r, NULL);
		*res = r.err;
		if (f || r.err)
			return f;
		for (int t = 0; t < g_nct; t++)
			if (t != by && g_ct[t].proc == p && g_ct[t].chan >= 0) {
				close(g_ct[t].chan);
				g_ct[t].chan = -1;
			}
		g_ct[by].tid = g_cp[p].pid; /* the exec'ing thread has the process's pid */
		for (int q = 0; q < g_ncp; q++) /* children of the ended threads: now the survivor's */
			if (g_cp[q].ptask >= 0 && g_cp[q].ptask != by && g_ct[g_cp[q].ptask].proc == p)
				g_cp[q].ptask = by;
		return FAIL_NONE;
	}
	case OP_MKDIR:
	case OP_SOCKET:
	case OP_SOCKETPAIR:
	case OP_BIND:
	case OP_LISTEN:
	case OP_CONNECT:
	case OP_SENDTO:
	case OP_SEND:
	case OP_CLOSE:
	case OP_AWAIT_SIGNAL:
	case OP_PIDFD_SEND_SIGNAL:
	case OP_PDEATHSIG:
	case OP_ACCEPT:
	case OP_HANG:
	case OP_CRASH:
	case OP_CAPS:
		f = co_call(by, &c, -1, &r, NULL);
		*res = r.err;
		return f;
	} /* no default: -Wswitch-enum names an op of SCOPECHECK_OPS missing here */
	return FAIL_INTERNAL; /* not a valid op (not reached: the parser accepts only the listed ones) */
}

/*
 * Kills every process of the scenario and reaps them all. With a namespace: SIGKILL of I,
 * whose exit kills and reaps every process of the namespace before I itself can be reaped
 * (zap_pid_ns_processes()); no pid of the namespace is ever used here. Without: SIGKILL of
 * every unreaped process and of the group each one leads (a child forked by a step that did not
 * complete is in its parent's group), never a reaped pid, then every child (orphans come back
 * to us: we are a child subreaper). The argument is co_start()'s pid (not needed).
 */
static void teardown(pid_t pid)
{
	(void)pid;
	if (g_init_chan >= 0) {
		kill(g_init_pid, SIGKILL);
		close(g_init_chan);
		g_init_chan = -1;
		g_init_hello = 0;
	} else {
		for (int p = 0; p < g_ncp; p++)
			if (g_cp[p].alive)
				kill(g_cp[p].pid, SIGKILL);
		for (int p = 0; p < g_ncp; p++)
			for (int q = 0; q < g_ncp; q++)
				if (g_cp[p].alive && g_cp[q].alive && g_cp[q].pgid == g_cp[p].pid)
					kill(-g_cp[p].pid, SIGKILL);
	}
	for (int p = 0; p < g_ncp; p++)
		g_cp[p].alive = 0;
	for (int t = 0; t < MAX_TASKS; t++)
		if (g_ct[t].chan >= 0) {
			close(g_ct[t].chan);
			g_ct[t].chan = -1;
		}
	for (;;)
		if (waitpid(-1, NULL, __WALL) < 0 && errno != EINTR)
			break;
}

#endif /* SCOPECHECK_OPS_H */
