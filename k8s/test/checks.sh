# The shell tests' counters and checks (sourced by every test script). Makes $work, a temp dir
# removed on exit; $work/out holds what a failure shows.
#   ok NAME / bad NAME        count a pass or a failure (bad shows $work/out, the last 40 lines)
#   skip NAME                 count a check this cluster cannot run (NAME says why)
#   check NAME CMD...         passes when CMD exits 0; its output is shown only on failure, and
#                             how long it took when that was 2 s or more
#   expect NAME ACTUAL WANTED passes when ACTUAL is WANTED
#   checks_done               prints the closing 'N passed, N failed' line; fails when one failed
#   summary_on_exit [CLEANUP] for tests that must clean up after themselves: on any exit, an early
#                             one counted as a failure (the script sets finished=true at its end),
#                             runs the function CLEANUP, removes $work, ends with checks_done's line
#                             and exits 0 only when nothing failed
# shellcheck shell=bash
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0 failed=0 skipped=0 finished=false
ok() { passed=$((passed + 1)); printf '  ok    %s\n' "$1"; }
bad() { failed=$((failed + 1)); printf '  FAIL  %s\n' "$1"; [[ -s $work/out ]] && sed 's/^/        /' "$work/out" | tail -40; return 0; }
skip() { skipped=$((skipped + 1)); printf '  skip  %s\n' "$1"; }
check() {
  local name=$1 start=$SECONDS; shift
  local rc=0; "$@" >"$work/out" 2>&1 || rc=$?
  ((SECONDS - start < 2)) || name+=" ($((SECONDS - start)) s)"
  if ((rc == 0)); then ok "$name"; else bad "$name"; fi
}
expect() { if [[ $2 == "$3" ]]; then ok "$1 ($2)"; else : >"$work/out"; bad "$1: got '$2', wanted '$3'"; fi; }
checks_done() {
  echo "$passed passed, $failed failed$( ((skipped == 0)) || echo ", $skipped skipped")"
  ((failed == 0))
}

summary_on_exit() {
  # shellcheck disable=SC2064 # the cleanup's name is fixed now
  trap "end_checks ${1:-}" EXIT
  trap 'exit 130' INT TERM
}
end_checks() { # [cleanup]
  local rc=$?
  set +e
  : >"$work/out"
  $finished || bad "stopped early (exit $rc)"
  [[ -z ${1:-} ]] || "$1"
  rm -rf "$work"
  checks_done && exit 0
  exit 1
}
