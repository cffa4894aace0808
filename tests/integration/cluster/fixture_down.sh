#!/usr/bin/env bash
# CTest fixture cleanup (FIXTURES_CLEANUP kubemesos_cluster; runs pass or fail):
# stops the shared test cluster and checks that `hack/cluster.sh down` left no
# process running and no port open. The component logs are kept.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
# shellcheck source=hack/lib/common.sh
source "${root}/hack/lib/common.sh"
name="${KUBEMESOS_TEST_CLUSTER:?set by tests/integration/CMakeLists.txt}"
cl="${KUBEMESOS_CACHE:-${HOME}/.cache/kubemesos}/clusters/${name}"

pids=()
ports=()
if [[ -f "${cl}/cluster.env" ]]; then
  for f in "${cl}"/pids/*.pid; do [[ -e "${f}" ]] && pids+=("$(cat "${f}")"); done
  base="$(sed -n 's/^KUBEMESOS_PORT_BASE=//p' "${cl}/cluster.env")"
  for i in 0 1 2 3 4 5; do ports+=($((base + i))); done
fi
"${root}/hack/cluster.sh" down --name "${name}" --keep-logs
echo "logs kept in ${cl}/logs"

failed=0
for pid in "${pids[@]}"; do
  if km::pid_alive "${pid}"; then echo "FAIL - pid ${pid} still runs after down"; failed=1; fi
done
for port in "${ports[@]}"; do
  if km::port_open "${port}"; then echo "FAIL - port ${port} still open after down"; failed=1; fi
done
if [[ -d "${cl}" ]] && find "${cl}" -mindepth 1 -maxdepth 1 ! -name logs | grep -q .; then
  echo "FAIL - cluster data left in ${cl}"; failed=1
fi
echo "down: ${#pids[@]} processes stopped, ${#ports[@]} ports closed"
exit "${failed}"
