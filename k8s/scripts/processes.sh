# Starting, finding and stopping the cluster's host processes by pid file (sourced).
# shellcheck shell=bash

pid_of() { # component -> pid if its process is alive
  local f="$PID_DIR/$1.pid" pid
  [[ -f $f ]] || return 1
  pid="$(<"$f")"
  [[ -n $pid && -d /proc/$pid ]] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null || return 1
  printf '%s' "$pid"
}

start_process() { # component command...
  local name=$1; shift
  mkdir -p "$PID_DIR" "$LOG_DIR"
  # setsid: the cluster outlives the make that started it, and Ctrl-C in that make.
  setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$PID_DIR/$name.pid"
}

stop_process() { # component
  local name=$1 pid
  pid="$(pid_of "$name")" || { rm -f "$PID_DIR/$name.pid"; return 0; }
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    [[ -d /proc/$pid ]] || break
    sleep 0.2
  done
  [[ -d /proc/$pid ]] && kill -KILL "$pid" 2>/dev/null
  rm -f "$PID_DIR/$name.pid"
}

wait_for() { # description timeout-seconds log-name command...
  local what=$1 timeout=$2 logname=$3; shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [[ -n $logname ]] && ! pid_of "$logname" >/dev/null; then
      tail -n 20 "$LOG_DIR/$logname.log" >&2 || true
      die "$logname exited while waiting for $what; full log: $LOG_DIR/$logname.log"
    fi
    ((SECONDS < deadline)) || {
      [[ -n $logname ]] && tail -n 20 "$LOG_DIR/$logname.log" >&2
      die "timed out after ${timeout}s waiting for $what${logname:+; log: $LOG_DIR/$logname.log}"
    }
    sleep 1
  done
}

# Processes whose command line names our containerd socket: the shims of our pods.
our_shims() {
  local p
  for p in /proc/[0-9]*; do
    tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -q -- "containerd-shim.*-address $CONTAINERD_SOCK" && echo "${p#/proc/}"
  done
  return 0
}
