#!/bin/bash
# Live-kernel tests of the replayer's wire 1.2 additions (run as root, on a kernel with Landlock):
#   replayer/tests/run-audit.sh [BINARY]
# restrict_self FLAGS QUIET RULESET, the exec op, and that serve mode off PID 1 collects no
# audit records (result lines exactly as in 1.1: no "|"). The audit records themselves need the
# replayer as PID 1 of a VM: kernel/vm.test.ts checks them. Cases whose answer depends on the
# Landlock ABI are chosen by `--info`. Exit status 0: all passed.
set -u
cd "$(dirname "$0")/../.."
BIN=${1:-}
TMP=$(mktemp -d /tmp/scopecheck-replayer-audit.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
if [ -z "$BIN" ]; then
	BIN=$TMP/scr
	gcc -std=gnu11 -Wall -Wextra -Wswitch-enum -Werror=switch -Werror=switch-enum -O2 -pthread -static \
		-o "$BIN" replayer/replayer.c || exit 1
fi
ABI=$("$BIN" --info | sed 's/.*"abi":\([0-9]*\).*/\1/')
"$BIN" --info | grep -q '"audit":false' || { echo "FAIL: --info: no \"audit\":false off PID 1"; exit 1; }
tsync=EINVAL; [ "$ABI" -ge 8 ] && tsync=ok
quiet=E2BIG; [ "$ABI" -ge 10 ] && quiet=ok
# the logging flags (ABI 7): any combination is accepted; LOG_SUBDOMAINS_OFF alone with no ruleset
logf=EINVAL; [ "$ABI" -ge 7 ] && logf=ok

cases() {
	cat <<CASES
# restrict_self: FLAGS passed as they are (TSYNC = 8), RULESET 0 = restrict_self(-1, FLAGS): EBADF
# unless FLAGS is LOG_SUBDOMAINS_OFF alone
R ok ok EPERM | 3 drop fork 0 1 restrict_self 1 2 0 0 0 1 0 kill 1 0 USR1
R ok $logf EPERM | 3 drop fork 0 1 restrict_self 1 2 0 1 0 1 0 kill 1 0 USR1
R ok $logf EPERM | 3 drop fork 0 1 restrict_self 1 2 0 3 0 1 0 kill 1 0 USR1
R ok $logf ok | 3 drop fork 0 1 restrict_self 1 0 0 4 0 0 0 kill 1 0 USR1
R ok EBADF | 2 drop fork 0 1 restrict_self 1 0 0 0 0 0 0
R ok EBADF | 2 drop fork 0 1 restrict_self 1 0 0 1 0 0 0
R ok EINVAL | 2 drop fork 0 1 restrict_self 1 2 0 16 0 1 0
R ok ok $tsync ok | 4 drop thread 0 1 fork 0 2 restrict_self 1 2 0 8 0 1 0 kill 0 2 0
# QUIET: the 48-byte attr (E2BIG before ABI 10, whose kernels do not know its tail)
R ok $quiet | 2 drop fork 0 1 restrict_self 1 2 0 0 2 1 0
R ok ok | 2 drop fork 0 1 restrict_self 1 2 0 0 0 1 0
# 16 layers, then E2BIG
R ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok E2BIG ok | 18 drop $(for i in $(seq 17); do printf 'restrict_self 0 2 0 0 0 1 0 '; done)caps 0
# exec: the same task after it: domain, descriptors, pending signals, mask, parent-death
# signal, session, no capability
R ok ok EPERM ok EPERM ok | 6 drop fork 0 1 restrict_self 1 2 0 0 0 1 0 kill 1 0 USR1 exec 1 kill 1 0 USR1 caps 1
R ok ok ok EAGAIN ok | 5 drop kill 0 0 USR1 exec 0 await_signal 0 USR1 await_signal 0 USR1 caps 0
R ok ok ok ok ok ok ok ok EAGAIN | 9 drop kill 0 0 USR2 exec 0 kill 0 0 IO exec 0 exec 0 await_signal 0 USR2 await_signal 0 IO caps 0 await_signal 0 URG
R ok ok ok ok ok ok | 6 drop socketpair 0 0 1 stream exec 0 send 0 0 0 fork 0 1 exec 1 send 1 1 0
R ok ok ok ok ok ok EAGAIN | 7 drop socket 0 0 dgram bind 0 0 a s exec 0 fork 0 1 socket 1 1 dgram sendto 1 1 a s await_signal 0 IO
R ok ok ok ok | 4 drop fork 0 1 pidfd_open 0 1 0 0 exec 0 pidfd_send_signal 0 0 0
R ok ok ok EBADF | 4 drop fork 0 1 pidfd_open 0 1 0 0 exec 0 send 0 0 0
R ok ok ok ok ok | 5 drop fork 0 1 pdeathsig 1 USR1 exec 1 exit 0 await_signal 1 USR1
R ok ok ok EPERM | 4 drop fork 0 1 setsid 1 exec 1 setsid 1
R ok ENOTEMPTY ok | 3 all exec 0 caps 0 exec 0
R ok ok | 2 drop exec 0 caps 0
# exec ends the process's other threads: a sibling's pending signal stays with the process
R ok ok ok ok ok | 5 drop fork 0 1 thread 1 2 exec 1 kill 0 1 USR1 await_signal 1 USR1
R ok ok ok ok ok ok | 6 drop thread 0 1 fork 1 2 exec 0 kill 0 2 0 socket 2 0 stream caps 2
# exec under a domain that handles EXECUTE (no rule): the kernel's EACCES, the task carries on
R ok EACCES ok | 3 drop restrict_self 0 0 1 0 0 1 0 exec 0 caps 0
# ptrace attach/read of a task after its exec
R ok ok ok ok | 4 drop fork 0 1 exec 1 ptrace 0 1 attach ptrace 0 1 read
CASES
}

: > "$TMP/exp"
: > "$TMP/in"
while IFS= read -r l; do
	case "$l" in
	'#'* | '') ;;
	*)
		echo "${l%% | *}" >> "$TMP/exp"
		echo "${l#* | }" >> "$TMP/in"
		;;
	esac
done < <(cases)
SCOPECHECK_REPLAY_TEST_HOOKS=1 timeout 120 "$BIN" --timeout-ms 2000 < "$TMP/in" > "$TMP/out"
rc=$?
fails=0
[ $rc = 0 ] || { echo "FAIL: the replayer exited with $rc"; fails=1; }
n=0
while IFS=$'\t' read -r exp got line; do
	n=$((n + 1))
	if [ "$exp" != "$got" ]; then
		echo "FAIL: $line"
		echo "      expected: $exp"
		echo "      got:      $got"
		fails=$((fails + 1))
	fi
done < <(paste -d '\t' "$TMP/exp" "$TMP/out" "$TMP/in")
echo "cases: $n (ABI $ABI), failed: $fails"

# bad input: exec by a thread, a thread named after its process's exec, RULESET 0 with a scope
for bad in "2 drop thread 0 1 exec 1" "3 drop thread 0 1 exec 0 caps 1" "1 drop restrict_self 0 2 0 0 0 0 0" \
	"1 drop restrict_self 0 0 0 0 0 2 0" "1 drop restrict_self 0 2 0 0 1"; do
	echo "$bad" | SCOPECHECK_REPLAY_TEST_HOOKS=1 "$BIN" > /dev/null 2>&1
	if [ $? != 2 ]; then echo "FAIL: accepted: $bad"; fails=$((fails + 1)); fi
done

[ $fails = 0 ] && echo "PASS" || echo "FAIL: $fails"
[ $fails = 0 ]
