/**
 * `scopecheck export --as kselftest`: the scenario as one test in the style of
 * tools/testing/selftests/landlock (kselftest_harness.h TEST / ASSERT_* / EXPECT_*, and
 * common.h, which brings the harness, wrappers.h's syscall wrappers and drop_caps()). It is
 * straight-line code: one function per task, the tasks take turns through one pipe each (every
 * step runs in the task that names it, in order), task ids live in a shared mapping, descriptors
 * are passed over SCM_RIGHTS. Expected values are the scopecheck model's under the given
 * semantics. Pure.
 *
 * Compiled and run against the real harness by kernel/kselftest.test.ts (Debian's
 * linux-source tree: its uAPI headers, tools/testing/selftests/landlock/Makefile, and
 * scripts/checkpatch.pl --strict, which it passes with no error or warning). Many scenarios
 * at once, grouped as FIXTURE_VARIANTs: format/export/kselftest-file.ts, which uses the code
 * generator below (planCode).
 */
import { InputError } from '../../common/errors.js';
import type { SocketType } from '../../model/uapi.js';
import { namesOf, opOf, processes, stepsSockets, stepsTasks } from '../../ops/index.js';
import type { KselftestContext } from '../../ops/types.js';
import { stepText as renderStep } from '../render.js';
import type { Step } from '../scenario.js';
import { cCommentText, cString, identifier, scenarioTitle, wrap, type ExportInput } from './common.js';

const TYPE: Record<SocketType, string> = { stream: 'SOCK_STREAM', dgram: 'SOCK_DGRAM', seqpacket: 'SOCK_SEQPACKET' };
export const scopeConst = (n: string): string => `LANDLOCK_SCOPE_${n.toUpperCase()}`;
export const fsConst = (n: string): string => `LANDLOCK_ACCESS_FS_${n.toUpperCase()}`;
export const orMask = (names: readonly string[] | undefined, f: (n: string) => string): string =>
  names?.length ? names.map(f).join(' | ') : '0';
/** The C value of an expected result: 0 or the errno name. */
export const expectedValue = (r: string | undefined): string => (r === undefined || r === 'ok' ? '0' : r);

/**
 * A step as comments show it: `run`'s text with a pathname address quoted ("P0 bind srv \"srv\"",
 * not a repeated word for checkpatch.pl).
 */
export function stepText(st: Step): string {
  const t = renderStep(st);
  const a = 'addr' in st ? st.addr : undefined;
  if (!a || !('pathname' in a)) return t;
  const at = t.lastIndexOf(a.pathname);
  return at < 0 ? t : `${t.slice(0, at)}"${a.pathname}"${t.slice(at + a.pathname.length)}`;
}

const CAPS_UNSUPPORTED = '"capabilities": "all" cannot be kept: the kselftest harness drops every capability (drop_caps)';

/** Refuses what the kselftest export cannot translate (InputError naming the step). */
export function assertKselftestable(s: { steps: readonly Step[]; capabilities?: 'all' | undefined }): void {
  if (s.capabilities === 'all') throw new InputError(`no kselftest translation: ${CAPS_UNSUPPORTED}`);
}

/**
 * The first step of `steps` whose op has no kselftest translation, with why (the export refuses
 * such a scenario), or null.
 */
export function kselftestUnsupported(steps: readonly Step[], capabilities?: 'all'): { step: number; op: string; why: string } | null {
  if (capabilities === 'all') return { step: 0, op: '(scenario)', why: CAPS_UNSUPPORTED };
  const { procOf, exitedAt } = processes(steps);
  const ctx: KselftestContext = {
    i: 0,
    want: '0',
    me: 0,
    give: '',
    task: () => 0,
    sock: () => 0,
    proc: () => 0,
    exitedAt: (t) => exitedAt.get(procOf.get(t)!),
    addr: () => '',
    scopes: () => '0',
    fs: () => '0',
    type: () => 'SOCK_STREAM',
  };
  for (const [i, st] of steps.entries()) {
    const why = opOf(st).kselftest(st, { ...ctx, i }).unsupported;
    if (why) return { step: i, op: st.op, why };
  }
  return null;
}

/** checkpatch.pl's limit (max_line_length), tabs at 8 columns. */
export const MAX_COLUMNS = 100;

/** How the code of one scenario, or of the merged steps of one shape, is generated. */
export interface CodePlan {
  steps: readonly Step[];
  /** C expression of step i's expected value ("0", "EPERM", "variant->expect_3"). */
  want(i: number): string;
  /** Text of step i's result for comments ("ok", "EPERM", "per variant"). */
  result(i: number): string;
  /** C condition under which step i is performed (a domain some variants do not have). */
  when?(i: number): string | undefined;
  /** C expression of the `.scoped` / `.handled_access_fs` fields of restrict_self step i, when it differs by variant. */
  scoped?(i: number): string | undefined;
  handledFs?(i: number): string | undefined;
  /** Whether P0 undoes what step i made at the end: always, never, or under a C condition. */
  undo(i: number): 'always' | 'never' | string;
  /** Prefix of the task functions' names ("" or "<fixture>_"). */
  prefix: string;
  /** The declaration that gives task functions `variant` (from _metadata->variant), if they need it. */
  variantDecl?: string;
}

export interface PlannedCode {
  tasks: string[];
  socks: string[];
  threads: ReadonlySet<string>;
  /** Prototypes and definitions of the tasks other than P0. */
  protos: string[];
  fns: string[];
  /** The body of P0's test function (starting with setup()). */
  p0: string[];
}

/** The task functions and P0's body of a plan. */
export function planCode(plan: CodePlan): PlannedCode {
  const steps = plan.steps;
  const tasks = stepsTasks(steps);
  const socks = stepsSockets(steps);
  const ti = (n: string) => tasks.indexOf(n);
  const si = (n: string) => socks.indexOf(n);
  const fname = (t: string) => `${plan.prefix}task_${t}`;
  const rename = (l: string) => (plan.prefix ? l.replace(/\btask_([A-Za-z][A-Za-z0-9_]*)\b/g, `${plan.prefix}task_$1`) : l);

  // Processes: the task index of each process's first task; threads; who forked whom.
  const { procOf, threads: isThread, exitedAt } = processes(steps);
  const exits = new Set(exitedAt.keys());
  const forkedBy = new Map<string, string[]>();
  for (const st of steps)
    for (const u of namesOf(st))
      if (u.role === 'newProcess') {
        const p = procOf.get(st.by)!;
        forkedBy.set(p, [...(forkedBy.get(p) ?? []), u.name]);
      }

  const stepsOf = new Map<string, number[]>(tasks.map((t) => [t, []]));
  steps.forEach((st, i) => stepsOf.get(st.by)!.push(i));
  const nextActor = (i: number) => (i + 1 < steps.length ? ti(steps[i + 1]!.by) : -1);

  const ctxOf = (st: Step, i: number): KselftestContext => {
    const scoped = plan.scoped?.(i);
    const handled = plan.handledFs?.(i);
    const handledNames = 'handled_fs' in st ? st.handled_fs : undefined;
    return {
      i,
      want: plan.want(i),
      me: ti(st.by),
      give: `\tturn_give(${nextActor(i)});`,
      task: ti,
      sock: si,
      proc: (t) => ti(procOf.get(t)!),
      exitedAt: (t) => exitedAt.get(procOf.get(t)!),
      addr: (a) => ('abstract' in a ? `set_addr(&addr, true, ${cString(a.abstract)})` : `set_addr(&addr, false, ${cString(a.pathname)})`),
      scopes: (names) => scoped ?? orMask(names, scopeConst),
      // .handled_access_fs is the piece's only fs() call with the step's own handled_fs array
      fs: (names) => (handled !== undefined && names === handledNames ? handled : orMask(names, fsConst)),
      type: (t) => TYPE[t],
    };
  };
  const stepCode = (st: Step, i: number): string[] => {
    const ctx = ctxOf(st, i);
    const L: string[] = [
      ...commentLines('\t', `#${i} ${stepText(st)}: ${plan.result(i)}`),
      `\tturn_wait(${ctx.me});`,
      `\tinstall_passed(${ti(procOf.get(st.by)!)});`,
    ];
    const piece = opOf(st).kselftest(st, ctx);
    if (piece.unsupported) throw new InputError(`step ${i} (${st.op}): no kselftest translation: ${piece.unsupported}`);
    const cond = plan.when?.(i);
    let lines = piece.lines.map(rename);
    if (cond !== undefined) {
      // The step only in some variants: its block under the condition (the turn passes anyway).
      const block = lines[0] === '\t{' && lines[lines.length - 1] === '\t}' ? lines.slice(1, -1) : lines.map((l) => `\t${l}`);
      lines = [`\tif (${cond}) {`, ...block, '\t}'];
    }
    L.push(...lines);
    if (!piece.gives) L.push(ctx.give);
    return L;
  };

  /** A task function's head; the return type on a line of its own when the name is long. */
  const signature = (t: string, thread: boolean, proto: boolean): string => {
    const [ret, args] = thread ? ['static void *', '(void *arg)'] : ['static void ', '(struct __test_metadata *const _metadata)'];
    const end = proto ? ';' : '';
    const one = `${ret}${fname(t)}${args}${end}`;
    return columns(one) <= MAX_COLUMNS ? one : `${ret.trimEnd()}\n${fname(t)}${args}${end}`;
  };

  const fnFor = (t: string): string => {
    const thread = isThread.has(t);
    const body: string[] = [];
    if (thread) {
      const creator = steps.find((x) => namesOf(x).some((u) => u.role === 'newThread' && u.name === t))!.by;
      body.push(`\tctx->tid[${ti(t)}] = sys_gettid();`, `\tturn_give(${ti(creator)});`, '');
    }
    for (const i of stepsOf.get(t)!) {
      body.push(...stepCode(steps[i]!, i), '');
      if (opOf(steps[i]!).names.exitsProcess) break;
    }
    if (steps.some((x) => opOf(x).names.exitsProcess && x.by === t)) {
      /* the process exits in its last step */
    } else if (thread) body.push('\t/* A thread lives as long as its process. */', '\tfor (;;)', '\t\tpause();', '\treturn NULL;');
    else body.push('\tfinish(_metadata);');
    const sig = signature(t, thread, false);
    const usesVariant = plan.variantDecl !== undefined && body.some((l) => /\bvariant->/.test(l));
    const usesMetadata = usesVariant || body.some((l) => /_metadata|ASSERT_|EXPECT_/.test(l));
    const pre: string[] = [];
    if (thread && usesMetadata) pre.push('\tstruct __test_metadata *const _metadata = arg;');
    if (usesVariant) pre.push(`\t${plan.variantDecl!}`);
    return `${sig}\n{\n${withLocals(body, pre).join('\n').replace(/\n+$/, '')}\n}`;
  };

  const others = tasks.filter((t) => t !== 'P0');
  const unfinished = others.filter((t) => !isThread.has(t) && !exits.has(t)).length;
  const p0Children = forkedBy.get('P0') ?? [];

  const p0Body: string[] = ['\tsetup(_metadata);', `\tturn_give(${steps.length ? ti(steps[0]!.by) : -1});`, ''];
  for (const i of stepsOf.get('P0')!) {
    p0Body.push(...stepCode(steps[i]!, i), '');
    if (opOf(steps[i]!).names.exitsProcess) break;
  }
  const p0Exits = steps.some((x) => opOf(x).names.exitsProcess && x.by === 'P0');
  // What the scenario leaves in its directory: bound pathname sockets and made directories.
  const made: string[][] = [];
  steps.forEach((st, i) => {
    const u = plan.undo(i);
    if (u === 'never') return;
    const undo = opOf(st).kselftest(st, ctxOf(st, i)).undo;
    if (undo) made.push(u === 'always' ? [undo] : [`\tif (${u})`, `\t${undo}`]);
  });
  const cleanup = made.reverse().flat();
  const p0Tail: string[] = p0Exits
    ? []
    : [
        '\t/* All steps done: the other processes exit, P0 reaps its children. */',
        '\tturn_wait(-1);',
        ...(unfinished ? [`\tfor (int i = 0; i < ${unfinished}; i++)`, '\t\tASSERT_EQ(1, write(ctx->quit[1], "q", 1));'] : []),
        ...p0Children.flatMap((c) => [
          `\tASSERT_EQ(ctx->pid[${ti(c)}], waitpid(ctx->pid[${ti(c)}], &status, 0));`,
          '\tEXPECT_EQ(true, WIFEXITED(status));',
          '\tEXPECT_EQ(EXIT_SUCCESS, WEXITSTATUS(status));',
        ]),
        ...cleanup,
        '\tEXPECT_EQ(0, chdir("/"));',
        '\tEXPECT_EQ(0, rmdir(ctx->dir));',
      ];
  const protos = others.map((t) => signature(t, isThread.has(t), true));
  const p0 = withLocals([...p0Body, ...p0Tail], []);
  while (p0.length && p0[p0.length - 1] === '') p0.pop();
  return { tasks, socks, threads: isThread, protos, fns: others.map(fnFor), p0 };
}

const LOCALS: [RegExp, string[]][] = [
  [/\baddr_len\b/, ['\tstruct sockaddr_un addr;', '\tsocklen_t addr_len;']],
  [/\bthread\b[,)]/, ['\tpthread_t thread;']],
  [/\bpair\[/, ['\tint pair[2];']],
  [/\bstatus\b/, ['\tint status;']],
  [/\bchild\b =/, ['\tpid_t child;']],
];

/** The declarations a function body needs (after `pre`, the initialised ones), a blank line, then the body. */
function withLocals(body: string[], pre: string[]): string[] {
  const text = body.join('\n');
  const decls = [...pre, ...LOCALS.filter(([re]) => re.test(text)).flatMap(([, d]) => d)];
  return decls.length ? [...decls, '', ...body] : body;
}

/** A comment on one line, or a block comment when it would pass the line limit. */
export function commentLines(indent: string, text: string): string[] {
  const t = cCommentText(text);
  const one = `${indent}/* ${t} */`;
  if (columns(one) <= MAX_COLUMNS) return [one];
  return [`${indent}/*`, ...wrapProse(t, `${indent} * `, MAX_COLUMNS), `${indent} */`];
}

// ------------------------------------------------------------------------------------------
// Kernel style: line length, one assignment per statement

/** Width of a line with tabs at 8 columns. */
export function columns(line: string): number {
  let c = 0;
  // checkpatch.pl counts bytes: a non-ASCII character is as wide as its UTF-8 encoding
  for (const ch of line) c = ch === '\t' ? c + 8 - (c % 8) : c + (ch.charCodeAt(0) < 0x80 ? 1 : Buffer.byteLength(ch));
  return c;
}

/** Prose for a comment, wrapped at 80 columns (as the upstream tests' comments are), counting as columns() does. */
export function wrapProse(text: string, indent = ' * ', total = 80): string[] {
  const width = total - columns(indent);
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const w of para.split(/\s+/).filter(Boolean)) {
      if (line && columns(line) + 1 + columns(w) > width) {
        out.push(line);
        line = w;
      } else line = line ? `${line} ${w}` : w;
    }
    out.push(line);
  }
  return out.map((l) => `${indent}${cCommentText(l)}`.trimEnd());
}

/** Tabs then spaces up to column c. */
const indentTo = (c: number): string => '\t'.repeat(Math.floor(c / 8)) + ' '.repeat(c % 8);

/**
 * Breaks a statement longer than MAX_COLUMNS after the last ", " (outside strings, inside
 * parentheses) that fits, continuing under the innermost open parenthesis (checkpatch.pl
 * --strict's alignment); lines it cannot break are left as they are.
 */
export function wrapLine(line: string, continued?: number): string[] {
  if (columns(line) <= MAX_COLUMNS || /^\s*(\/\*|\*|#)/.test(line)) return [line];
  const opens: number[] = [];
  let best: { at: number; align: number; paren: boolean } | undefined;
  let quote = false;
  // An initializer or assignment continues after its "= ".
  const eq = /^(\s*[^=(]*?[\w\]]) = /.exec(line);
  for (let k = 0; k < line.length; k++) {
    const ch = line[k]!;
    if (quote) {
      if (ch === '\\') k++;
      else if (ch === '"') quote = false;
      continue;
    }
    if (ch === '"') quote = true;
    else if (ch === '(') opens.push(k);
    else if (ch === ')') opens.pop();
    else if (line[k + 1] === ' ' && columns(line.slice(0, k + 1)) <= MAX_COLUMNS) {
      const align = opens.length ? columns(line.slice(0, opens[opens.length - 1]! + 1)) : eq ? columns(eq[0]) : continued;
      if (align !== undefined && (ch === ',' ? opens.length > 0 : ch === '|' && line[k - 1] === ' ')) best = { at: k + 1, align, paren: opens.length > 0 };
    }
  }
  if (!best) {
    // A declaration with a long initializer: the initializer on the next line.
    const d = /^(\t*)(\S.*?) = (\S.*)$/.exec(line);
    if (d && !/[;{]\s*$/.test(d[2]!) && columns(`${d[1]}${d[2]} =`) <= MAX_COLUMNS) return [`${d[1]}${d[2]} =`, `${d[1]}\t${d[3]}`];
    return [line];
  }
  const rest = indentTo(best.align) + line.slice(best.at + 1);
  const more = wrapLine(rest, best.paren ? undefined : best.align);
  return [line.slice(0, best.at), ...(more.length === 1 && more[0] === rest ? [rest] : more)];
}

/** "a = b = x;" as "b = x;" then "a = b;" (checkpatch: multiple assignments). */
function splitAssignments(line: string): string[] {
  const m = /^(\s*)([A-Za-z_][\w>[\].-]*) = ([A-Za-z_][\w>[\].-]*) = ([^=;]+);$/.exec(line);
  return m ? [`${m[1]}${m[3]} = ${m[4]};`, `${m[1]}${m[2]} = ${m[3]};`] : [line];
}

/** The final touches of generated C: one assignment per statement, lines within the limit. */
export function kernelStyle(text: string): string {
  return text
    .split('\n')
    .flatMap(splitAssignments)
    .flatMap((l) => wrapLine(l))
    .join('\n');
}

// ------------------------------------------------------------------------------------------
// The shared part of a test file

/** Scope bits the uAPI headers of a kernel tree do not define (the seed patch's). */
const NOT_UPSTREAM: Record<string, { value: string; why: string }> = {
  LANDLOCK_SCOPE_PATHNAME_UNIX_SOCKET: { value: '(1ULL << 2)', why: "Not in the uAPI headers: the seed patch's scope bit (EINVAL on kernels without it)." },
};

const HELPERS: { name: string; uses?: RegExp; code: string }[] = [
  {
    name: 'turn_wait',
    code: `static void turn_wait(const int task)
{
	char c;

	while (read(task < 0 ? ctx->done[0] : ctx->turn[task][0], &c, 1) != 1)
		;
}`,
  },
  {
    name: 'turn_give',
    code: `static void turn_give(const int task)
{
	while (write(task < 0 ? ctx->done[1] : ctx->turn[task][1], ".", 1) != 1)
		;
}`,
  },
  {
    name: 'set_addr',
    code: `static socklen_t set_addr(struct sockaddr_un *const addr, const bool abstract,
			  const char *const name)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (!abstract) {
		snprintf(addr->sun_path, sizeof(addr->sun_path), "%s", name);
		return offsetof(struct sockaddr_un, sun_path) + strlen(name) + 1;
	}
	snprintf(addr->sun_path + 1, sizeof(addr->sun_path) - 1, "%s%s",
		 ctx->prefix, name);
	return offsetof(struct sockaddr_un, sun_path) + 1 +
	       strlen(addr->sun_path + 1);
}`,
  },
  {
    name: 'restrict_self',
    uses: /\brestrict_self\(&/,
    code: `struct rule {
	const char *path;
	__u64 access;
};

/*
 * create_ruleset, then per rule open(O_PATH) + add_rule, then restrict_self:
 * 0 or the first errno.
 */
static int restrict_self(const struct landlock_ruleset_attr *const attr,
			 const struct rule *const rules, const size_t num_rules,
			 const __u32 flags)
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
		if (landlock_add_rule(ruleset_fd, LANDLOCK_RULE_PATH_BENEATH,
				      &path_beneath, 0))
			err = errno;
		close(path_beneath.parent_fd);
	}
	if (!err && landlock_restrict_self(ruleset_fd, flags))
		err = errno;
	close(ruleset_fd);
	return err;
}`,
  },
  {
    name: 'pass_fd',
    code: `/* Sends a descriptor for socket idx to the process whose first task is proc. */
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
}`,
  },
  {
    name: 'install_passed',
    code: `/* Installs the descriptors passed to this process (it keeps one per socket). */
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

		if (recvmsg(ctx->pass[proc][0], &msg,
			    MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1)
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
}`,
  },
  {
    name: 'setup',
    code: `static void sigusr1_handler(int sig)
{
}

/* The test process is P0: no domain yet, no capability, no_new_privs set. */
static void setup(struct __test_metadata *const _metadata)
{
	static const char dir_template[] = "/tmp/landlock_scoped_XXXXXX";
	struct sigaction sa = {
		.sa_handler = sigusr1_handler,
		.sa_flags = SA_RESTART,
	};
	sigset_t blocked;

	ctx = mmap(NULL, sizeof(*ctx), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ctx);
	for (int i = 0; i < NUM_TASKS; i++) {
		ASSERT_EQ(0, pipe2(ctx->turn[i], O_CLOEXEC));
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0,
					ctx->pass[i]));
	}
	ASSERT_EQ(0, pipe2(ctx->done, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(ctx->quit, O_CLOEXEC));
	for (int i = 0; i < NUM_SOCKS; i++)
		sock[i] = -1;
	ctx->tid[0] = getpid();
	ctx->pid[0] = ctx->tid[0];
	snprintf(ctx->prefix, sizeof(ctx->prefix), "%s.%d.", NAME_PREFIX,
		 getpid());
	memcpy(ctx->dir, dir_template, sizeof(dir_template));
	ASSERT_NE(NULL, mkdtemp(ctx->dir));
	ASSERT_EQ(0, chdir(ctx->dir));
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	/* The scenario's signals stay pending until a task takes them (sigtimedwait). */
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGUSR1);
	sigaddset(&blocked, SIGUSR2);
	sigaddset(&blocked, SIGIO);
	sigaddset(&blocked, SIGURG);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &blocked, NULL));
	drop_caps(_metadata);
	ASSERT_EQ(0, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
}`,
  },
  {
    name: 'finish',
    code: `/* The end of a process other than P0: waits for the test to finish, reaps its children. */
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
}`,
  },
];

export interface FileParts {
  /** The lines of the file's head comment, after " * ". */
  head: string[];
  numTasks: number;
  numSocks: number;
  /** Prefix of abstract names (with the pid). */
  namePrefix: string;
  /** Everything after the helpers: prototypes, task functions, tests. */
  body: string;
}

/** A complete test file: head comment, includes, the shared state and helpers the body uses, the body, TEST_HARNESS_MAIN. */
export function testFile(p: FileParts): string {
  const helpers = HELPERS.filter((h) => (h.uses ?? new RegExp(`\\b${h.name}\\(`)).test(p.body)).map((h) => h.code);
  const fallbacks = Object.entries(NOT_UPSTREAM)
    .filter(([name]) => new RegExp(`\\b${name}\\b`).test(p.body))
    .map(([name, v]) => `/* ${v.why} */\n#ifndef ${name}\n#define ${name} ${v.value}\n#endif\n`);
  const text = `// SPDX-License-Identifier: GPL-2.0
/*
${p.head.map((l) => ` * ${cCommentText(l)}`.trimEnd()).join('\n')}
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

${fallbacks.length ? `${fallbacks.join('\n')}\n` : ''}#define NUM_TASKS ${p.numTasks}
#define NUM_SOCKS ${Math.max(1, p.numSocks)}
#define NAME_PREFIX ${cString(p.namePrefix)}

/* The result of a call: 0 or its errno. */
#define RES(call) ((call) < 0 ? errno : 0)

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

static struct scenario_ctx *ctx;
static int sock[NUM_SOCKS]; /* per process: socket index -> descriptor, -1 when not held */

${helpers.join('\n\n')}

${p.body.replace(/\n+$/, '')}

TEST_HARNESS_MAIN
`;
  return kernelStyle(text);
}

/** The legend of a plan's task and socket indices. */
export function legend(c: PlannedCode): string[] {
  const list = (what: string, items: string[]): string[] => {
    const one = `/* ${what}: ${items.join(', ') || 'none'} */`;
    if (columns(one) <= MAX_COLUMNS) return [one];
    // Wrapped between items, never inside one.
    const lines: string[] = [];
    let cur = ` * ${what}:`;
    items.forEach((it, k) => {
      const piece = `${it}${k < items.length - 1 ? ',' : ''}`;
      if (columns(`${cur} ${piece}`) > MAX_COLUMNS) {
        lines.push(cur);
        cur = ` *   ${piece}`;
      } else cur = `${cur} ${piece}`;
    });
    return ['/*', ...lines, cur, ' */'];
  };
  return [
    ...list('Tasks', c.tasks.map((t, k) => cCommentText(`${k} = ${t}${c.threads.has(t) ? ' (thread)' : ''}`))),
    ...list('Sockets', c.socks.map((k, j) => cCommentText(`${j} = ${k}`))),
  ];
}

// ------------------------------------------------------------------------------------------
// One scenario: one TEST()

export function exportKselftest(input: ExportInput): string {
  const s = input.scenario;
  assertKselftestable(s);
  const title = scenarioTitle(input);
  const testName = `scoped_${identifier(title).replace(/^scoped_/, '')}`;
  const code = planCode({
    steps: s.steps,
    want: (i) => expectedValue(input.outcomes[i]?.result),
    result: (i) => input.outcomes[i]?.result ?? '?',
    undo: (i) => (input.outcomes[i]?.result === 'ok' ? 'always' : 'never'),
    prefix: '',
  });
  const desc = s.description ? wrapProse(s.description, '', 77) : [];
  const head = [
    `Landlock tests - ${title}`,
    '',
    ...(desc.length ? [...desc, ''] : []),
    `Generated by "scopecheck export --as kselftest"${input.source ? ` from ${input.source}` : ''}.`,
    `Expected results: the scopecheck model under the semantics "${input.semantics}"${input.errata !== undefined ? ` (errata ${input.errata})` : ''}.`,
    'Steps:',
    ...s.steps.map((st, i) => `  #${i} ${stepText(st)}: ${input.outcomes[i]?.result ?? '?'}`),
  ].flatMap((l) => (l.length > MAX_COLUMNS - 3 ? wrap(l, MAX_COLUMNS - 7).map((w, k) => (k ? `    ${w}` : w)) : [l]));
  const body = [
    ...legend(code),
    '',
    ...(code.protos.length ? [...code.protos, ''] : []),
    ...code.fns.flatMap((f) => [f, '']),
    `TEST(${testName})`,
    '{',
    ...code.p0,
    '}',
  ].join('\n');
  return testFile({ head, numTasks: code.tasks.length, numSocks: code.socks.length, namePrefix: testName.slice(0, 12), body });
}
