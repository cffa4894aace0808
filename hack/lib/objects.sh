# Generators and bulk creation of the fake objects kubemesos' local cluster uses:
# KWOK nodes (annotated kwok.x-k8s.io/node: fake, spread over zones) and plain
# pods pinned to nodes. Source it; it defines functions only.
# shellcheck shell=bash

# km::objects::nodes FROM TO CPU MEMORY PODS ZONES PREFIX: a YAML stream of
# Node objects PREFIX<FROM>..PREFIX<TO-1>. Node i lands in zone-<i mod ZONES>
# (zone-a, zone-b, ...).
km::objects::nodes() {
  awk -v from="$1" -v to="$2" -v cpu="$3" -v mem="$4" -v pods="$5" -v zones="$6" -v prefix="$7" '
    BEGIN {
      letters = "abcdefghijklmnopqrstuvwxyz"
      for (i = from; i < to; i++) {
        name = prefix i
        zone = "zone-" substr(letters, (i % zones) + 1, 1)
        printf "---\napiVersion: v1\nkind: Node\nmetadata:\n  name: %s\n", name
        printf "  annotations:\n    kwok.x-k8s.io/node: fake\n    node.alpha.kubernetes.io/ttl: \"0\"\n"
        printf "  labels:\n    type: kwok\n    kwok.x-k8s.io/node: fake\n"
        printf "    kubernetes.io/hostname: %s\n    kubernetes.io/os: linux\n    kubernetes.io/arch: amd64\n", name
        printf "    topology.kubernetes.io/region: local\n    topology.kubernetes.io/zone: %s\n", zone
        printf "    node.kubernetes.io/instance-type: kwok\n"
        printf "status:\n"
        printf "  allocatable:\n    cpu: \"%s\"\n    memory: \"%s\"\n    pods: \"%s\"\n", cpu, mem, pods
        printf "  capacity:\n    cpu: \"%s\"\n    memory: \"%s\"\n    pods: \"%s\"\n", cpu, mem, pods
        printf "  nodeInfo:\n    architecture: amd64\n    operatingSystem: linux\n"
      }
    }'
}

# km::objects::pods FROM TO NAMESPACE NODE_PREFIX NODES [NAME_PREFIX]: a YAML
# stream of pods NAME_PREFIX<FROM>..<TO-1>, pod i bound (spec.nodeName) to
# NODE_PREFIX<i mod NODES>, requesting 100m CPU and 128Mi.
km::objects::pods() {
  awk -v from="$1" -v to="$2" -v ns="$3" -v nprefix="$4" -v nodes="$5" -v pprefix="${6:-pod-}" '
    BEGIN {
      for (i = from; i < to; i++) {
        printf "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: %s%d\n  namespace: %s\n", pprefix, i, ns
        printf "  labels:\n    app: kwok-load\nspec:\n  nodeName: %s%d\n", nprefix, i % nodes
        printf "  automountServiceAccountToken: false\n"
        printf "  containers:\n  - name: main\n    image: fake.example/kubemesos-task:1\n"
        printf "    resources:\n      requests:\n        cpu: 100m\n        memory: 128Mi\n"
      }
    }'
}

# km::objects::create_parallel KUBECTL KUBECONFIG PARALLEL CHUNK GENERATOR ARGS...
# calls `GENERATOR FROM TO ARGS...` for chunks of CHUNK objects out of TOTAL
# (the first of ARGS... is TOTAL, removed before the call) and runs PARALLEL
# `kubectl create` processes at once (each has its own client rate limit).
km::objects::create_parallel() {
  local kubectl="$1" kubeconfig="$2" parallel="$3" chunk="$4" gen="$5" total="$6"
  shift 6
  local tmp from to
  tmp="$(mktemp -d)"
  for ((from = 0; from < total; from += chunk)); do
    to=$((from + chunk > total ? total : from + chunk))
    "${gen}" "${from}" "${to}" "$@" >"${tmp}/$(printf '%08d' "${from}").yaml"
  done
  local rc=0
  find "${tmp}" -name '*.yaml' -print0 | sort -z |
    xargs -0 -r -n 1 -P "${parallel}" \
      "${kubectl}" --kubeconfig "${kubeconfig}" create -o name -f >/dev/null || rc=$?
  rm -rf "${tmp}"
  return "${rc}"
}
