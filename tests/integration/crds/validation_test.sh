#!/usr/bin/env bash
# The CRDs against the real kube-apiserver: the API server itself refuses each invalid spec of a
# table (structural schema and CEL rules) with a message naming the field; every example under
# examples/demo and examples/crds is accepted; defaults are visible after apply; `kubectl get rg`
# and `kubectl get fw` show the printer columns (status written through the status
# subresource); `kubectl get kubemesos` (the category) lists both kinds.
set -euo pipefail
shopt -s lastpipe   # `yaml | refused ...` runs refused in this shell, so its failures count
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin crds
# km_test_namespace registers the namespace's deletion inside a command substitution (a subshell),
# so the registration is lost: delete it here too (a second delete is harmless).
KM_CLEANUPS+=("'${KUBECTL}' delete namespace '${TEST_NS}' --wait=false")

WORK="$(mktemp -d)"
KM_CLEANUPS+=("rm -rf '${WORK}'")
RG="${TEST_NS}"   # prefix of every (cluster-scoped) ResourceGroup this test creates

kc_quiet apply -f "${KM_REPO_ROOT}/crds/"
kc_quiet wait --for=condition=Established crd/resourcegroups.kubemesos.io \
  crd/frameworks.kubemesos.io --timeout=60s

indent() { sed 's/^/       /'; }

# refused DESCRIPTION EXPECTED... < YAML: `kubectl apply --dry-run=server` of the YAML must fail
# and its message must contain every EXPECTED substring (the field path and the reason).
refused() {
  local what="$1" out rc=0 want; shift
  cat >"${WORK}/case.yaml"
  out="$(kc apply --dry-run=server -f "${WORK}/case.yaml" 2>&1)" || rc=$?
  if ((rc == 0)); then
    echo "FAIL - refused: ${what}: accepted"; indent <<<"${out}"
    KM_FAILURES=$((KM_FAILURES + 1)); return 0
  fi
  for want in "$@"; do
    if [[ "${out}" != *"${want}"* ]]; then
      echo "FAIL - refused: ${what}: message lacks '${want}':"; indent <<<"${out}"
      KM_FAILURES=$((KM_FAILURES + 1)); return 0
    fi
  done
  echo "ok   - refused: ${what}: $(echo "${out}" | grep -F -- "$1" | head -n 1 | sed 's/^[* ]*//' | cut -c1-160)"
}

# accepted DESCRIPTION < YAML: `kubectl apply --dry-run=server` succeeds.
accepted() {
  local out
  cat >"${WORK}/case.yaml"
  if out="$(kc apply --dry-run=server -f "${WORK}/case.yaml" 2>&1)"; then
    echo "ok   - accepted: $1"
  else
    echo "FAIL - accepted: $1:"; indent <<<"${out}"
    KM_FAILURES=$((KM_FAILURES + 1))
  fi
}

rg() { printf 'apiVersion: kubemesos.io/v1alpha1\nkind: ResourceGroup\nmetadata: {name: %s}\nspec: %s\n' "$1" "$2"; }
fw() { printf 'apiVersion: kubemesos.io/v1alpha1\nkind: Framework\nmetadata: {name: %s, namespace: %s}\nspec: %s\n' "$1" "${TEST_NS}" "$2"; }
# task FIELDS: one task "worker" with a valid template plus FIELDS (a flow-mapping fragment).
task() { printf '{name: worker, %s template: {spec: {containers: [{name: c, image: busybox}]}}}' "${1:+$1, }"; }

# A freshly updated CRD's schema reaches the handlers within moments: wait for the newest rule.
newest_rule_active() {
  ! fw f "{resourceGroup: ${RG}-a, tasks: [$(task 'instances: 600000'), {name: w-2, instances: 600000, template: {spec: {containers: [{name: c, image: busybox}]}}}]}" |
    kc apply --dry-run=server -f - >/dev/null 2>&1 &&
    ! fw f "{resourceGroup: ${RG}-a, tasks: [$(task 'instances: 1')], gang: {minMember: 2}}" |
    kc apply --dry-run=server -f - >/dev/null 2>&1 &&
    ! rg "${RG}-newest" '{preemption: {delaySeconds: 86401}}' |
    kc apply --dry-run=server -f - >/dev/null 2>&1 &&
    ! fw f "{resourceGroup: ${RG}-a, preemption: {minRuntimeSeconds: -1}}" |
    kc apply --dry-run=server -f - >/dev/null 2>&1
}
km::wait_for "the CRDs' CEL rules to be served" 30 newest_rule_active

echo "# ResourceGroup: invalid specs"
rg "${RG}-w0" '{weight: 0}' | refused "weight 0" "spec.weight" "greater than 0"
rg "${RG}-wneg" '{weight: -1.5}' | refused "negative weight" "spec.weight" "greater than 0"
rg "${RG}-wstr" '{weight: heavy}' | refused "weight not a number" "spec.weight" "must be of type number"
rg "${RG}-q" '{guarantee: {cpu: lots}}' | refused "guarantee quantity that does not parse" \
  "spec.guarantee[cpu]" "quantity"
rg "${RG}-qneg" '{limit: {memory: -3}}' | refused "negative limit quantity" "spec.limit[memory]" "non-negative quantity"
rg "${RG}-qneg2" '{limit: {cpu: "-1"}}' | refused "negative limit quantity string" "spec.limit[cpu]" "non-negative quantity"
# Issue #12: the parser wrapped this to 0; kubemesos holds at most 2^62 milli-units.
rg "${RG}-qbig" '{limit: {cpu: "488589780479268790.24Ei"}}' |
  refused "limit above 2^62 milli-units" "spec.limit[cpu]" "at most 4611686018427387904m"
rg "${RG}-qbig2" '{guarantee: {memory: "4611686018427387905m"}}' |
  refused "guarantee one milli-unit above 2^62" "spec.guarantee[memory]" "at most 4611686018427387904m"
rg "${RG}-gl" '{guarantee: {cpu: 1500m, memory: 1Gi}, limit: {cpu: "1", memory: 2Gi}}' |
  refused "guarantee above limit (cpu, 1500m > 1)" "spec.guarantee" "must not exceed spec.limit"
rg "${RG}-glmem" '{guarantee: {memory: 2Gi}, limit: {memory: 2000Mi}}' |
  refused "guarantee above limit (memory, 2Gi > 2000Mi)" "spec.guarantee" "must not exceed spec.limit"
rg "${RG}-glgpu" '{guarantee: {cpu: "1", nvidia.com/gpu: 16}, limit: {cpu: "2", nvidia.com/gpu: "8"}}' |
  refused "guarantee above limit (extended resource)" "spec.guarantee" "must not exceed spec.limit"
rg "${RG}-self" "{parent: ${RG}-self}" | refused "group its own parent" "spec.parent" "own parent"
rg "${RG}-ns" '{nodeSelector: {pool: 5}}' | refused "nodeSelector value not a string" \
  "spec.nodeSelector.pool" "must be of type string"
rg "${RG}-ns2" '{nodeSelector: {pool: [a, b]}}' | refused "nodeSelector value a list" \
  "spec.nodeSelector.pool" "must be of type string"

echo "# ResourceGroup: invalid sharing and preemption (spec.guaranteePolicy, spec.preemption)"
rg "${RG}-gp" '{guaranteePolicy: Borrow}' |
  refused "guaranteePolicy not Lend|Hold" "spec.guaranteePolicy" 'Unsupported value: "Borrow"'
rg "${RG}-gp2" '{guaranteePolicy: lend}' |
  refused "guaranteePolicy is case-sensitive" "spec.guaranteePolicy" 'Unsupported value: "lend"'
rg "${RG}-pr" '{preemption: {reclaim: LowerOrEqualPriority}}' |
  refused "preemption.reclaim not Any|Never" "spec.preemption.reclaim" 'Unsupported value: "LowerOrEqualPriority"'
rg "${RG}-pw" '{preemption: {withinGroup: LowerOrNewerEqualPriority}}' |
  refused "preemption.withinGroup not LowerPriority|Never" "spec.preemption.withinGroup" \
  'Unsupported value: "LowerOrNewerEqualPriority"'
rg "${RG}-pd" '{preemption: {delaySeconds: -1}}' |
  refused "preemption.delaySeconds < 0" "spec.preemption.delaySeconds" "greater than or equal to 0"
rg "${RG}-pd2" '{preemption: {delaySeconds: 86401}}' |
  refused "preemption.delaySeconds > 86400" "spec.preemption.delaySeconds" "less than or equal to 86400"
rg "${RG}-pd3" '{preemption: {delaySeconds: 1.5}}' |
  refused "preemption.delaySeconds not an integer" "spec.preemption.delaySeconds" "must be of type integer"
rg "${RG}-ps" '{preemption: Never}' |
  refused "preemption not an object" "spec.preemption" "must be of type object"

echo "# Framework: invalid specs"
fw f '{}' | refused "resourceGroup missing" "spec.resourceGroup" "Required value"
fw f '{resourceGroup: ""}' | refused "resourceGroup empty" "spec.resourceGroup" "at least 1 chars"
printf 'apiVersion: kubemesos.io/v1alpha1\nkind: Framework\nmetadata: {name: f, namespace: %s}\n' "${TEST_NS}" |
  refused "spec missing" "spec" "Required value"
fw f "{resourceGroup: ${RG}-a, tasks: [$(task 'instances: -1')]}" |
  refused "instances < 0" "spec.tasks[0].instances" "greater than or equal to 0"
fw f "{resourceGroup: ${RG}-a, tasks: [$(task 'maxRetries: -2')]}" |
  refused "maxRetries < 0" "spec.tasks[0].maxRetries" "greater than or equal to 0"
fw f "{resourceGroup: ${RG}-a, failoverTimeoutSeconds: -1}" |
  refused "failoverTimeoutSeconds < 0" "spec.failoverTimeoutSeconds" "greater than or equal to 0"
fw f "{resourceGroup: ${RG}-a, offerFilters: {refuseSeconds: -0.5}}" |
  refused "refuseSeconds < 0" "spec.offerFilters.refuseSeconds" "greater than or equal to 0"
fw f "{resourceGroup: ${RG}-a, tasks: [$(task 'restartPolicy: Always')]}" |
  refused "restartPolicy not Never|OnFailure" "spec.tasks[0].restartPolicy" 'Unsupported value: "Always"'
fw f "{resourceGroup: ${RG}-a, tasks: [$(task), $(task 'instances: 2')]}" |
  refused "duplicate task names" "spec.tasks[1]" "Duplicate value"
fw f "{resourceGroup: ${RG}-a, tasks: [{name: Worker_1, template: {spec: {containers: [{name: c, image: busybox}]}}}]}" |
  refused "task name not a DNS label" "spec.tasks[0].name" "should match"
fw f "{resourceGroup: ${RG}-a, tasks: [{name: $(printf 'w%.0s' {1..64}), template: {spec: {containers: [{name: c, image: busybox}]}}}]}" |
  refused "task name longer than 63" "spec.tasks[0].name" "Too long"
fw f "{resourceGroup: ${RG}-a, tasks: [{name: worker}]}" |
  refused "task without template" "spec.tasks[0].template" "Required value"
fw f "{resourceGroup: ${RG}-a, tasks: [{name: worker, template: {metadata: {labels: {a: b}}}}]}" |
  refused "template without spec" "spec.tasks[0].template.spec" "Required value"
fw f "{resourceGroup: ${RG}-a, tasks: [{name: worker, template: {spec: {restartPolicy: Never}}}]}" |
  refused "template.spec without containers" "spec.tasks[0].template.spec.containers" "Required value"
fw f "{resourceGroup: ${RG}-a, tasks: [{name: worker, template: {spec: {containers: []}}}]}" |
  refused "template.spec with no container" "spec.tasks[0].template.spec.containers" "at least 1 items"
fw f "{resourceGroup: ${RG}-a, tasks: [{name: worker, template: {spec: {containers: [{name: c}]}}}]}" |
  refused "container without image" "spec.tasks[0].template.spec.containers[0].image" "Required value"
fw f "{resourceGroup: ${RG}-a, tasks: [{name: w, template: {spec: {containers: [{name: c, image: busybox, resources: {requests: {cpu: 2 cores}}}]}}}]}" |
  refused "container request quantity that does not parse" \
  "spec.tasks[0].template.spec.containers[0].resources.requests.cpu" "should match"
fw f "{resourceGroup: ${RG}-a, tasks: [{name: w, template: {spec: {containers: [{name: c, image: busybox, resources: {limits: {memory: -5}}}]}}}]}" |
  refused "negative container limit" \
  "spec.tasks[0].template.spec.containers[0].resources.limits.memory" "greater than or equal to 0"
fw "$(printf 'x%.0s' {1..64})" "{resourceGroup: ${RG}-a}" |
  refused "framework name longer than 63 (the pods' label value)" "metadata.name" "Too long"
# The bounds on a Framework's size (issue #12: a Framework costs memory per instance it asks for).
# named_tasks N INSTANCES: N tasks w0..w(N-1) of INSTANCES instances each (a flow sequence).
named_tasks() {
  local i out=""
  for ((i = 0; i < $1; i++)); do
    out+="${out:+, }{name: w$i, instances: $2, template: {spec: {containers: [{name: c, image: busybox}]}}}"
  done
  printf '[%s]' "${out}"
}
fw f "{resourceGroup: ${RG}-a, tasks: [$(task 'instances: 1000001')]}" |
  refused "instances > 1000000" "spec.tasks[0].instances" "less than or equal to 1000000"
fw f "{resourceGroup: ${RG}-a, tasks: $(named_tasks 2 600000)}" |
  refused "more than 1000000 instances in total (CEL sum)" "spec.tasks" "at most 1000000 instances in total"
fw f "{resourceGroup: ${RG}-a, tasks: $(named_tasks 101 0)}" |
  refused "more than 100 tasks" "spec.tasks" "must have at most 100 items"
containers="$(for ((i = 0; i < 101; i++)); do printf '{name: c%d, image: busybox}, ' "$i"; done)"
fw f "{resourceGroup: ${RG}-a, tasks: [{name: w, template: {spec: {containers: [${containers%, }]}}}]}" |
  refused "more than 100 containers in a task template" "spec.tasks[0].template.spec.containers" \
  "must have at most 100 items"

echo "# Framework: invalid revocable and preemption (spec.revocable, spec.preemption)"
fw f "{resourceGroup: ${RG}-a, revocable: Never}" |
  refused "revocable not Allow|Deny" "spec.revocable" 'Unsupported value: "Never"'
fw f "{resourceGroup: ${RG}-a, revocable: true}" |
  refused "revocable a boolean" "spec.revocable" "must be of type string"
fw f "{resourceGroup: ${RG}-a, preemption: {preemptable: sometimes}}" |
  refused "preemptable not a boolean" "spec.preemption.preemptable" "must be of type boolean"
fw f "{resourceGroup: ${RG}-a, preemption: {minRuntimeSeconds: -1}}" |
  refused "minRuntimeSeconds < 0" "spec.preemption.minRuntimeSeconds" "greater than or equal to 0"
fw f "{resourceGroup: ${RG}-a, preemption: {minRuntimeSeconds: 604801}}" |
  refused "minRuntimeSeconds > 604800 (a week)" "spec.preemption.minRuntimeSeconds" \
  "less than or equal to 604800"

echo "# Framework: invalid gangs (spec.gang)"
fw f "{resourceGroup: ${RG}-a, gang: {}}" | refused "gang without minMember" "spec.gang.minMember" "Required value"
fw f "{resourceGroup: ${RG}-a, gang: {minMember: 0}}" |
  refused "minMember 0" "spec.gang.minMember" "greater than or equal to 1"
fw f "{resourceGroup: ${RG}-a, tasks: [$(task 'instances: 5')], gang: {minMember: 6}}" |
  refused "minMember above the sum of instances (CEL sum)" "spec.gang.minMember" \
  "must not exceed the sum of spec.tasks[].instances"
fw f "{resourceGroup: ${RG}-a, tasks: $(named_tasks 3 2), gang: {minMember: 7}}" |
  refused "minMember above the sum over three tasks (CEL sum)" "spec.gang.minMember" \
  "must not exceed the sum of spec.tasks[].instances"
fw f "{resourceGroup: ${RG}-a, gang: {minMember: 2, bindTimeoutSeconds: 301}}" |
  refused "bindTimeoutSeconds above the default reservationTimeoutSeconds (CEL)" \
  "spec.gang.bindTimeoutSeconds" "must not exceed reservationTimeoutSeconds"
fw f "{resourceGroup: ${RG}-a, gang: {minMember: 2, reservationTimeoutSeconds: 10}}" |
  refused "reservationTimeoutSeconds below the default bindTimeoutSeconds (CEL)" \
  "spec.gang.bindTimeoutSeconds" "must not exceed reservationTimeoutSeconds"
fw f "{resourceGroup: ${RG}-a, gang: {minMember: 2, backoff: {baseSeconds: 700}}}" |
  refused "backoff.baseSeconds above the default maxSeconds (CEL)" "spec.gang.backoff.baseSeconds" \
  "must not exceed maxSeconds"
fw f "{resourceGroup: ${RG}-a, gang: {minMember: 2, backoff: {baseSeconds: 5, maxSeconds: 4}}}" |
  refused "backoff.baseSeconds above maxSeconds (CEL)" "spec.gang.backoff.baseSeconds" \
  "must not exceed maxSeconds"
for field in bindTimeoutSeconds starvationSeconds reservationTimeoutSeconds recoveryTimeoutSeconds; do
  fw f "{resourceGroup: ${RG}-a, gang: {minMember: 2, ${field}: -1}}" |
    refused "${field} < 0" "spec.gang.${field}" "greater than or equal to 0"
done
fw f "{resourceGroup: ${RG}-a, gang: {minMember: 2, backoff: {maxSeconds: -1}}}" |
  refused "backoff.maxSeconds < 0" "spec.gang.backoff.maxSeconds" "greater than or equal to 0"
fw f "{resourceGroup: ${RG}-a, gang: {minMember: 2, onTimeout: BestEffort}}" |
  refused "onTimeout not Requeue|Fail" "spec.gang.onTimeout" 'Unsupported value: "BestEffort"'
fw f "{resourceGroup: ${RG}-a, gang: {minMember: 2, onBindFailure: Ignore}}" |
  refused "onBindFailure not Restart|Report" "spec.gang.onBindFailure" 'Unsupported value: "Ignore"'
fw f "{resourceGroup: ${RG}-a, gang: {minMember: 2, minResources: {cpu: lots}}}" |
  refused "minResources quantity that does not parse" "spec.gang.minResources[cpu]" "non-negative quantity"
fw f "{resourceGroup: ${RG}-a, gang: {minMember: 2, minResources: {memory: -1Gi}}}" |
  refused "negative minResources" "spec.gang.minResources[memory]" "non-negative quantity"

echo "# valid specs"
# examples/demo and examples/crds as they are, except that Frameworks go to the test's namespace
# (server-side dry run: nothing is created, so the shared cluster is untouched).
for example in "${KM_REPO_ROOT}"/examples/demo/*.yaml "${KM_REPO_ROOT}"/examples/crds/*.yaml; do
  [[ -f "${example}" ]] || continue
  yq "select(.kind == \"ResourceGroup\" or .kind == \"Framework\") |
      (select(.kind == \"Framework\") | .metadata.namespace) = \"${TEST_NS}\"" "${example}" |
    accepted "${example#"${KM_REPO_ROOT}/"}"
done
rg "${RG}-full" "{parent: ${RG}-root, weight: 0.5, guarantee: {cpu: 500m, memory: 2Gi}, limit: {cpu: 1, memory: 2048Mi, nvidia.com/gpu: 2}, nodeSelector: {pool: gpu}}" |
  accepted "group with guarantee equal to limit (2Gi = 2048Mi), integer and decimal quantities"
rg "${RG}-max" '{limit: {cpu: "4611686018427387904m", memory: 4Pi}}' |
  accepted "group with a limit of exactly 2^62 milli-units"
rg "${RG}-hold" '{guarantee: {cpu: 4}, guaranteePolicy: Hold, preemption: {reclaim: Any, withinGroup: Never, delaySeconds: 0}}' |
  accepted "Hold group that still reclaims (what it lent before Hold), no priority preemption, delay 0"
rg "${RG}-lend" '{guaranteePolicy: Lend, preemption: {reclaim: Never, delaySeconds: 86400}}' |
  accepted "Lend group that never reclaims, delay at its bound 86400"
fw f "{resourceGroup: ${RG}-a, revocable: Deny, preemption: {preemptable: false, minRuntimeSeconds: 604800}}" |
  accepted "framework that refuses revocable capacity, not preemptable, minRuntimeSeconds at its bound"
fw f "{resourceGroup: ${RG}-a, tasks: [$(task 'instances: 0, restartPolicy: OnFailure, maxRetries: 0'), {name: w-2, template: {spec: {containers: [{name: c, image: busybox}]}}}]}" |
  accepted "framework with zero instances and zero retries"
fw f "{resourceGroup: ${RG}-a, tasks: $(named_tasks 100 10000)}" |
  accepted "framework at the limits: 100 tasks, 1000000 instances in total"
fw f "{resourceGroup: ${RG}-a, tasks: [$(task 'instances: 1000000')]}" |
  accepted "one task of 1000000 instances"
fw f "{resourceGroup: ${RG}-a, tasks: $(named_tasks 3 2), gang: {minMember: 6, minResources: {cpu: 6, nvidia.com/gpu: 2}, bindTimeoutSeconds: 300, reservationTimeoutSeconds: 300, onTimeout: Fail, onBindFailure: Report, backoff: {baseSeconds: 600}}}" |
  accepted "gang at its bounds: minMember = the sum of instances, bind = reservation timeout, base = max backoff"
fw f "{resourceGroup: ${RG}-a, gang: {minMember: 8}}" |
  accepted "gang without tasks (adopted pods join by label)"

echo "# defaults, printer columns, category (real objects)"
cat <<YAML | kc_quiet apply -f -
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: ${RG}-defaults}
---
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: ${RG}-team}
spec: {parent: ${RG}-defaults, weight: 2, guarantee: {cpu: "4"}, limit: {cpu: "8"}}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: defaults, namespace: ${TEST_NS}}
spec:
  resourceGroup: ${RG}-team
  tasks:
  - name: worker
    template: {spec: {containers: [{name: c, image: busybox}]}}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: gang-defaults, namespace: ${TEST_NS}}
spec:
  resourceGroup: ${RG}-team
  gang: {minMember: 1}
YAML
KM_CLEANUPS+=("'${KUBECTL}' delete rg ${RG}-defaults ${RG}-team --wait=false")

check "default weight 1" jsonpath_is 1 '{.spec.weight}' rg "${RG}-defaults"
check "default refuseSeconds 5" jsonpath_is 5 '{.spec.offerFilters.refuseSeconds}' fw defaults -n "${TEST_NS}"
check "default failoverTimeoutSeconds 600" jsonpath_is 600 '{.spec.failoverTimeoutSeconds}' fw defaults -n "${TEST_NS}"
check "default suspended false" jsonpath_is false '{.spec.suspended}' fw defaults -n "${TEST_NS}"
check "gang defaults: 30 600 300 600 Requeue Restart 10 600" jsonpath_is "30 600 300 600 Requeue Restart 10 600" \
  '{.spec.gang.bindTimeoutSeconds} {.spec.gang.starvationSeconds} {.spec.gang.reservationTimeoutSeconds} {.spec.gang.recoveryTimeoutSeconds} {.spec.gang.onTimeout} {.spec.gang.onBindFailure} {.spec.gang.backoff.baseSeconds} {.spec.gang.backoff.maxSeconds}' \
  fw gang-defaults -n "${TEST_NS}"
check "default instances 1, restartPolicy Never, maxRetries 3" jsonpath_is "1 Never 3" \
  '{.spec.tasks[0].instances} {.spec.tasks[0].restartPolicy} {.spec.tasks[0].maxRetries}' fw defaults -n "${TEST_NS}"
check "default sharing: guaranteePolicy Lend, reclaim Any, withinGroup LowerPriority, delaySeconds 30" \
  jsonpath_is "Lend Any LowerPriority 30" \
  '{.spec.guaranteePolicy} {.spec.preemption.reclaim} {.spec.preemption.withinGroup} {.spec.preemption.delaySeconds}' \
  rg "${RG}-defaults"
check "default preemption: revocable Allow, preemptable true, minRuntimeSeconds 0" jsonpath_is "Allow true 0" \
  '{.spec.revocable} {.spec.preemption.preemptable} {.spec.preemption.minRuntimeSeconds}' fw defaults -n "${TEST_NS}"

# Status as the operator writes it, through the status subresource.
kc_quiet patch rg "${RG}-team" --subresource=status --type=merge \
  -p '{"status":{"allocated":{"cpu":"3","memory":"6Gi"},"dominantShare":0.375,"frameworks":1,"guaranteePolicy":"Lend","borrowed":{"cpu":"500m"},"lent":{"cpu":"1500m"},"reclaimable":{"cpu":"500m"}}}'
kc_quiet patch fw defaults -n "${TEST_NS}" --subresource=status --type=merge \
  -p '{"status":{"phase":"Running","dominantShare":0.25,"tasks":{"pending":2,"running":5,"succeeded":0,"failed":0,"lost":0},"preemption":{"preemptedTasks":3,"revocableTasks":2,"lastPreempted":{"time":"2026-01-01T00:00:00Z","by":"ml/bert-0","reason":"Reclaim","victims":3}}}}'
columns_are() {  # EXPECTED ARGS...: `kubectl get ARGS` header and row, squeezed to single spaces
  local want="$1" got; shift
  got="$(kc get "$@" | tr -s ' ' | sed 's/ [0-9]*[smhd]$/ AGE/')"
  [[ "${got}" == "${want}" ]] || { echo "got:"; echo "${got}"; echo "want:"; echo "${want}"; return 1; }
}
check "kubectl get rg: parent, weight, guaranteed cpu, allocated cpu and memory, share, frameworks, age" columns_are \
  "NAME PARENT WEIGHT GUARANTEE-CPU CPU MEMORY SHARE FRAMEWORKS AGE
${RG}-team ${RG}-defaults 2 4 3 6Gi 0.375 1 AGE" rg "${RG}-team"
check "kubectl get fw: group, phase, running, pending, share, age" columns_are \
  "NAME GROUP PHASE RUNNING PENDING SHARE AGE
defaults ${RG}-team Running 5 2 0.25 AGE" fw defaults -n "${TEST_NS}"
check "kubectl get rg -o wide: also the guarantee policy, borrowed and lent cpu" columns_are \
  "NAME PARENT WEIGHT GUARANTEE-CPU CPU MEMORY SHARE FRAMEWORKS POLICY BORROWED-CPU LENT-CPU AGE
${RG}-team ${RG}-defaults 2 4 3 6Gi 0.375 1 Lend 500m 1500m AGE" rg "${RG}-team" -o wide
check "kubectl get fw -o wide: also gang phase (none here), revocable and preempted tasks" columns_are \
  "NAME GROUP PHASE RUNNING PENDING SHARE GANG REVOCABLE PREEMPTED AGE
defaults ${RG}-team Running 5 2 0.25 2 3 AGE" fw defaults -n "${TEST_NS}" -o wide
check "status.preemption.lastPreempted is kept" jsonpath_is "ml/bert-0 Reclaim" \
  '{.status.preemption.lastPreempted.by} {.status.preemption.lastPreempted.reason}' fw defaults -n "${TEST_NS}"
check "the status subresource leaves the spec alone" jsonpath_is 2 '{.spec.weight}' rg "${RG}-team"
many() {  # N JSON: a JSON array of N copies
  local i out=""
  for ((i = 0; i < $1; i++)); do out+="${out:+,}$2"; done
  printf '[%s]' "${out}"
}
status_refused() {  # DESCRIPTION EXPECTED PATCH ARGS...: a status patch the API server refuses
  local what="$1" want="$2" patch="$3" out; shift 3
  if out="$(kc patch "$@" --subresource=status --type=merge --dry-run=server -p "${patch}" 2>&1)"; then
    echo "FAIL - refused: ${what}: accepted"; KM_FAILURES=$((KM_FAILURES + 1))
  elif [[ "${out}" != *"${want}"* ]]; then
    echo "FAIL - refused: ${what}: message lacks '${want}':"; indent <<<"${out}"
    KM_FAILURES=$((KM_FAILURES + 1))
  else
    echo "ok   - refused: ${what}"
  fi
}
status_refused "more than 16 Framework conditions" "must have at most 16 items" \
  "{\"status\":{\"conditions\":$(many 17 '{"type":"X"}')}}" fw defaults -n "${TEST_NS}"
status_refused "more than 100 lastResults" "must have at most 100 items" \
  "{\"status\":{\"lastResults\":$(many 101 '{"pod":"p"}')}}" fw defaults -n "${TEST_NS}"
status_refused "more than 16 ResourceGroup conditions" "must have at most 16 items" \
  "{\"status\":{\"conditions\":$(many 17 '{"type":"X"}')}}" rg "${RG}-team"
category_lists_both() {
  local got; got="$(kc get kubemesos -n "${TEST_NS}" -o name)"
  if grep -qx "resourcegroup.kubemesos.io/${RG}-team" <<<"${got}" &&
    grep -qx "framework.kubemesos.io/defaults" <<<"${got}"; then
    return 0
  fi
  echo "${got}"; return 1
}
check "kubectl get kubemesos lists ResourceGroups and Frameworks" category_lists_both
check "short names rg and fw" kc_quiet get rg,fw -n "${TEST_NS}"
