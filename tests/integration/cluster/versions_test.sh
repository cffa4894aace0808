#!/usr/bin/env bash
# Smoke test: the cached tools report the versions pinned in hack/tools/*/go.mod
# (stamped through ldflags): kubectl client and kube-apiserver /version, helm,
# kwok and etcd.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
km_test_begin versions

eval "$("${KM_REPO_ROOT}/hack/tools/build.sh" --print-versions | sed 's/^/pin_/')"
bin="${KUBEMESOS_BIN_DIR}"
# shellcheck disable=SC2154
{
  client="$(kc version -o json | sed -n '/"clientVersion"/,/}/s/.*"gitVersion": "\(.*\)".*/\1/p')"
  server="$(kc version -o json | sed -n '/"serverVersion"/,/}/s/.*"gitVersion": "\(.*\)".*/\1/p')"
  check "kubectl client version ${client} = ${pin_kubernetes}" test "${client}" == "${pin_kubernetes}"
  check "kube-apiserver /version ${server} = ${pin_kubernetes}" test "${server}" == "${pin_kubernetes}"
  for c in kube-apiserver kube-controller-manager kube-scheduler; do
    v="$("${bin}/${c}" --version | awk '{print $2}')"
    check "${c} --version ${v} = ${pin_kubernetes}" test "${v}" == "${pin_kubernetes}"
  done
  helm_v="$("${bin}/helm" version --template '{{.Version}}')"
  check "helm version ${helm_v} = ${pin_helm}" test "${helm_v}" == "${pin_helm}"
  kwok_v="$("${bin}/kwok" --version 2>&1 | head -n1)"
  check "kwok --version '${kwok_v}' names ${pin_kwok}" grep -qF "${pin_kwok#v}" <<<"${kwok_v}"
  etcd_v="$("${bin}/etcd" --version | sed -n 's/^etcd Version: //p')"
  check "etcd --version ${etcd_v} = ${pin_etcd}" test "v${etcd_v}" == "${pin_etcd}"
  # helm talks to the cluster with the kubeconfig.
  check "helm list reaches the cluster" quiet "${bin}/helm" --kubeconfig "${KUBECONFIG}" list -n "${TEST_NS}"
}
