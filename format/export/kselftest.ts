/**
 * `scopecheck export --as kselftest`: the scenario as one test in the style of
 * tools/testing/selftests/landlock (kselftest_harness.h TEST / ASSERT_* / EXPECT_*, helpers from
 * common.h), ready to paste upstream. It is straight-line code: one function per task, the tasks
 * take turns through one pipe each (every step runs in the task that names it, in order), task
 * ids live in a shared mapping, descriptors are passed over SCM_RIGHTS. Expected values are the
 * scopecheck model's under the given semantics. Pure; not compiled here (the harness is upstream).
 */
import type { SocketType } from '../../model/uapi.js';
import { namesOf, opOf, processes } from '../../ops/index.js';
import type { KselftestContext } from '../../ops/types.js';
import { stepText } from '../render.js';
import { scenarioTasks, scenarioSockets, type Step } from '../scenario.js';
import { cCommentText, identifier, scenarioTitle, wrap, type ExportInput } from './common.js';

const TYPE: Record<SocketType, string> = { stream: 'SOCK_STREAM', dgram: 'SOCK_DGRAM', seqpacket: 'SOCK_SEQPACKET' };
const scopeConst = (n: string) => `LANDLOCK_SCOPE_${n.toUpperCase()}`;
const fsConst = (n: string) => `LANDLOCK_ACCESS_FS_${n.toUpperCase()}`;
const orMask = (names: readonly string[] | undefined, f: (n: string) => string) => (names?.length ? names.map(f).join(' | ') : '0');
const expected = (r: string | undefined) => (r === undefined || r === 'ok' ? '0' : r);

export function exportKselftest(input: ExportInput): string {
  const s = input.scenario;
  const title = scenarioTitle(input);
  const testName = `scoped_${identifier(title).replace(/^scoped_/, '')}`;
  const tasks = scenarioTasks(s);
  const socks = scenarioSockets(s);
  const ti = (n: string) => tasks.indexOf(n);
  const si = (n: string) => socks.indexOf(n);

  // Processes: the task index of each process's first task; threads; who forked whom.
  const { procOf, threads: isThread, exitedAt } = processes(s.steps);
  const exits = new Set(exitedAt.keys());
  const forkedBy = new Map<string, string[]>();
  for (const st of s.steps)
    for (const u of namesOf(st))
      if (u.role === 'newProcess') {
        const p = procOf.get(st.by)!;
        forkedBy.set(p, [...(forkedBy.get(p) ?? []), u.name]);
      }

  const stepsOf = new Map<string, number[]>(tasks.map((t) => [t, []]));
  s.steps.forEach((st, i) => stepsOf.get(st.by)!.push(i));
  const nextActor = (i: number) => (i + 1 < s.steps.length ? ti(s.steps[i + 1]!.by) : -1);

  const ctxOf = (st: Step, i: number): KselftestContext => ({
      i,
      want: expected(input.outcomes[i]?.result),
      me: ti(st.by),
      give: `\tturn_give(${nextActor(i)});`,
      task: ti,
      sock: si,
      proc: (t) => ti(procOf.get(t)!),
      exitedAt: (t) => exitedAt.get(procOf.get(t)!),
      addr: (a) => ('abstract' in a ? `set_addr(&addr, true, "${a.abstract}")` : `set_addr(&addr, false, "${a.pathname}")`),
      scopes: (names) => orMask(names, scopeConst),
      fs: (names) => orMask(names, fsConst),
      type: (t) => TYPE[t],
  });
  const stepCode = (st: Step, i: number): string[] => {
    const ctx = ctxOf(st, i);
    const L: string[] = [`\t/* #${i} ${cCommentText(stepText(st))}: ${input.outcomes[i]?.result ?? '?'} */`, `\tturn_wait(${ctx.me});`, `\tinstall_passed(${ti(procOf.get(st.by)!)});`];
    const piece = opOf(st).kselftest(st, ctx);
    L.push(...piece.lines);
    if (!piece.gives) L.push(ctx.give);
    return L;
  };

  const fnFor = (t: string): string => {
    const thread = isThread.has(t);
    const body: string[] = [];
    if (thread) body.push(`\tctx->tid[${ti(t)}] = gettid();`, `\tturn_give(${ti(s.steps.find((x) => namesOf(x).some((u) => u.role === 'newThread' && u.name === t))!.by)});`, '');
    for (const i of stepsOf.get(t)!) {
      body.push(...stepCode(s.steps[i]!, i), '');
      if (opOf(s.steps[i]!).names.exitsProcess) break;
    }
    if (s.steps.some((x) => opOf(x).names.exitsProcess && x.by === t)) {
      /* the process exits in its last step */
    } else if (thread) body.push('\t/* A thread lives as long as its process. */', '\tfor (;;)', '\t\tpause();', '\treturn NULL;');
    else body.push('\tfinish(_metadata);');
    const sig = thread ? `static void *task_${t}(void *arg)` : `static void task_${t}(struct __test_metadata *const _metadata)`;
    const usesMetadata = body.some((l) => /_metadata|ASSERT_|EXPECT_/.test(l));
    const pre = thread && usesMetadata ? ['\tstruct __test_metadata *const _metadata = arg;', ''] : [];
    return `${sig}\n{\n${[...pre, ...withLocals(body)].join('\n').replace(/\n+$/, '')}\n}`;
  };

  const desc = s.description ? wrap(s.description, 72).map((l) => ` * ${cCommentText(l)}`.trimEnd()) : [];
  const stepsTable = s.steps.map((st, i) => ` *   #${i} ${cCommentText(stepText(st))}: ${input.outcomes[i]?.result ?? '?'}`);
  const others = tasks.filter((t) => t !== 'P0');
  const unfinished = others.filter((t) => !isThread.has(t) && !exits.has(t)).length;
  const p0Children = forkedBy.get('P0') ?? [];

  const p0Body: string[] = ['\tsetup(_metadata);', `\tturn_give(${s.steps.length ? ti(s.steps[0]!.by) : -1});`, ''];
  for (const i of stepsOf.get('P0')!) {
    p0Body.push(...stepCode(s.steps[i]!, i), '');
    if (opOf(s.steps[i]!).names.exitsProcess) break;
  }
  const p0Exits = s.steps.some((x) => opOf(x).names.exitsProcess && x.by === 'P0');
  // What the scenario leaves in its directory: bound pathname sockets and made directories.
  const made: string[] = [];
  s.steps.forEach((st, i) => {
    const undo = input.outcomes[i]?.result === 'ok' ? opOf(st).kselftest(st, ctxOf(st, i)).undo : undefined;
    if (undo) made.push(undo);
  });
  const cleanup = made.reverse();
  const p0Tail: string[] = p0Exits
    ? []
    : [
        '\t/* All steps done: the other processes exit, P0 reaps its children. */',
        '\tturn_wait(-1);',
        `\tfor (int i = 0; i < ${unfinished}; i++)`,
        '\t\tASSERT_EQ(1, write(ctx->quit[1], "q", 1));',
        ...p0Children.flatMap((c) => [
          `\tASSERT_EQ(ctx->pid[${ti(c)}], waitpid(ctx->pid[${ti(c)}], &status, 0));`,
          '\tEXPECT_EQ(true, WIFEXITED(status));',
          '\tEXPECT_EQ(EXIT_SUCCESS, WEXITSTATUS(status));',
        ]),
        ...cleanup,
        '\tEXPECT_EQ(0, chdir("/"));',
        '\tEXPECT_EQ(0, rmdir(ctx->dir));',
      ];

  return `// SPDX-License-Identifier: GPL-2.0
/*
 * Landlock tests - ${cCommentText(title)}
 *
${desc.length ? `${desc.join('\n')}\n *\n` : ''} * Generated by "scopecheck export --as kselftest"${input.source ? ` from ${cCommentText(input.source)}` : ''}.
 * Expected results: the scopecheck model under the semantics "${input.semantics}"${input.errata !== undefined ? ` (errata ${input.errata})` : ''}.
 * Steps:
${stepsTable.join('\n')}
 */

#define _GNU_SOURCE
#include <errno.h>
#include <linux/landlock.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

#define NUM_TASKS ${tasks.length}
#define NUM_SOCKS ${Math.max(1, socks.length)}

/* The result of a call: 0 or its errno. */
#define RES(call) ((call) < 0 ? errno : 0)

/* Tasks: ${tasks.map((t, k) => `${k} = ${t}${isThread.has(t) ? ' (thread)' : ''}`).join(', ')} */
/* Sockets: ${socks.length ? socks.map((k, j) => `${j} = ${k}`).join(', ') : 'none'} */

struct scenario_ctx {
	pid_t pid[NUM_TASKS]; /* thread group of each task */
	pid_t tid[NUM_TASKS];
	bool exited[NUM_TASKS];
	int turn[NUM_TASKS][2]; /* a task runs its next step when it reads a byte */
	int pass[NUM_TASKS][2]; /* SCM_RIGHTS, to the process whose first task has this index */
	int done[2];
	int quit[2];
	char dir[32];
	char prefix[32]; /* abstract names: "\\0" prefix name */
};

struct rule {
	const char *path;
	__u64 access;
};

static struct scenario_ctx *ctx;
static int sock[NUM_SOCKS]; /* per process: socket index -> descriptor, -1 when not held */

static void turn_wait(const int task)
{
	char c;

	while (read(task < 0 ? ctx->done[0] : ctx->turn[task][0], &c, 1) != 1)
		;
}

static void turn_give(const int task)
{
	while (write(task < 0 ? ctx->done[1] : ctx->turn[task][1], ".", 1) != 1)
		;
}

static socklen_t set_addr(struct sockaddr_un *const addr, const bool abstract, const char *const name)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (!abstract) {
		strncpy(addr->sun_path, name, sizeof(addr->sun_path) - 1);
		return offsetof(struct sockaddr_un, sun_path) + strlen(name) + 1;
	}
	snprintf(addr->sun_path + 1, sizeof(addr->sun_path) - 1, "%s%s", ctx->prefix, name);
	return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(addr->sun_path + 1);
}

/* create_ruleset, then per rule open(O_PATH) + add_rule, then restrict_self: 0 or the first errno. */
static int restrict_self(const struct landlock_ruleset_attr *const attr, const struct rule *const rules,
			 const size_t num_rules, const __u32 flags)
{
	int ruleset_fd, err = 0;

	ruleset_fd = landlock_create_ruleset(attr, sizeof(*attr), 0);
	if (ruleset_fd < 0)
		return errno;
	for (size_t i = 0; i < num_rules && !err; i++) {
		struct landlock_path_beneath_attr path_beneath = {
			.allowed_access = rules[i].access,
		};

		path_beneath.parent_fd = open(rules[i].path, O_PATH | O_CLOEXEC);
		if (path_beneath.parent_fd < 0) {
			err = errno;
			break;
		}
		if (landlock_add_rule(ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &path_beneath, 0))
			err = errno;
		close(path_beneath.parent_fd);
	}
	if (!err && landlock_restrict_self(ruleset_fd, flags))
		err = errno;
	close(ruleset_fd);
	return err;
}

/* Sends a descriptor for socket idx to the process whose first task is proc. */
static void pass_fd(const int proc, const char idx, const int fd)
{
	char cmsg_buf[CMSG_SPACE(sizeof(fd))] = {};
	struct iovec iov = { .iov_base = (void *)&idx, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cmsg_buf,
		.msg_controllen = sizeof(cmsg_buf),
	};
	struct cmsghdr *const cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(fd));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(fd));
	sendmsg(ctx->pass[proc][1], &msg, MSG_NOSIGNAL);
}

/* Installs the descriptors passed to this process (it keeps one per socket). */
static void install_passed(const int proc)
{
	for (;;) {
		char idx, cmsg_buf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { .iov_base = &idx, .iov_len = 1 };
		struct msghdr msg = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = cmsg_buf,
			.msg_controllen = sizeof(cmsg_buf),
		};
		struct cmsghdr *cmsg;
		int fd;

		if (recvmsg(ctx->pass[proc][0], &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1)
			return;
		cmsg = CMSG_FIRSTHDR(&msg);
		if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		memcpy(&fd, CMSG_DATA(cmsg), sizeof(fd));
		if (sock[(int)idx] >= 0)
			close(fd);
		else
			sock[(int)idx] = fd;
	}
}

static void sigusr1_handler(int sig)
{
}

static void setup(struct __test_metadata *const _metadata)
{
	struct sigaction sa = { .sa_handler = sigusr1_handler, .sa_flags = SA_RESTART };

	ctx = mmap(NULL, sizeof(*ctx), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ctx);
	for (int i = 0; i < NUM_TASKS; i++) {
		ASSERT_EQ(0, pipe2(ctx->turn[i], O_CLOEXEC));
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, ctx->pass[i]));
	}
	ASSERT_EQ(0, pipe2(ctx->done, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(ctx->quit, O_CLOEXEC));
	for (int i = 0; i < NUM_SOCKS; i++)
		sock[i] = -1;
	ctx->pid[0] = ctx->tid[0] = getpid();
	snprintf(ctx->prefix, sizeof(ctx->prefix), "${testName.slice(0, 12)}.%d.", getpid());
	strcpy(ctx->dir, "/tmp/landlock_scoped_XXXXXX");
	ASSERT_NE(NULL, mkdtemp(ctx->dir));
	ASSERT_EQ(0, chdir(ctx->dir));
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	/* The test process is P0: no domain yet, no_new_privs set. */
	drop_caps(_metadata);
	ASSERT_EQ(0, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
}

/* The end of a process other than P0: waits for the test to finish, reaps its children. */
static void finish(struct __test_metadata *const _metadata)
{
	char c;
	int status;

	while (read(ctx->quit[0], &c, 1) != 1)
		;
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != EXIT_SUCCESS)
			_metadata->exit_code = KSFT_FAIL;
	_exit(_metadata->exit_code);
}

${others.map((t) => (isThread.has(t) ? `static void *task_${t}(void *arg);` : `static void task_${t}(struct __test_metadata *const _metadata);`)).join('\n')}

${others.map(fnFor).join('\n\n')}

TEST(${testName})
{
${withLocals([...p0Body, ...p0Tail]).join('\n').replace(/\n+$/, '')}
}

TEST_HARNESS_MAIN
`;
}
const LOCALS: [RegExp, string][] = [
  [/\baddr_len\b/, '\tstruct sockaddr_un addr;\n\tsocklen_t addr_len;'],
  [/\bthread\b[,)]/, '\tpthread_t thread;'],
  [/\bpair\[/, '\tint pair[2];'],
  [/\bstatus\b/, '\tint status;'],
  [/\bchild\b =/, '\tpid_t child;'],
];

/** The declarations a function body needs, then the body. */
function withLocals(body: string[]): string[] {
  const text = body.join('\n');
  const decls = LOCALS.filter(([re]) => re.test(text)).map(([, d]) => d);
  return decls.length ? [...decls, '', ...body] : body;
}
