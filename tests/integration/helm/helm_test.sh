#!/usr/bin/env bash
# The helm chart (helm/kubemesos) against the real kube-apiserver: lint, render with every
# optional object (the NetworkPolicy accepted by a server-side dry run), probes on their own
# port, promtool on its alerts, the dashboard's queries name exported metrics, the chart's
# crds/ equal the repository's crds/, `helm install` creates the CRDs and a
# least-privilege account (kubectl auth can-i), and `kubemesos run` authenticated as that
# account's token (with the chart's rendered config.yaml: 2 replicas' settings, leader election
# on a Lease, the registry in ConfigMaps) wins the Lease, schedules a pod and writes the
# registry: the RBAC is enough, and `kubemesos registry dump` reads it back with the same config.
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
ALL_ON="serviceMonitor.enabled=true,prometheusRule.enabled=true,networkPolicy.enabled=true"
ALL_ON+=",networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.team=monitoring"
check "helm lint --strict" quiet "${HELM}" lint --strict "${CHART}" --kube-version "${KUBE_VERSION}" \
  --set "${ALL_ON}"
check "helm template --kube-version ${KUBE_VERSION} (ServiceMonitor, PrometheusRule, NetworkPolicy on)" \
  bash -c "'${HELM}' template '${REL}' '${CHART}' -n '${TEST_NS}' --kube-version ${KUBE_VERSION} \
    --set '${ALL_ON}' >'${WORK}/rendered.yaml'"
check "dashboard JSON valid, every query names an exported metric; alerts likewise; Deployment hardened" \
  python3 "${HERE}/check_chart.py" "${WORK}/rendered.yaml" \
  "${KM_REPO_ROOT}/operator/metrics/metrics.cpp" "${WORK}/rules.yaml"
check "promtool check rules on the PrometheusRule's groups" quiet promtool check rules "${WORK}/rules.yaml"
rejects() { ! "${HELM}" template x "${CHART}" "$@" >/dev/null 2>&1; }
check "values schema rejects policy=fifo" rejects --set config.policy=fifo
check "values schema rejects an unknown key" rejects --set confg.policy=spread
check "values schema rejects bindConcurrency 2000 (the binary's range is [1, 1024])" \
  rejects --set config.bindConcurrency=2000
check "values schema rejects maxCycleInterval 1e10 (the binary's range is [0.01, 600])" \
  rejects --set config.maxCycleInterval=1e10
check "the probe port must differ from the metrics port" rejects --set metrics.probePort=8080
check "values schema rejects a metricsFrom peer with an unknown key" \
  rejects --set networkPolicy.enabled=true,networkPolicy.metricsFrom[0].pods=all
check "default: no NetworkPolicy" bash -c \
  "! '${HELM}' template x '${CHART}' | grep -q 'kind: NetworkPolicy'"
check "NetworkPolicy without metricsFrom admits nothing (ingress: [])" bash -c \
  "'${HELM}' template x '${CHART}' --set networkPolicy.enabled=true --show-only templates/networkpolicy.yaml |
     python3 -c 'import sys, yaml; s = yaml.safe_load(sys.stdin)[\"spec\"]; sys.exit(s[\"ingress\"] != [] or s[\"policyTypes\"] != [\"Ingress\"])'"
check "the API server accepts the rendered NetworkPolicy (server-side dry run)" bash -c \
  "'${HELM}' template x '${CHART}' -n '${TEST_NS}' --set '${ALL_ON}' --show-only templates/networkpolicy.yaml |
     '${KUBECTL}' apply --dry-run=server -n '${TEST_NS}' -f - >/dev/null"
check "2 replicas without leader election are refused" \
  rejects --set replicaCount=2,leaderElection.enabled=false
check "etcd backend without endpoints is refused" rejects --set registry.backend=etcd
check "etcd backend renders endpoints, prefix and the TLS secret mount" bash -c \
  "'${HELM}' template x '${CHART}' --set registry.backend=etcd,registry.etcd.endpoints[0]=https://etcd:2379,registry.etcd.tls.secretName=etcd-client |
     grep -q 'secretName: etcd-client' && '${HELM}' template x '${CHART}' --set registry.backend=etcd,registry.etcd.endpoints[0]=https://etcd:2379 | grep -q 'https://etcd:2379'"
# The registry settings are in the config.yaml that `run` reads (no separate file).
config_of() {  # config_of OUT [helm --set ...]: the rendered config.yaml
  local out=$1
  shift
  "${HELM}" template x "${CHART}" "$@" --show-only templates/configmap.yaml |
    python3 -c 'import sys, yaml; print(yaml.safe_load(sys.stdin)["data"]["config.yaml"])' >"${out}"
}
config_of "${WORK}/default-config.yaml"
config_of "${WORK}/etcd-config.yaml" --set registry.backend=etcd,registry.etcd.endpoints[0]=https://a:2379,registry.etcd.endpoints[1]=https://b:2379,registry.etcd.tls.secretName=s
config_of "${WORK}/none-config.yaml" --set leaderElection.enabled=false,replicaCount=1
check "default: 2 replicas" bash -c "'${HELM}' template x '${CHART}' | grep -q 'replicas: 2'"
check "default: registry kubernetes, its Lease and ConfigMaps in config.yaml" bash -c \
  "grep -qx 'registry: kubernetes' '${WORK}/default-config.yaml' &&
   grep -qx 'leaseName: \"kubemesos-leader\"' '${WORK}/default-config.yaml' &&
   grep -qx 'registryName: \"x-kubemesos-registry\"' '${WORK}/default-config.yaml'"
check "etcd backend: endpoints joined, prefix and the mounted TLS files in config.yaml" bash -c \
  "grep -qx 'registry: etcd' '${WORK}/etcd-config.yaml' &&
   grep -qx 'etcdEndpoints: \"https://a:2379,https://b:2379\"' '${WORK}/etcd-config.yaml' &&
   grep -qx 'etcdPrefix: \"/kubemesos/\"' '${WORK}/etcd-config.yaml' &&
   grep -qx 'etcdCertFile: /etc/kubemesos/etcd-tls/tls.crt' '${WORK}/etcd-config.yaml'"
check "kubemesos accepts the etcd config.yaml (and looks for the mounted CA)" bash -c \
  "'${KUBEMESOS}' registry get leader --config '${WORK}/etcd-config.yaml' 2>&1 | grep -q 'cannot read /etc/kubemesos/etcd-tls/ca.crt'"
check "leader election off: registry none" grep -qx 'registry: none' "${WORK}/none-config.yaml"
check "config.yaml: metrics on 0.0.0.0:8080, probes on 0.0.0.0:8081" bash -c \
  "grep -qx 'metricsAddress: \"0.0.0.0:8080\"' '${WORK}/default-config.yaml' &&
   grep -qx 'probeAddress: \"0.0.0.0:8081\"' '${WORK}/default-config.yaml'"
check "a lease shorter than 5 s is refused" rejects --set leaderElection.leaseDurationSeconds=3

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
check "can create pods/eviction (preemption)" can create pods --subresource=eviction -n "${TEST_NS}"
check "cannot list poddisruptionbudgets (the API server enforces them)" \
  cannot list poddisruptionbudgets.policy -A
check "can watch nodes" can watch nodes
check "can list pods in every namespace" can list pods -A
for resource in namespaces persistentvolumeclaims persistentvolumes \
  storageclasses.storage.k8s.io csinodes.storage.k8s.io podgroups.scheduling.k8s.io; do
  check "can watch ${resource}" can watch "${resource}" -A
done
check "cannot patch persistentvolumeclaims" cannot patch persistentvolumeclaims -n "${TEST_NS}"
check "cannot delete persistentvolumes" cannot delete persistentvolumes
check "can create and delete pods (framework controller)" bash -c \
  "[[ \$('${KUBECTL}' auth can-i --as='${AS}' create pods -n default) == yes && \$('${KUBECTL}' auth can-i --as='${AS}' delete pods -n default) == yes ]]"
check "can create events" can create events -n "${TEST_NS}"
check "can watch resourcegroups and frameworks" bash -c \
  "[[ \$('${KUBECTL}' auth can-i --as='${AS}' watch resourcegroups.kubemesos.io 2>/dev/null) == yes && \$('${KUBECTL}' auth can-i --as='${AS}' watch frameworks.kubemesos.io -A) == yes ]]"
check "can patch frameworks/status" can patch frameworks.kubemesos.io --subresource=status -n "${TEST_NS}"
check "can patch podgroups/status" can patch podgroups.scheduling.k8s.io --subresource=status -n "${TEST_NS}"
check "cannot create podgroups (the Job controller's and users')" cannot create podgroups.scheduling.k8s.io -n "${TEST_NS}"
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
check "can get and update its registry ConfigMaps" bash -c \
  "[[ \$('${KUBECTL}' auth can-i --as='${AS}' update configmaps/${SA}-registry-15 -n '${TEST_NS}') == yes && \$('${KUBECTL}' auth can-i --as='${AS}' get configmaps/${SA}-registry-0 -n '${TEST_NS}') == yes ]]"
check "cannot update other ConfigMaps (its own config included)" cannot update "configmaps/${SA}" -n "${TEST_NS}"
check "cannot delete ConfigMaps" cannot delete configmaps -n "${TEST_NS}"
check "cannot touch ConfigMaps in another namespace" cannot create configmaps -n default

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

# Ephemeral loopback ports instead of the config's 0.0.0.0:8080/8081 (tests run side by side).
KUBECONFIG="${SA_KUBECONFIG}" op_start_kubemesos --config "${WORK}/config.yaml" \
  --probe-address 127.0.0.1:0
bound() { [[ -n "$(kc get pod task-0 -n "${TEST_NS}" -o jsonpath='{.spec.nodeName}')" ]]; }
check "kubemesos run with the ServiceAccount's token binds the pod" km::wait_for "pod bound" 60 bound
check "kubemesos_binds_total{result=success} counts it" \
  km::wait_for "bind metric" 30 bash -c "curl -sf '${METRICS_URL}/metrics' | grep -qx 'kubemesos_binds_total{result=\"success\"} 1'"
check "/readyz is ready (every watch allowed and synced)" curl -sf "${METRICS_URL}/readyz" -o /dev/null
probe_url="http://127.0.0.1:$(grep -m1 '"serving /metrics' "${WORK}/kubemesos.log" | jq -e .probePort)"
check "/healthz and /readyz on the probe port; /metrics is not served there" bash -c \
  "curl -sf '${probe_url}/healthz' -o /dev/null && curl -sf '${probe_url}/readyz' -o /dev/null &&
   [[ \$(curl -s -o /dev/null -w '%{http_code}' '${probe_url}/metrics') == 404 ]]"
check "no forbidden (403) response in the log" bash -c "! grep -qiE 'forbidden|\\b403\\b' '${WORK}/kubemesos.log'"
holder() { kc get lease kubemesos-leader -n "${TEST_NS}" -o jsonpath='{.spec.holderIdentity}'; }
check "it won the chart's Lease (holderIdentity set)" test -n "$(holder)"
registry_has_fw() {
  KUBECONFIG="${SA_KUBECONFIG}" "${KUBEMESOS}" registry dump --config "${WORK}/config.yaml" \
    >"${WORK}/dump.json" && jq -e --arg k "frameworks/${TEST_NS}/fw" '.[$k].frameworkID' "${WORK}/dump.json" >/dev/null
}
check "kubemesos registry dump (as the ServiceAccount) shows the framework's registration" \
  km::wait_for "registry record" 30 registry_has_fw
check "the registry holds the group's settings and the node registrations" bash -c \
  "jq -e --arg g 'settings/groups/${TEST_NS}-rg' '.[\$g].limit.cpu == \"4\"' '${WORK}/dump.json' >/dev/null &&
   jq -e '[keys[] | select(startswith(\"agents/\"))] | length > 0' '${WORK}/dump.json' >/dev/null"
fw_id_in_status() {
  [[ "$(kc get fw fw -n "${TEST_NS}" -o jsonpath='{.status.frameworkID}')" == \
     "$(jq -r --arg k "frameworks/${TEST_NS}/fw" '.[$k].frameworkID' "${WORK}/dump.json")" ]]
}
check "the Framework's status.frameworkID is the registry's" km::wait_for "frameworkID" 30 fw_id_in_status
op_check_stopped_cleanly

# --- helm uninstall ------------------------------------------------------------------------
check "helm uninstall" quiet "${HELM}" uninstall "${REL}" -n "${TEST_NS}" --wait --timeout 60s
check "the ClusterRole and ClusterRoleBinding are gone" bash -c \
  "! '${KUBECTL}' get clusterrole/${SA} clusterrolebinding/${SA} >/dev/null 2>&1"
check "the CRDs stay (helm never deletes crds/)" kc_quiet get crd resourcegroups.kubemesos.io frameworks.kubemesos.io
