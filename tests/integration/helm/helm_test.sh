#!/usr/bin/env bash
# The helm chart (helm/kubemesos) against the real kube-apiserver: lint, render with every
# optional object, promtool on its alerts, the dashboard's queries name exported metrics, the
# chart's crds/ equal the repository's crds/, `helm install` creates the CRDs and a
# least-privilege account (kubectl auth can-i), and `kubemesos run` authenticated as that
# account's token (with the chart's rendered config.yaml) schedules a pod: the RBAC is enough.
# The Deployment's own pod never runs here (KWOK nodes have no container runtime, and no image
# is built on this machine).
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin helm
# shellcheck source=tests/integration/operator/lib.sh
source "${KM_REPO_ROOT}/tests/integration/operator/lib.sh"

HELM="${KUBEMESOS_BIN_DIR}/helm"
CHART="${KM_REPO_ROOT}/helm/kubemesos"
HERE="${KM_REPO_ROOT}/tests/integration/helm"
[[ -x "${HELM}" ]] || km::die "helm not found in ${KUBEMESOS_BIN_DIR}"
REL="${TEST_NS}"                       # unique: its ClusterRole names are cluster-wide
SA="${REL}-kubemesos"
AS="system:serviceaccount:${TEST_NS}:${SA}"
KUBE_VERSION=1.37.2

# --- Static checks --------------------------------------------------------------------------
check "chart crds/ equal the repository's crds/ (one source of truth)" \
  diff -r "${KM_REPO_ROOT}/crds" "${CHART}/crds"
check "helm lint --strict" quiet "${HELM}" lint --strict "${CHART}" --kube-version "${KUBE_VERSION}" \
  --set serviceMonitor.enabled=true,prometheusRule.enabled=true
check "helm template --kube-version ${KUBE_VERSION} (ServiceMonitor, PrometheusRule on)" \
  bash -c "'${HELM}' template '${REL}' '${CHART}' -n '${TEST_NS}' --kube-version ${KUBE_VERSION} \
    --set serviceMonitor.enabled=true,prometheusRule.enabled=true >'${WORK}/rendered.yaml'"
check "dashboard JSON valid, every query names an exported metric; alerts likewise; Deployment hardened" \
  python3 "${HERE}/check_chart.py" "${WORK}/rendered.yaml" \
  "${KM_REPO_ROOT}/operator/metrics/metrics.cpp" "${WORK}/rules.yaml"
check "promtool check rules on the PrometheusRule's groups" quiet promtool check rules "${WORK}/rules.yaml"
rejects() { ! "${HELM}" template x "${CHART}" "$@" >/dev/null 2>&1; }
check "values schema rejects policy=fifo" rejects --set config.policy=fifo
check "values schema rejects an unknown key" rejects --set confg.policy=spread
check "2 replicas without leader election are refused" \
  rejects --set replicaCount=2,leaderElection.enabled=false
check "etcd backend without endpoints is refused" rejects --set registry.backend=etcd
check "etcd backend renders endpoints, prefix and the TLS secret mount" bash -c \
  "'${HELM}' template x '${CHART}' --set registry.backend=etcd,registry.etcd.endpoints[0]=https://etcd:2379,registry.etcd.tls.secretName=etcd-client |
     grep -q 'secretName: etcd-client' && '${HELM}' template x '${CHART}' --set registry.backend=etcd,registry.etcd.endpoints[0]=https://etcd:2379 | grep -q 'https://etcd:2379'"

# --- helm install -------------------------------------------------------------------------
crds_before="$( (kc get crd resourcegroups.kubemesos.io frameworks.kubemesos.io -o name 2>/dev/null || true) | wc -l)"
KM_CLEANUPS+=("'${HELM}' uninstall '${REL}' -n '${TEST_NS}'")
check "helm install" quiet "${HELM}" install "${REL}" "${CHART}" -n "${TEST_NS}"
crds_ready() {
  kc_quiet wait --for=condition=Established crd/resourcegroups.kubemesos.io \
    crd/frameworks.kubemesos.io --timeout=5s
}
check "the CRDs exist and are Established (${crds_before}/2 existed before the install)" \
  km::wait_for "CRDs Established" 60 crds_ready
check "release deployed" bash -c "'${HELM}' status '${REL}' -n '${TEST_NS}' -o json | jq -e '.info.status == \"deployed\"' >/dev/null"
check "ServiceAccount, Deployment, Service, ConfigMaps, Role created" \
  kc_quiet get -n "${TEST_NS}" "serviceaccount/${SA}" "deployment/${SA}" "service/${SA}" \
  "configmap/${SA}" "configmap/${SA}-dashboard" "role/${SA}-leader-election"

# --- RBAC: what the account can and cannot do ----------------------------------------------
can() { [[ "$(kc auth can-i --as="${AS}" "$@" 2>/dev/null)" == yes ]]; }
cannot() { ! can "$@"; }
check "can create pods/binding" can create pods --subresource=binding -n "${TEST_NS}"
check "can patch pods/status" can patch pods --subresource=status -n "${TEST_NS}"
check "can watch nodes" can watch nodes
check "can list pods in every namespace" can list pods -A
check "can create and delete pods (framework controller)" bash -c \
  "[[ \$('${KUBECTL}' auth can-i --as='${AS}' create pods -n default) == yes && \$('${KUBECTL}' auth can-i --as='${AS}' delete pods -n default) == yes ]]"
check "can create events" can create events -n "${TEST_NS}"
check "can watch resourcegroups and frameworks" bash -c \
  "[[ \$('${KUBECTL}' auth can-i --as='${AS}' watch resourcegroups.kubemesos.io 2>/dev/null) == yes && \$('${KUBECTL}' auth can-i --as='${AS}' watch frameworks.kubemesos.io -A) == yes ]]"
check "can patch frameworks/status" can patch frameworks.kubemesos.io --subresource=status -n "${TEST_NS}"
check "can create leases in its namespace" can create leases.coordination.k8s.io -n "${TEST_NS}"
check "can update its own lease" can update leases.coordination.k8s.io/kubemesos-leader -n "${TEST_NS}"
check "cannot delete nodes" cannot delete nodes
check "cannot patch nodes" cannot patch nodes
check "cannot read secrets (its namespace)" cannot get secrets -n "${TEST_NS}"
check "cannot list secrets (cluster-wide)" cannot list secrets -A
check "cannot create clusterroles" cannot create clusterroles.rbac.authorization.k8s.io
check "cannot update pods (only status and binding)" cannot update pods -n "${TEST_NS}"
check "cannot patch frameworks' spec" cannot patch frameworks.kubemesos.io -n "${TEST_NS}"
check "cannot delete resourcegroups" cannot delete resourcegroups.kubemesos.io
check "cannot create leases in another namespace" cannot create leases.coordination.k8s.io -n default
check "cannot update another lease" cannot update leases.coordination.k8s.io/other -n "${TEST_NS}"

# --- kubemesos run as the chart's ServiceAccount schedules a pod ----------------------------
server="$(kc config view --raw --minify -o jsonpath='{.clusters[0].cluster.server}')"
token="$(kc create token "${SA}" -n "${TEST_NS}" --duration=1h)"
SA_KUBECONFIG="${WORK}/sa.kubeconfig"
cat >"${SA_KUBECONFIG}" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "${server}", certificate-authority: "${KUBEMESOS_CA_FILE}"}
users:
- name: ${SA}
  user: {token: "${token}"}
contexts:
- name: sa
  context: {cluster: c, user: ${SA}, namespace: ${TEST_NS}}
current-context: sa
YAML
check "the token kubeconfig is the ServiceAccount" bash -c \
  "'${KUBECTL}' --kubeconfig '${SA_KUBECONFIG}' auth whoami -o jsonpath='{.status.userInfo.username}' | grep -qx '${AS}'"
# The chart's own config.yaml, as the Deployment mounts it.
kc get configmap "${SA}" -n "${TEST_NS}" -o jsonpath='{.data.config\.yaml}' >"${WORK}/config.yaml"

cat <<YAML | kc_quiet apply -f -
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: ${TEST_NS}-rg}
spec: {weight: 1, limit: {cpu: "4"}}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: fw, namespace: ${TEST_NS}}
spec: {resourceGroup: ${TEST_NS}-rg}
---
apiVersion: v1
kind: Pod
metadata:
  name: task-0
  namespace: ${TEST_NS}
  labels: {kubemesos.io/framework: fw}
spec:
  schedulerName: kubemesos
  restartPolicy: Never
  containers:
  - name: main
    image: fake.example/kubemesos-task:1
    resources: {requests: {cpu: 500m, memory: 256Mi}}
YAML
KM_CLEANUPS+=("'${KUBECTL}' delete rg ${TEST_NS}-rg --wait=false")

KUBECONFIG="${SA_KUBECONFIG}" op_start_kubemesos --config "${WORK}/config.yaml"
bound() { [[ -n "$(kc get pod task-0 -n "${TEST_NS}" -o jsonpath='{.spec.nodeName}')" ]]; }
check "kubemesos run with the ServiceAccount's token binds the pod" km::wait_for "pod bound" 60 bound
check "kubemesos_binds_total{result=success} counts it" \
  km::wait_for "bind metric" 30 bash -c "curl -sf '${METRICS_URL}/metrics' | grep -qx 'kubemesos_binds_total{result=\"success\"} 1'"
check "/readyz is ready (every watch allowed and synced)" curl -sf "${METRICS_URL}/readyz" -o /dev/null
check "no forbidden (403) response in the log" bash -c "! grep -qiE 'forbidden|\\b403\\b' '${WORK}/kubemesos.log'"
op_check_stopped_cleanly

# --- helm uninstall ------------------------------------------------------------------------
check "helm uninstall" quiet "${HELM}" uninstall "${REL}" -n "${TEST_NS}" --wait --timeout 60s
check "the ClusterRole and ClusterRoleBinding are gone" bash -c \
  "! '${KUBECTL}' get clusterrole/${SA} clusterrolebinding/${SA} >/dev/null 2>&1"
check "the CRDs stay (helm never deletes crds/)" kc_quiet get crd resourcegroups.kubemesos.io frameworks.kubemesos.io
