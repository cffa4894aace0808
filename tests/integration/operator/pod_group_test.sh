#!/usr/bin/env bash
# Issue #15: Kubernetes' own gangs, scheduling.k8s.io/v1beta1 PodGroups (GenericWorkload, beta in
# v1.37; hack/cluster.sh enables it), on the real control plane.
# (a) A PodGroup made by hand, minCount 4, and 4 pods on nodes where only 3 fit: none is bound;
#     the pods say PodScheduled=False with the gang's reason; the PodGroup's
#     PodGroupInitiallyScheduled condition (kube-scheduler's) is False/Unschedulable with why, with
#     a FailedScheduling Event. One more node: all 4 are bound, and the condition turns True.
# (b) A pod naming a PodGroup that does not exist waits with WaitingForPodGroup (not
#     Unschedulable); once the PodGroup is created it is bound.
# (c) A batch/v1 Job with spec.scheduling (gang, minCount 4; WorkloadWithJob): the Job
#     controller creates the Workload and the PodGroup and names it in the pods; with room for 3
#     none is bound, with room for 4 all are.
# (d) The reference: the same Job through kube-scheduler on nodes of its own, and what it does.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin pod-group
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds

served() { kc api-resources --api-group=scheduling.k8s.io -o name | grep -qx podgroups.scheduling.k8s.io; }
check "the API server serves scheduling.k8s.io/v1beta1 PodGroups" served

# node I CPU ROLE: fake node ${TEST_NS}-n<I> with CPU cores, labelled role=ROLE, Ready.
KM_CLEANUPS+=("'${KUBECTL}' delete nodes -l kubemesos.io/test=${TEST_NS} --wait=false")
node() {
  km::objects::nodes "$1" "$(($1 + 1))" "$2" 8Gi 110 3 "${TEST_NS}-n" |
    sed "s|    type: kwok|    type: kwok\n    kubemesos.io/test: ${TEST_NS}\n    pgtest/role: $3|" |
    kc_quiet apply -f -
}
node 0 1 a
node 1 1 a
node 2 1 a
node 4 1 b
op_group_with_framework
op_start_kubemesos

pod_group() { # NAME MIN_COUNT
  kc_quiet apply -f - <<YAML
apiVersion: scheduling.k8s.io/v1beta1
kind: PodGroup
metadata: {name: $1, namespace: ${TEST_NS}}
spec:
  schedulingPolicy: {gang: {minCount: $2}}
YAML
}
member() { # NAME POD_GROUP ROLE: a 600m pod of framework "work" (one per 1-core node)
  kc_quiet apply -f - <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1, namespace: ${TEST_NS}, labels: {kubemesos.io/framework: work}}
spec:
  schedulerName: kubemesos
  schedulingGroup: {podGroupName: $2}
  nodeSelector: {pgtest/role: $3}
  terminationGracePeriodSeconds: 0
  containers: [{name: c, image: busybox, resources: {requests: {cpu: 600m, memory: 64Mi}}}]
YAML
}
node_of() { kc get pod "$1" -n "${TEST_NS}" -o jsonpath='{.spec.nodeName}'; }
scheduled() { # POD: PodScheduled status/reason/message
  kc get pod "$1" -n "${TEST_NS}" \
    -o jsonpath='{range .status.conditions[?(@.type=="PodScheduled")]}{.status}/{.reason}/{.message}{end}'
}
pending_with() { # POD REASON [TEXT]: PodScheduled=False with REASON (and TEXT in the message)
  local c
  c=$(scheduled "$1")
  [[ $c == False/"$2"/*"${3:-}"* ]] || { echo "$1: '${c}'"; return 1; }
}
group_condition() { # POD_GROUP: PodGroupInitiallyScheduled status/reason/message
  kc get podgroup "$1" -n "${TEST_NS}" \
    -o jsonpath='{range .status.conditions[?(@.type=="PodGroupInitiallyScheduled")]}{.status}/{.reason}/{.message}{end}'
}
group_says() { # POD_GROUP STATUS/REASON [TEXT]
  local c
  c=$(group_condition "$1")
  [[ $c == "$2"/*"${3:-}"* ]] || { echo "$1: '${c}'"; return 1; }
}
bound_count() { # POD...: how many are bound
  local n=0 p
  for p in "$@"; do [[ -n $(node_of "${p}") ]] && n=$((n + 1)); done
  echo "${n}"
}
all_bound() { [[ $(bound_count "$@") == "$#" ]]; }
all_pending_with() { # REASON TEXT POD...
  local reason=$1 text=$2 p
  shift 2
  for p in "$@"; do pending_with "${p}" "${reason}" "${text}" || return 1; done
}

# --- (a) a hand-made PodGroup: all or nothing -------------------------------------------------
A=(a-0 a-1 a-2 a-3)
pod_group pg-a 4
for p in "${A[@]}"; do member "${p}" pg-a a; done
check "(a) the 4 members say PodScheduled=False/Unschedulable with the gang's count" \
  km::wait_for "gang reason" 60 all_pending_with Unschedulable "3/4" "${A[@]}"
check "(a) none of the 4 is bound (3 would fit)" test "$(bound_count "${A[@]}")" == 0
check "(a) the PodGroup says PodGroupInitiallyScheduled=False/Unschedulable and why" \
  km::wait_for "PodGroup condition" 30 group_says pg-a False/Unschedulable "3/4"
pg_event() {
  kc get events -n "${TEST_NS}" -o json |
    jq -e '[.items[] | select(.involvedObject.kind == "PodGroup" and .involvedObject.name == "pg-a"
             and .reason == "FailedScheduling")] | length > 0' >/dev/null
}
check "(a) the PodGroup has a FailedScheduling Event" km::wait_for "PodGroup Event" 30 pg_event
check "(a) still none bound" test "$(bound_count "${A[@]}")" == 0
node 3 1 a
check "(a) one more node: all 4 are bound" km::wait_for "gang bound" 60 all_bound "${A[@]}"
check "(a) the PodGroup says PodGroupInitiallyScheduled=True/Scheduled" \
  km::wait_for "PodGroup scheduled" 30 group_says pg-a True/Scheduled

# --- (b) a PodGroup that does not exist yet ----------------------------------------------------
member b-0 pg-b b
check "(b) a pod naming a missing PodGroup waits with WaitingForPodGroup" \
  km::wait_for "WaitingForPodGroup" 60 pending_with b-0 WaitingForPodGroup
check "(b) and is not bound" test -z "$(node_of b-0)"
pod_group pg-b 1
check "(b) the PodGroup is created: the pod is bound" km::wait_for "b-0 bound" 60 all_bound b-0

# --- (c) a Job whose PodGroup the Job controller creates ---------------------------------------
job() { # NAME SCHEDULER ROLE
  kc_quiet apply -f - <<YAML
apiVersion: batch/v1
kind: Job
metadata: {name: $1, namespace: ${TEST_NS}}
spec:
  parallelism: 4
  completions: 4
  scheduling:
    schedulingPolicy: {gang: {minCount: 4}}
  template:
    metadata: {labels: {kubemesos.io/framework: work}}
    spec:
      schedulerName: $2
      nodeSelector: {pgtest/role: $3}
      restartPolicy: Never
      terminationGracePeriodSeconds: 0
      containers: [{name: c, image: busybox, resources: {requests: {cpu: 600m, memory: 64Mi}}}]
YAML
}
job_pods() { kc get pods -n "${TEST_NS}" -l "batch.kubernetes.io/job-name=$1" -o name | sed 's|^pod/||' | sort; }
four_pods() { [[ $(job_pods "$1" | wc -l) == 4 ]]; }
job_group() { # JOB: the PodGroup its pods name (all the same)
  kc get pods -n "${TEST_NS}" -l "batch.kubernetes.io/job-name=$1" \
    -o jsonpath='{range .items[*]}{.spec.schedulingGroup.podGroupName}{"\n"}{end}' | sort -u
}
node 5 1 c
node 6 1 c
node 7 1 c
job train kubemesos c
check "(c) the Job controller creates 4 pods" km::wait_for "job pods" 60 four_pods train
PG_C="$(job_group train)"
check "(c) its pods name one PodGroup (${PG_C})" test -n "${PG_C}" -a "$(wc -l <<<"${PG_C}")" == 1
pg_c_gang() { [[ $(kc get podgroup "${PG_C}" -n "${TEST_NS}" -o jsonpath='{.spec.schedulingPolicy.gang.minCount}') == 4 ]]; }
check "(c) the Job controller made that PodGroup, gang minCount 4" pg_c_gang
mapfile -t C < <(job_pods train)
check "(c) with room for 3, the Job's pods wait as a gang" \
  km::wait_for "job gang reason" 60 all_pending_with Unschedulable "3/4" "${C[@]}"
check "(c) none of them is bound" test "$(bound_count "${C[@]}")" == 0
node 8 1 c
check "(c) room for 4: all 4 are bound" km::wait_for "job bound" 60 all_bound "${C[@]}"
check "(c) the Job's PodGroup says PodGroupInitiallyScheduled=True" \
  km::wait_for "job PodGroup scheduled" 30 group_says "${PG_C}" True/Scheduled

# --- (d) the reference: kube-scheduler on the same objects -------------------------------------
op_start_kube_scheduler
node 9 1 d
node 10 1 d
node 11 1 d
job ref default-scheduler d
check "(d) the Job controller creates 4 pods for kube-scheduler" km::wait_for "ref pods" 60 four_pods ref
mapfile -t D < <(job_pods ref)
PG_D="$(job_group ref)"
ref_attempted() { [[ -n $(group_condition "${PG_D}") ]]; }
check "(d) kube-scheduler writes its PodGroup condition" km::wait_for "ref condition" 60 ref_attempted
echo "kube-scheduler, room for 3: $(bound_count "${D[@]}")/4 bound; PodGroup: $(group_condition "${PG_D}")"
check "(d) kube-scheduler binds none of them either" test "$(bound_count "${D[@]}")" == 0
node 12 1 d
check "(d) room for 4: kube-scheduler binds all 4" km::wait_for "ref bound" 120 all_bound "${D[@]}"
echo "kube-scheduler, room for 4: PodGroup: $(group_condition "${PG_D}")"

op_check_stopped_cleanly
