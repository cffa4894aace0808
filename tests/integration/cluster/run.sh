#!/usr/bin/env bash
# Runs the local-control-plane smoke tests without CMake: starts a cluster
# (name KUBEMESOS_TEST_CLUSTER, default "smoke"), runs every *_test.sh here,
# always stops the cluster (and checks that nothing is left), and prints
# "N passed, N failed". Exit status 0 only if all passed.
# Usage: tests/integration/cluster/run.sh [TEST_NAME...]   (e.g. nodes pod_lifecycle)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export KUBEMESOS_TEST_CLUSTER="${KUBEMESOS_TEST_CLUSTER:-smoke}"
export KUBEMESOS_TEST_NODES="${KUBEMESOS_TEST_NODES:-10}"

tests=("$@")
if ((${#tests[@]} == 0)); then
  for f in "${here}"/*_test.sh; do tests+=("$(basename "${f}" _test.sh)"); done
fi

passed=0
failed=0
down_done=0
finish() {
  if ((down_done == 0)); then
    down_done=1
    if "${here}/fixture_down.sh"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: down"; fi
  fi
  echo "${passed} passed, ${failed} failed"
  ((failed == 0))
}
trap 'finish' EXIT

if ! "${here}/fixture_up.sh"; then
  failed=$((failed + 1))
  echo "FAILED: cluster up"
  exit 1
fi
passed=$((passed + 1))
for t in "${tests[@]}"; do
  echo "=== ${t}"
  start=${SECONDS}
  if "${here}/${t}_test.sh"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: ${t}"
  fi
  echo "=== ${t}: $((SECONDS - start))s"
done
