#!/usr/bin/env bash
# CTest fixture setup (FIXTURES_SETUP kubemesos_cluster): builds the tools if
# needed and starts the shared test cluster KUBEMESOS_TEST_CLUSTER with
# KUBEMESOS_TEST_NODES fake nodes (default 10). A leftover cluster of the same
# name (an earlier run that was killed) is stopped first.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
name="${KUBEMESOS_TEST_CLUSTER:?set by tests/integration/CMakeLists.txt}"
args=(--name "${name}" --nodes "${KUBEMESOS_TEST_NODES:-10}")
if [[ -n "${KUBEMESOS_TEST_PORT_BASE:-}" ]]; then args+=(--port-base "${KUBEMESOS_TEST_PORT_BASE}"); fi
"${root}/hack/cluster.sh" down --name "${name}"
start=${SECONDS}
"${root}/hack/cluster.sh" up "${args[@]}"
echo "cluster ${name} up in $((SECONDS - start))s"
