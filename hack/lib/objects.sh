# Generators and bulk creation of the fake objects kubemesos' local cluster uses:
# KWOK nodes (annotated kwok.x-k8s.io/node: fake, spread over zones) and plain
# pods pinned to nodes. Source it; it defines functions only.
# shellcheck shell=bash

# km::objects::nodes FROM TO CPU MEMORY PODS ZONES PREFIX: a YAML stream of
# Node objects PREFIX<FROM>..PREFIX<TO-1>. Node i lands in zone-<i mod ZONES>
# (zone-a, zone-b, ...).
km::objects::nodes() {
  awk -v from="$1" -v to="$2" -v cpu="$3" -v mem="$4" -v pods="$5" -v zones="$6" -v prefix="$7" \
    -v now="$(date -u +%Y-%m-%dT%H:%M:%SZ)" '
    BEGIN {
      letters = "abcdefghijklmnopqrstuvwxyz"
      split("Ready MemoryPressure DiskPressure PIDPressure NetworkUnavailable", ctype, " ")
      split("True False False False False", cstatus, " ")
      split("KubeletReady KubeletHasSufficientMemory KubeletHasNoDiskPressure KubeletHasSufficientPID RouteCreated", creason, " ")
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
        printf "    kubeletVersion: kwok\n    containerRuntimeVersion: kwok\n    kernelVersion: kwok\n"
        # Born Ready, as KWOK would make it: saves KWOK one status patch per node.
        printf "  phase: Running\n  addresses:\n  - type: InternalIP\n    address: 10.255.0.1\n"
        printf "  - type: Hostname\n    address: %s\n  conditions:\n", name
        for (c = 1; c <= 5; c++) {
          printf "  - type: %s\n    status: \"%s\"\n    reason: %s\n", ctype[c], cstatus[c], creason[c]
          printf "    lastHeartbeatTime: \"%s\"\n    lastTransitionTime: \"%s\"\n", now, now
        }
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

# km::objects::post SERVER COLLECTION_PATH PKI_DIR PARALLEL GENERATOR ARGS...
# creates every object of the YAML stream `GENERATOR ARGS...` with one POST
# each to SERVER/COLLECTION_PATH (e.g. /api/v1/nodes), authenticating with
# PKI_DIR/admin.{crt,key}. One curl process multiplexes PARALLEL requests over
# HTTP/2: far cheaper than kubectl, which matters when creating thousands of
# objects on a small machine. Objects that already exist (409) count as done.
km::objects::post() {
  local server="$1" path="$2" pki="$3" parallel="$4"; shift 4
  local tmp rc=0
  tmp="$(mktemp -d)"
  "$@" | awk -v dir="${tmp}" '
    /^---$/ { if (f) close(f); n++; f = sprintf("%s/%08d.yaml", dir, n); next }
    { print > f }'
  local f sep=""
  for f in "${tmp}"/*.yaml; do
    [[ -e "${f}" ]] || continue
    printf '%s' "${sep}"
    sep=$'next\n'
    printf 'url = "%s%s"\ndata-binary = "@%s"\n' "${server}" "${path}" "${f}"
    printf 'cacert = "%s/ca.crt"\ncert = "%s/admin.crt"\nkey = "%s/admin.key"\n' "${pki}" "${pki}" "${pki}"
    printf 'header = "Content-Type: application/yaml"\noutput = "/dev/null"\n'
    printf 'write-out = "%%{http_code} %s\\n"\n' "${f##*/}"
  done >"${tmp}/curl.cfg"
  curl --no-progress-meter --http2 --parallel --parallel-max "${parallel}" \
    --max-time 120 --config "${tmp}/curl.cfg" >"${tmp}/codes" || true
  local total bad
  total="$(find "${tmp}" -name '*.yaml' | wc -l)"
  bad="$(awk '$1 != 201 && $1 != 409' "${tmp}/codes" | wc -l)"
  if ((bad > 0)) || (($(wc -l <"${tmp}/codes") != total)); then
    echo "km::objects::post: ${bad} of ${total} POSTs to ${path} failed; first failures:" >&2
    awk '$1 != 201 && $1 != 409' "${tmp}/codes" | head -n 5 >&2
    rc=1
  fi
  rm -rf "${tmp}"
  return "${rc}"
}
