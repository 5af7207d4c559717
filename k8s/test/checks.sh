# The test scripts' counters and checks (sourced; each script sets $work, a temp dir, first).
#   ok NAME / bad NAME        count a pass or a failure (bad shows $work/out, the last 40 lines)
#   check NAME CMD...         passes when CMD exits 0; its output is shown only on failure
#   expect NAME ACTUAL WANTED passes when ACTUAL is WANTED
# shellcheck shell=bash
# shellcheck disable=SC2154 # $work is the sourcing script's
passed=0 failed=0
ok() { passed=$((passed + 1)); printf '  ok    %s\n' "$1"; }
bad() { failed=$((failed + 1)); printf '  FAIL  %s\n' "$1"; [[ -s $work/out ]] && sed 's/^/        /' "$work/out" | tail -40; return 0; }
check() { local name=$1; shift; if "$@" >"$work/out" 2>&1; then ok "$name"; else bad "$name"; fi; }
expect() { if [[ $2 == "$3" ]]; then ok "$1 ($2)"; else : >"$work/out"; bad "$1: got '$2', wanted '$3'"; fi; }
