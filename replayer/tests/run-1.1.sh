#!/bin/bash
# Live-kernel tests of the replayer's wire format 1.1 (run as root, on a kernel with Landlock):
#   replayer/tests/run-1.1.sh [BINARY]
# Builds replayer/replayer.c (unless BINARY is given), runs every case below (one scenario
# line, its expected result line) in serve mode, then the kill_all sentinel check, the
# SIGKILL check and the export-harness (ops.h as `export --as c` uses it). Exit status 0:
# all passed.
set -u
cd "$(dirname "$0")/../.."
BIN=${1:-}
TMP=$(mktemp -d /tmp/scopecheck-replayer-tests.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
if [ -z "$BIN" ]; then
	BIN=$TMP/scr
	gcc -std=gnu11 -Wall -Wextra -Wswitch-enum -Werror=switch -Werror=switch-enum -O2 -pthread -static \
		-o "$BIN" replayer/replayer.c || exit 1
fi
fails=0

# Cases: "expected result line | scenario line", optionally "@opts" lines that set the
# replayer's options for the cases after them.
cases() {
	cat <<'CASES'
@
# signals: blocked, taken by await_signal; standard signals do not queue
R ok ok EAGAIN | 3 drop kill 0 0 USR1 await_signal 0 USR1 await_signal 0 USR1
R ok ok ok EAGAIN | 4 drop fork 0 1 kill 0 1 USR1 await_signal 1 USR1 await_signal 1 USR1
R ok ok ok ok EAGAIN | 5 drop fork 0 1 kill 0 1 USR2 kill 0 1 USR2 await_signal 1 USR2 await_signal 1 USR2
R ok ok ok ok EAGAIN | 5 drop fork 0 1 thread 1 2 kill 0 1 USR1 await_signal 2 USR1 await_signal 1 USR1
R ok ok ok EAGAIN ok | 5 drop fork 0 1 thread 1 2 tgkill 0 2 USR1 await_signal 1 USR1 await_signal 2 USR1
R ok ok ESRCH ESRCH | 4 drop fork 0 1 exit 1 kill 0 1 IO tgkill 0 1 URG
R ok ok EPERM | 3 drop fork 0 1 restrict_self 1 2 0 0 0 1 0 kill 1 0 USR1
# sessions and groups
R EPERM ok ok EPERM | 4 drop setsid 0 fork 0 1 setsid 1 setsid 1
R ok ok ok ok ok ok ok EAGAIN ok | 9 drop fork 0 1 fork 0 2 setpgid 1 - setpgid 2 1 killpg 0 1 USR1 await_signal 1 USR1 await_signal 2 USR1 await_signal 0 USR1 killpg 0 0 IO
R ok EPERM | 2 drop fork 0 1 setpgid 0 -
R ok ok ok EPERM | 4 drop fork 0 1 fork 0 2 setsid 1 setpgid 2 1
R ok ok ok ESRCH | 4 drop fork 0 1 setpgid 1 - exit 1 killpg 0 1 0
R ok ok ok ok ESRCH ok | 6 drop fork 0 1 fork 1 2 setpgid 1 - exit 1 killpg 0 1 USR1 killpg 0 2 0
R ok ok ok ok ok ok ok ok | 8 drop fork 0 1 setpgid 1 - fork 1 2 exit 1 killpg 0 1 USR1 await_signal 2 USR1 socket 0 0 dgram setown 0 0 pgrp 1 IO
# kill_all: every other process of the scenario, never the caller's own, never outside
R ok ok ok ok ok EAGAIN | 6 drop fork 0 1 fork 1 2 kill_all 0 USR1 await_signal 1 USR1 await_signal 2 USR1 await_signal 0 USR1
R ESRCH ESRCH | 2 drop kill_all 0 USR1 kill_all 0 0
R ok ok ok ok EAGAIN ok ok | 7 drop fork 0 1 thread 1 2 kill_all 2 USR2 await_signal 0 USR2 await_signal 1 USR2 kill_all 0 0 kill_all 1 IO
R ok ok ok ok ok EAGAIN EAGAIN ok | 8 drop fork 0 1 fork 0 2 restrict_self 1 2 0 0 0 1 0 fork 1 3 kill_all 1 USR1 await_signal 2 USR1 await_signal 0 USR1 await_signal 3 USR1
# pidfds: one index space with the sockets
R ok ok ok ok EAGAIN | 5 drop fork 0 1 pidfd_open 0 1 0 0 pidfd_send_signal 0 0 USR1 await_signal 1 USR1 await_signal 1 USR1
R ok ok ok ok EAGAIN ok EAGAIN | 7 drop fork 0 1 thread 1 2 pidfd_open 0 2 0 1 pidfd_send_signal 0 0 USR2 await_signal 1 USR2 await_signal 2 USR2 await_signal 2 USR2
R ok ok ok ok ok EAGAIN | 6 drop fork 0 1 thread 1 2 pidfd_open 0 2 0 0 pidfd_send_signal 0 0 USR2 await_signal 1 USR2 await_signal 2 USR2
R ok ok ESRCH | 3 drop fork 0 1 exit 1 pidfd_open 0 1 0 0
R ok ok ok ESRCH ESRCH | 5 drop fork 0 1 pidfd_open 0 1 0 0 exit 1 pidfd_send_signal 0 0 0 pidfd_send_signal 0 0 USR1
R ok EBADF ok ok EBADF EBADF | 6 drop pidfd_open 0 0 0 0 send 0 0 0 close 0 0 socket 0 1 dgram pidfd_send_signal 0 1 0 close 0 0
R ok ok ok ok ok EBADF | 6 drop fork 0 1 pidfd_open 0 0 0 0 fork 0 2 pidfd_send_signal 2 0 IO await_signal 0 IO pidfd_send_signal 1 0 0
R ok ok ok ok ok ok EBADF | 7 drop fork 0 1 fork 0 2 pidfd_open 0 1 0 0 pass 0 0 2 pidfd_send_signal 2 0 URG await_signal 1 URG pidfd_send_signal 1 0 0
R ok ok ok EPERM | 4 drop fork 0 1 pidfd_open 1 0 0 0 restrict_self 1 2 0 0 0 1 0 pidfd_send_signal 1 0 0
# the parent-death signal: sent when the parent (the forking thread) exits, scope-checked
R ok ok ok ok ok EAGAIN ok | 7 drop fork 0 1 fork 1 2 pdeathsig 2 USR1 exit 1 await_signal 2 USR1 await_signal 2 USR1 exit 2
R ok ok ok EAGAIN ok | 5 drop fork 0 1 fork 1 2 pdeathsig 2 USR1 await_signal 2 USR1 exit 2
R ok ok ok ok ok ok ok | 7 drop fork 0 1 thread 1 2 fork 2 3 pdeathsig 3 USR2 exit 1 await_signal 3 USR2 exit 3
R ok ok ok ok ok ok EAGAIN | 7 drop fork 0 1 fork 1 2 thread 2 3 pdeathsig 3 IO exit 1 await_signal 2 IO await_signal 3 IO
R ok ok ok ok ok EAGAIN ok | 7 drop fork 0 1 fork 1 2 pdeathsig 2 USR1 restrict_self 1 2 0 0 0 1 0 exit 1 await_signal 2 USR1 kill 2 0 0
R ok ok ok ok ok EAGAIN ok | 7 drop fork 0 1 fork 1 2 pdeathsig 2 USR1 fork 2 3 exit 1 await_signal 3 USR1 await_signal 2 USR1
R ok ok ok ok ok ok ok EPERM | 8 drop fork 0 1 restrict_self 1 2 0 0 0 1 0 fork 1 2 restrict_self 2 2 0 0 0 1 0 pdeathsig 2 USR1 exit 1 await_signal 2 USR1 kill 2 0 0
R ok ok ok ok | 4 drop fork 0 1 exit 0 socket 1 0 stream exit 1
R ok ok ok ok ok ok | 6 drop fork 0 1 pdeathsig 1 URG exit 0 await_signal 1 URG ptrace_traceme 1 socket 1 0 dgram
R ok ok ok ok ok | 5 drop thread 0 1 fork 1 2 pdeathsig 2 USR2 exit 0 await_signal 2 USR2
# setown: SIGIO (or the F_SETSIG signal) for data, connections, a peer's close; SIGURG for OOB
R ok ok ok ok ok ok ok EAGAIN | 8 drop socket 0 0 dgram bind 0 0 a srv setown 0 0 process 0 IO fork 0 1 socket 1 1 dgram sendto 1 1 a srv await_signal 0 IO await_signal 0 IO
R ok ok ok ok ok ok ok EAGAIN | 8 drop fork 0 1 socket 0 0 dgram bind 0 0 a srv setown 0 0 process 1 IO socket 0 1 dgram sendto 0 1 a srv await_signal 1 IO await_signal 0 IO
R ok ok ok ok ok ok EAGAIN | 7 drop fork 0 1 thread 1 2 socket 0 0 dgram bind 0 0 a srv setown 0 0 thread 2 USR1 sendto 0 0 a srv await_signal 1 USR1
R ok ok ok ok ok ok ok EAGAIN | 8 drop fork 0 1 thread 1 2 socket 0 0 dgram bind 0 0 a srv setown 0 0 thread 2 USR1 sendto 0 0 a srv await_signal 2 USR1 await_signal 2 IO
R ok ok ok ok ok ok ok ok ok | 9 drop fork 0 1 fork 0 2 setpgid 1 - setpgid 2 1 socket 0 0 dgram bind 0 0 a s setown 0 0 pgrp 1 USR2 sendto 0 0 a s await_signal 1 USR2
R ok ok ok ESRCH ESRCH | 5 drop fork 0 1 exit 1 socket 0 0 dgram setown 0 0 process 1 IO setown 0 0 thread 1 IO
R ok ok ok ok ok EAGAIN | 6 drop socketpair 0 0 1 stream setown 0 1 process 0 IO send 0 0 1 await_signal 0 URG await_signal 0 IO await_signal 0 URG
R ok ok ok ok ok EAGAIN | 6 drop socketpair 0 0 1 stream setown 0 1 process 0 USR1 send 0 0 1 await_signal 0 URG await_signal 0 USR1 await_signal 0 IO
R ok ok ok EAGAIN | 4 drop socketpair 0 0 1 stream setown 0 1 process 0 IO send 0 0 0 await_signal 0 URG
R ok EOPNOTSUPP | 2 drop socketpair 0 0 1 dgram send 0 0 1
R ok EOPNOTSUPP | 2 drop socketpair 0 0 1 seqpacket send 0 0 1
R ok ok ok ok EAGAIN | 5 drop socketpair 0 0 1 stream setown 0 1 process 0 IO close 0 0 await_signal 0 IO await_signal 0 URG
R ok ok ok EAGAIN EAGAIN | 5 drop socketpair 0 0 1 dgram setown 0 1 process 0 IO close 0 0 await_signal 0 IO await_signal 0 URG
R ok ok ok ok EAGAIN ok | 6 drop socketpair 0 0 1 stream setown 0 1 process 0 IO fork 0 1 close 0 0 await_signal 0 IO close 1 0
R ok ok ok ok ok ok ok EAGAIN | 8 drop socket 0 0 stream bind 0 0 a L listen 0 0 setown 0 0 process 0 IO socket 0 1 stream connect 0 1 a L await_signal 0 IO await_signal 0 URG
R ok ok ok ok ok ok EAGAIN | 7 drop socket 0 0 stream bind 0 0 a L listen 0 0 socket 0 1 stream setown 0 1 process 0 IO connect 0 1 a L await_signal 0 IO
R ok ok ok ok ok ok ok ok | 8 drop socket 0 0 stream bind 0 0 a L listen 0 0 socket 0 1 stream connect 0 1 a L setown 0 1 process 0 IO close 0 0 await_signal 0 IO
R ok ok ok ok ok ok ok ok EPERM ok ok ok EAGAIN | 13 drop socket 0 0 dgram bind 0 0 a D fork 0 1 setown 0 0 process 1 IO restrict_self 1 2 0 0 0 1 0 socket 1 1 dgram sendto 1 1 a D await_signal 1 IO kill 1 0 0 restrict_self 0 2 0 0 0 1 0 setown 0 0 process 1 IO sendto 1 1 a D await_signal 1 IO
R ok ok ok ok EAGAIN ok ok | 7 drop socketpair 0 0 1 stream setown 0 1 process 0 IO fork 0 1 close 0 0 await_signal 0 IO exit 1 await_signal 0 IO
R ok ok ok ok ok EAGAIN ok ok EAGAIN | 9 drop socketpair 0 0 1 stream fork 0 1 setown 1 1 process 1 IO close 1 0 close 0 1 await_signal 1 IO exit 0 await_signal 1 IO await_signal 1 IO
# accept
R ok ok ok ok ok ok EAGAIN ok EBADF ok | 10 drop socket 0 0 stream bind 0 0 a L listen 0 0 socket 0 1 stream connect 0 1 a L accept 0 0 2 accept 0 0 3 send 0 2 0 send 0 3 0 send 0 1 0
R ok EINVAL | 2 drop socket 0 0 stream accept 0 0 1
R ok EOPNOTSUPP | 2 drop socket 0 0 dgram accept 0 0 1
R ok EINVAL | 2 drop socket 0 0 seqpacket accept 0 0 1
R ok EBADF EBADF | 3 drop pidfd_open 0 0 0 0 accept 0 0 1 close 0 1
R ok ok ok ok ok ok ok | 7 drop socket 0 0 seqpacket bind 0 0 a Q listen 0 0 socket 0 1 seqpacket connect 0 1 a Q fork 0 1 accept 1 0 2
# ptrace: attach (seize, interrupt, wait, detach) and read (/proc/<pid>/environ)
R ok ok ok ok ok | 5 drop fork 0 1 ptrace 0 1 attach ptrace 0 1 read socket 1 0 stream kill 0 1 USR1
R ok ok EPERM EACCES ok ok | 6 drop fork 0 1 restrict_self 1 0 8 0 0 1 0 ptrace 1 0 attach ptrace 1 0 read ptrace 0 1 attach ptrace 0 1 read
R ok ok ESRCH ENOENT | 4 drop fork 0 1 exit 1 ptrace 0 1 attach ptrace 0 1 read
R ok EPERM ok EPERM | 4 drop thread 0 1 ptrace 0 1 attach ptrace 0 1 read ptrace 0 0 attach
R ok ok ok ok ok ok | 6 drop fork 0 1 thread 1 2 ptrace 0 2 attach ptrace 0 2 read tgkill 0 2 USR1 await_signal 2 USR1
R ok ok ok ok ok | 5 drop fork 0 1 ptrace 1 0 attach ptrace 1 0 read ptrace 1 0 attach socket 0 0 dgram
R ok ok ok ok EPERM EACCES | 6 drop fork 0 1 fork 0 2 restrict_self 1 0 8 0 0 1 0 restrict_self 2 0 8 0 0 1 0 ptrace 1 2 attach ptrace 1 2 read
R ok ok EPERM ok | 4 all fork 0 1 restrict_self 1 0 8 0 0 1 0 ptrace 1 0 attach ptrace 1 0 read
# ptrace_traceme: the tracer (the forking task, or the runner) ends the tracing at once
R ok ok ok | 3 drop ptrace_traceme 0 socket 0 0 stream ptrace_traceme 0
R ok ok ok ok ok | 5 drop fork 0 1 ptrace_traceme 1 socket 1 0 stream kill 0 1 USR1 await_signal 1 USR1
R ok ok ok ok | 4 drop thread 0 1 fork 1 2 ptrace_traceme 2 socket 2 0 dgram
R ok ok ok ok ok | 5 drop fork 0 1 fork 1 2 exit 1 ptrace_traceme 2 socket 2 0 stream
R ok ok ok ok | 4 drop fork 0 1 thread 1 2 ptrace_traceme 2 socket 2 0 stream
R ok ok EPERM ok | 4 drop fork 0 1 restrict_self 0 0 8 0 0 1 0 ptrace_traceme 1 socket 1 0 stream
R ok ok ok ok ok | 5 drop fork 0 1 restrict_self 1 0 8 0 0 1 0 ptrace_traceme 1 ptrace 0 1 attach ptrace 0 1 read
R ok ok ok ok ok ok | 6 drop fork 0 1 ptrace_traceme 1 ptrace 0 1 attach fork 1 2 ptrace_traceme 2 exit 2
# capabilities (caps: a test hook, ok when every capability set is empty)
R ok | 1 drop caps 0
R ok ok ok | 3 drop fork 0 1 thread 1 2 caps 2
R ENOTEMPTY | 1 all caps 0
R ok ENOTEMPTY | 2 all fork 0 1 caps 1
# version-1 ops, unchanged
R ok ok ok ok ok ok EPERM | 7 drop fork 0 1 socket 0 0 stream bind 0 0 a srv listen 0 0 restrict_self 1 1 0 0 0 1 0 socket 1 1 stream connect 1 1 a srv
R ok ok ok ok ok ok ok ok | 8 drop mkdir 0 d socket 0 0 dgram bind 0 0 p d/s fork 0 1 socket 1 1 dgram sendto 1 1 p d/s socketpair 1 2 3 seqpacket pass 1 2 0
R ok ok ok ok ENOENT | 5 drop mkdir 0 d restrict_self 0 0 8 0 0 1 1 d 8 fork 0 1 thread 1 2 restrict_self 2 0 8 0 0 1 1 e 8
# failures: a hang is a timeout, a dead task a crash; the next scenario runs as usual
F timeout ok | 3 drop fork 0 1 hang 1 socket 0 0 stream
F timeout ok | 2 drop ptrace_traceme 0 hang 0
F crash ok ok ok | 4 drop fork 0 1 fork 1 2 exit 1 crash 2
R ok | 1 drop socket 0 0 stream
@--no-namespaces
# without a PID namespace: kill_all is refused, the rest as above (a reaped pid is never
# passed to the kernel: the answer it gives for a pid that exists nowhere)
F internal ok | 2 drop fork 0 1 kill_all 0 USR1
R ok ok ok | 3 drop fork 0 1 ptrace 0 1 read kill 0 1 USR1
R ok ok ok | 3 drop ptrace_traceme 0 socket 0 0 stream ptrace_traceme 0
R ok ok ok ok ok | 5 drop fork 0 1 fork 1 2 exit 1 ptrace_traceme 2 socket 2 0 stream
R ok ok ok ok ok ok ok EAGAIN ok | 9 drop fork 0 1 fork 0 2 setpgid 1 - setpgid 2 1 killpg 0 1 USR1 await_signal 1 USR1 await_signal 2 USR1 await_signal 0 USR1 killpg 0 0 IO
R ok ok ok ok | 4 drop fork 0 1 exit 0 socket 1 0 stream exit 1
R ok ok ok ok ok ok | 6 drop fork 0 1 pdeathsig 1 URG exit 0 await_signal 1 URG ptrace_traceme 1 socket 1 0 dgram
R ok ok ESRCH ENOENT | 4 drop fork 0 1 exit 1 ptrace 0 1 attach ptrace 0 1 read
R ok ok ESRCH | 3 drop fork 0 1 exit 1 pidfd_open 0 1 0 0
R ok ok ok ESRCH ESRCH | 5 drop fork 0 1 exit 1 socket 0 0 dgram setown 0 0 process 1 IO setown 0 0 thread 1 IO
R ok ok ok ok ESRCH ok | 6 drop fork 0 1 fork 1 2 setpgid 1 - exit 1 killpg 0 1 USR1 killpg 0 2 0
R ok ok ok ok ok ok ok ok | 8 drop fork 0 1 setpgid 1 - fork 1 2 exit 1 killpg 0 1 USR1 await_signal 2 USR1 socket 0 0 dgram setown 0 0 pgrp 1 IO
F timeout ok | 2 drop ptrace_traceme 0 hang 0
CASES
}

run_group() { # opts, then "expected | line" pairs in $TMP/exp and $TMP/in
	[ -s "$TMP/in" ] || return 0
	SCOPECHECK_REPLAY_TEST_HOOKS=1 timeout 120 "$BIN" --timeout-ms 1000 $1 < "$TMP/in" > "$TMP/out"
	local rc=$? i=0
	[ $rc = 0 ] || { echo "FAIL: the replayer exited with $rc (options: $1)"; fails=$((fails + 1)); }
	paste -d '\t' "$TMP/exp" "$TMP/out" "$TMP/in" | while IFS=$'\t' read -r exp got line; do
		if [ "$exp" != "$got" ]; then
			echo "FAIL: $line"
			echo "      expected: $exp"
			echo "      got:      $got"
			echo x >> "$TMP/bad"
		fi
	done
	: > "$TMP/in"
	: > "$TMP/exp"
}

: > "$TMP/bad"
: > "$TMP/in"
: > "$TMP/exp"
opts=
ncases=0
while IFS= read -r l; do
	case "$l" in
	'#'* | '') ;;
	@*) run_group "$opts"; opts=${l#@} ;;
	*)
		echo "${l%% | *}" >> "$TMP/exp"
		echo "${l#* | }" >> "$TMP/in"
		ncases=$((ncases + 1))
		;;
	esac
done < <(cases)
run_group "$opts"
bad=$(wc -l < "$TMP/bad")
fails=$((fails + bad))
echo "cases: $ncases, failed: $bad"

# kill_all never leaves the scenario: a sentinel outside (SIGUSR1, SIGUSR2, SIGIO: default
# action terminate) outlives 2000 kill_all scenarios on 4 workers.
sleep 300 &
sentinel=$!
for i in $(seq 500); do
	echo "6 drop fork 0 1 fork 1 2 kill_all 2 USR1 kill_all 1 USR2 kill_all 0 IO await_signal 1 USR1"
	echo "4 drop thread 0 1 fork 1 2 kill_all 2 IO await_signal 0 IO"
	echo "2 drop kill_all 0 USR1 kill_all 0 0"
	echo "3 drop fork 0 1 exit 1 kill_all 0 USR2"
done > "$TMP/killall"
"$BIN" --workers 4 < "$TMP/killall" | sort | uniq -c > "$TMP/killall.out"
if kill -0 $sentinel 2>/dev/null && [ "$(awk '{s += $1} END {print s}' "$TMP/killall.out")" = 2000 ] &&
	! grep -q '^ *[0-9]* F' "$TMP/killall.out"; then
	echo "kill_all sentinel: alive after 2000 scenarios"
else
	echo "FAIL: kill_all sentinel"; cat "$TMP/killall.out"; fails=$((fails + 1))
fi
kill $sentinel 2>/dev/null
wait $sentinel 2>/dev/null

# SIGKILL of the replayer, mid-batch, leaves no process behind (a copy of the binary, so that
# its processes are told apart by their executable).
cp "$BIN" "$TMP/scr-kill"
for i in $(seq 40); do
	echo "6 drop fork 0 1 fork 1 2 thread 2 3 fork 3 4 ptrace_traceme 4 hang 4"
	echo "4 drop fork 0 1 fork 1 2 exit 1 hang 2"
done > "$TMP/hang"
SCOPECHECK_REPLAY_TEST_HOOKS=1 "$TMP/scr-kill" --workers 4 --timeout-ms 5000 < "$TMP/hang" > /dev/null &
top=$!
sleep 1
before=0
for p in /proc/[0-9]*; do [ "$(readlink "$p/exe" 2>/dev/null)" = "$TMP/scr-kill" ] && before=$((before + 1)); done
{ kill -9 $top; wait $top; } 2>/dev/null
sleep 0.5
after=0
for p in /proc/[0-9]*; do [ "$(readlink "$p/exe" 2>/dev/null)" = "$TMP/scr-kill" ] && after=$((after + 1)); done
if [ $before -gt 6 ] && [ $after = 0 ]; then
	echo "SIGKILL: $before processes before, none after"
else
	echo "FAIL: SIGKILL: $before processes before, $after after"; fails=$((fails + 1))
fi

# ops.h as `export --as c` programs use it (no replayer around it), with and without g_want_pidns
if gcc -std=gnu11 -Wall -Wextra -Wswitch-enum -Werror -O2 -pthread -o "$TMP/export-harness" replayer/tests/export-harness.c &&
	"$TMP/export-harness" > "$TMP/harness.out"; then
	tail -1 "$TMP/harness.out"
else
	cat "$TMP/harness.out"; echo "FAIL: export-harness"; fails=$((fails + 1))
fi

[ $fails = 0 ] && echo "PASS" || echo "FAIL: $fails"
[ $fails = 0 ]
