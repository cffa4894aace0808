# shellcheck shell=bash
# Generates kubemesos pods as one YAML stream (for kubectl apply -f -).

# One pod: km_pod NAMESPACE FRAMEWORK NAME CPU MEMORY
km_pod() {
  local ns=$1 fw=$2 name=$3 cpu=$4 mem=$5
  cat <<YAML
---
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${ns}
  labels: {kubemesos.io/framework: ${fw}}
spec:
  schedulerName: kubemesos
  containers:
  - name: task
    image: busybox
    resources:
      requests: {cpu: "${cpu}", memory: ${mem}}
YAML
}

# Pods of several frameworks, interleaved (pod 0 of each, then pod 1 of each, ...), the way
# concurrent jobs submit: km_interleaved_pods "NS FRAMEWORK COUNT CPU MEMORY" ...
km_interleaved_pods() {
  local specs=("$@") i max=0 spec ns fw count cpu mem
  for spec in "${specs[@]}"; do
    read -r ns fw count cpu mem <<<"$spec"
    ((count > max)) && max=$count
  done
  for ((i = 0; i < max; i++)); do
    for spec in "${specs[@]}"; do
      read -r ns fw count cpu mem <<<"$spec"
      ((i < count)) && km_pod "$ns" "$fw" "$fw-$i" "$cpu" "$mem"
    done
  done
  return 0
}
