# Shell helpers shared by kubemesos' hack/ scripts: logging, polling with
# deadlines, port checks and process handling. Source it; it defines functions
# only (the caller sets `set -euo pipefail`).
# shellcheck shell=bash

km::log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
km::die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# km::wait_for DESCRIPTION TIMEOUT_SECONDS COMMAND...: runs COMMAND until it
# succeeds, backing off from 0.05 s to 1 s between tries. Fails after the
# deadline with the last output of COMMAND, or at once if COMMAND exits 125
# (it knows waiting is pointless, e.g. the process it waits for died).
km::wait_for() {
  local what="$1" timeout="$2"; shift 2
  local deadline=$((SECONDS + timeout)) pause=0.05 out rc
  while true; do
    rc=0
    out="$("$@" 2>&1)" || rc=$?
    if ((rc == 0)); then
      return 0
    fi
    if ((rc == 125)); then
      km::log "gave up waiting for ${what}:"
      printf '%s\n' "${out}" | tail -n 30 >&2
      return 1
    fi
    if ((SECONDS >= deadline)); then
      km::log "timed out after ${timeout}s waiting for ${what}; last output:"
      printf '%s\n' "${out}" | tail -n 20 >&2
      return 1
    fi
    sleep "${pause}"
    case "${pause}" in
      0.05) pause=0.1 ;; 0.1) pause=0.25 ;; 0.25) pause=0.5 ;; *) pause=1 ;;
    esac
  done
}

# km::port_open PORT: true if something listens on 127.0.0.1:PORT.
km::port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# km::pid_alive PID [MARK]: true if PID runs and, when MARK is given, its command
# line contains MARK (protects against a recycled PID).
km::pid_alive() {
  local pid="$1" mark="${2:-}"
  [[ -n "${pid}" && -d "/proc/${pid}" ]] || return 1
  [[ "$(awk '{print $3}' "/proc/${pid}/stat" 2>/dev/null)" != Z ]] || return 1
  if [[ -n "${mark}" ]]; then
    { tr '\0' ' ' <"/proc/${pid}/cmdline"; } 2>/dev/null | grep -qF -- "${mark}" || return 1
  fi
}

# km::stop_pid NAME PID MARK TIMEOUT: SIGTERM, wait up to TIMEOUT s, then SIGKILL.
km::stop_pid() {
  local name="$1" pid="$2" mark="$3" timeout="${4:-20}"
  km::pid_alive "${pid}" "${mark}" || return 0
  kill -TERM "${pid}" 2>/dev/null || true
  local deadline=$((SECONDS + timeout))
  while km::pid_alive "${pid}" "${mark}"; do
    if ((SECONDS >= deadline)); then
      km::log "${name} (pid ${pid}) did not stop in ${timeout}s; killing it"
      kill -KILL "${pid}" 2>/dev/null || true
      deadline=$((SECONDS + 10))
      while km::pid_alive "${pid}" "${mark}" && ((SECONDS < deadline)); do sleep 0.1; done
      break
    fi
    sleep 0.1
  done
}

# km::rss_kib PID: resident set size of PID in KiB (0 if gone).
km::rss_kib() {
  awk '/^VmRSS:/ {print $2; found=1} END {if (!found) print 0}' "/proc/$1/status" 2>/dev/null || echo 0
}
