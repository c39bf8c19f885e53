/**
 * The limits of scopecheck's files, one set of numbers: the scenario format's (which are the
 * replayer's: replayer/replayer.c MAX_STEPS, MAX_TASKS, MAX_SOCKS, MAX_RULES, MAX_LINE; a test
 * keeps them equal) and the readers' bounds on what they read. A file over a limit is an input
 * error naming the file (and the step and field) before anything runs.
 */

/** Steps of a scenario. */
export const MAX_STEPS = 1024;
/** Tasks of a scenario, P0 included. */
export const MAX_TASKS = 64;
/** Sockets of a scenario. */
export const MAX_SOCKETS = 256;
/** Rules of a scenario, all restrict_self steps together. */
export const MAX_RULES = 4096;
/** Bytes of one line of a JSON Lines file (a trace, a corpus scenario, a results line); also the replayer's input line. */
export const MAX_LINE_BYTES = 1 << 20;
/** Bytes of a file scopecheck reads (a scenario, a counterexample, a trace file, a shard file, a gzip file as stored). */
export const MAX_FILE_BYTES = 64 << 20;
/** Bytes a gzip file (a corpus, a trace set) may decompress to. */
export const MAX_GUNZIP_BYTES = 256 << 20;
/** Scenarios of a generated corpus, fuzz run or random-mode cell. */
export const MAX_GENERATED = 10_000_000;

/** The errno names a result or an expectation may have (Linux's, as glibc names them), besides "ok" and "E<number>". */
export const ERRNO_NAMES: ReadonlySet<string> = new Set(
  'E2BIG EACCES EADDRINUSE EADDRNOTAVAIL EADV EAFNOSUPPORT EAGAIN EALREADY EBADE EBADF EBADFD EBADMSG EBADR EBADRQC EBADSLT EBFONT EBUSY ECANCELED ECHILD ECHRNG ECOMM ECONNABORTED ECONNREFUSED ECONNRESET EDEADLK EDEADLOCK EDESTADDRREQ EDOM EDOTDOT EDQUOT EEXIST EFAULT EFBIG EHOSTDOWN EHOSTUNREACH EHWPOISON EIDRM EILSEQ EINPROGRESS EINTR EINVAL EIO EISCONN EISDIR EISNAM EKEYEXPIRED EKEYREJECTED EKEYREVOKED EL2HLT EL2NSYNC EL3HLT EL3RST ELIBACC ELIBBAD ELIBEXEC ELIBMAX ELIBSCN ELNRNG ELOOP EMEDIUMTYPE EMFILE EMLINK EMSGSIZE EMULTIHOP ENAMETOOLONG ENAVAIL ENETDOWN ENETRESET ENETUNREACH ENFILE ENOANO ENOBUFS ENOCSI ENODATA ENODEV ENOENT ENOEXEC ENOKEY ENOLCK ENOLINK ENOMEDIUM ENOMEM ENOMSG ENONET ENOPKG ENOPROTOOPT ENOSPC ENOSR ENOSTR ENOSYS ENOTBLK ENOTCONN ENOTDIR ENOTEMPTY ENOTNAM ENOTRECOVERABLE ENOTSOCK ENOTSUP ENOTTY ENOTUNIQ ENXIO EOPNOTSUPP EOVERFLOW EOWNERDEAD EPERM EPFNOSUPPORT EPIPE EPROTO EPROTONOSUPPORT EPROTOTYPE ERANGE EREMCHG EREMOTE EREMOTEIO ERESTART ERFKILL EROFS ESHUTDOWN ESOCKTNOSUPPORT ESPIPE ESRCH ESRMNT ESTALE ESTRPIPE ETIME ETIMEDOUT ETOOMANYREFS ETXTBSY EUCLEAN EUNATCH EUSERS EWOULDBLOCK EXDEV EXFULL'.split(' '),
);

/** Is this a result the kernel can give: "ok", an errno name, or "E<number>" for a number without a name? */
export const isResult = (r: string): boolean => r === 'ok' || ERRNO_NAMES.has(r) || /^E[0-9]{1,4}$/.test(r);

/** The replayer's per-scenario watchdog, in milliseconds (replayer/replayer.c --timeout-ms: 1 … 3,600,000). */
export const MAX_TIMEOUT_MS = 3_600_000;
