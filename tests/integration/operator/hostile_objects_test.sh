#!/usr/bin/env bash
# Hostile tenant objects against `kubemesos run` on the real kube-apiserver (issue #12, finding
# 1): Frameworks whose task template carries a ~1.2 KB non-ASCII label key. The API server
# refuses their pods and quotes the key in its message; kubemesos reports that as a
# TaskCreateFailed Warning Event. Cut at 1,024 bytes in the middle of a character, that Event
# once failed to serialise on a writer thread and aborted the process (exit 134), on every
# leader in turn. Now kubemesos keeps running (/healthz 200), each Event carries a valid message
# of at most 1,024 bytes, nothing counts as an internal error, and other pods keep being bound.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin hostile-objects
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds
op_nodes 2 8 32Gi

G="${TEST_NS}-g"
cat <<YAML | kc_quiet apply -f -
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: ${G}}
spec: {weight: 1}
YAML
KM_CLEANUPS+=("'${KUBECTL}' delete rg ${G} --wait=false --ignore-not-found")

# framework NAME INSTANCES [LABEL_KEY]: a Framework with one task "t" of INSTANCES pods.
framework() {
  local labels="{}"
  [[ -z "${3:-}" ]] || labels="{\"$3\": \"x\"}"
  cat <<YAML | kc_quiet apply -f -
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: $1, namespace: ${TEST_NS}}
spec:
  resourceGroup: ${G}
  tasks:
  - name: t
    instances: $2
    template:
      metadata: {labels: ${labels}}
      spec: {containers: [{name: c, image: busybox, resources: {requests: {cpu: "1", memory: 1Gi}}}]}
YAML
}
# 600 times U+0436 (2 bytes each). The second key starts one byte later in the same message, so
# byte 1,024 falls inside a character for one of the two whatever the message's prefix is.
key="$(python3 -c 'print("\u0436" * 600)')"
framework bad-a 1 "${key}"
framework bad-b 1 "a${key}"
framework good 2
op_start_kubemesos

# Each hostile Framework gets its Warning Event (the leader survived writing it).
events_json() { kc get events -n "${TEST_NS}" -o json; }
warned() {
  events_json | jq -e --arg fw "$1" '[.items[] | select(.involvedObject.kind == "Framework" and
    .involvedObject.name == $fw and .reason == "TaskCreateFailed" and .type == "Warning")] |
    length >= 1' >/dev/null
}
check "bad-a: a TaskCreateFailed Warning Event" km::wait_for "bad-a Event" 60 warned bad-a
check "bad-b: a TaskCreateFailed Warning Event" km::wait_for "bad-b Event" 60 warned bad-b
# The messages: valid UTF-8 (no replacement character: nothing was cut inside a character),
# at most 1,024 bytes, long enough to have been cut, and quoting the key.
events_json >"${WORK}/events.json"
check "the Event messages are valid UTF-8, 1,000..1,024 bytes, quoting the key" python3 - "${WORK}/events.json" <<'PY'
import json, sys
items = [e for e in json.load(open(sys.argv[1], encoding="utf-8"))["items"]
         if e["reason"] == "TaskCreateFailed"]
assert len(items) >= 2, items
for e in items:
    raw = e["message"].encode("utf-8")
    print(f'  {e["involvedObject"]["name"]}: {len(raw)} bytes')
    assert 1000 <= len(raw) <= 1024, len(raw)
    assert "\ufffd" not in e["message"], "a character was cut or replaced"
    assert "\u0436" * 100 in e["message"], "the key is not quoted"
PY

# Still running and healthy; the other Framework's pods and a plain pod are bound.
check "kubemesos is still running" kill -0 "${OPERATOR}"
check "/healthz answers 200" curl -sf -o /dev/null "${METRICS_URL}/healthz"
good_bound() {
  [[ $(kc get pods -n "${TEST_NS}" -l kubemesos.io/framework=good -o json |
    jq '[.items[] | select(.spec.nodeName != null)] | length') == 2 ]]
}
check "the good Framework's 2 pods are bound" km::wait_for "good pods" 60 good_bound
cat <<YAML | kc_quiet apply -f -
apiVersion: v1
kind: Pod
metadata: {name: after-the-events, namespace: ${TEST_NS}, labels: {kubemesos.io/framework: good}}
spec:
  schedulerName: kubemesos
  containers: [{name: c, image: busybox, resources: {requests: {cpu: 100m, memory: 64Mi}}}]
YAML
plain_bound() { kc get pod after-the-events -n "${TEST_NS}" -o json | jq -e '.spec.nodeName != null' >/dev/null; }
check "a pod created after the Events is bound" km::wait_for "plain pod" 60 plain_bound
no_internal_errors() {
  local text
  text="$(curl -sf "${METRICS_URL}/metrics")" && ! grep '^kubemesos_internal_errors_total' <<<"${text}"
}
check "no internal error was counted (the message was made safe, not caught)" no_internal_errors
op_check_stopped_cleanly
