#!/usr/bin/env bash
# kubemesos' memory against a Framework's `instances` (issue #12, finding 2), on a local control
# plane of its own: runs tests/integration/operator/framework_memory_test.sh in measure-only mode
# for each binary and size and prints its numbers (KiB, from /proc/<pid>/status):
#   - a 100,000-instance Framework under a 1,000-pod ResourceQuota: VmHWM and VmRSS 60 s after
#     the apply and at the end (a binary that passes --kill-gib of RSS is killed);
#   - a 1,000-instance Framework whose pods all exist: (VmRSS - baseline) / pods, the cost per
#     existing task pod ("today's per-pod cost" when run on main's binary).
#   bench/framework_rss.sh [--binary build/kubemesos] [--old /work/main/build/kubemesos]
#                          [--instances 100000] [--quota 1000] [--kill-gib 3] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
binary=build/kubemesos old="" instances=100000 quota=1000 kill_gib=3 keep=0
while (($#)); do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --old) old=$2; shift 2 ;;
    --instances) instances=$2; shift 2 ;;
    --quota) quota=$2; shift 2 ;;
    --kill-gib) kill_gib=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
name=bench-fwrss
cache="${KUBEMESOS_CACHE:-${HOME}/.cache/kubemesos}"
hack/cluster.sh up --name "$name" --nodes 1 >/dev/null
cleanup() { ((keep)) || hack/cluster.sh down --name "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT
# run LABEL BINARY INSTANCES QUOTA: one measurement, its "memory:" lines prefixed with LABEL.
run() {
  echo "== $1: $(basename "$2") ($2), ${3} instances, quota ${4} pods"
  KUBEMESOS_TEST_ENV_FILE="${cache}/clusters/${name}/cluster.env" KUBEMESOS_BINARY="$2" \
    FRAMEWORK_MEMORY_MEASURE_ONLY=1 FRAMEWORK_MEMORY_INSTANCES="$3" FRAMEWORK_MEMORY_QUOTA="$4" \
    FRAMEWORK_MEMORY_KILL_KIB=$((kill_gib * 1024 * 1024)) \
    tests/integration/operator/framework_memory_test.sh 2>&1 | grep -E '^memory:|^FAIL' || true
}
for label in new${old:+ old}; do
  bin=$binary
  [[ $label == old ]] && bin=$old
  run "$label, many instances" "$bin" "$instances" "$quota"
  run "$label, per-pod cost" "$bin" "$quota" "$quota"
done
