# shellcheck shell=bash
# Generates pods for a kubemesos framework as one YAML stream (for kubectl apply -f -):
#   km_framework_pods NAMESPACE FRAMEWORK COUNT CPU MEMORY [PREFIX]
km_framework_pods() {
  local ns=$1 fw=$2 count=$3 cpu=$4 mem=$5 prefix=${6:-$2}
  local i
  for ((i = 0; i < count; i++)); do
    cat <<YAML
---
apiVersion: v1
kind: Pod
metadata:
  name: ${prefix}-${i}
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
  done
}
