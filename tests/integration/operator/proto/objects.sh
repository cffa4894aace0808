# shellcheck shell=bash
# The objects the protobuf wire test reads back in both encodings, in namespace $1 (uid $2 of a
# ConfigMap "owner" in it, for ownerReferences). Printed as one YAML stream on stdout.
proto_objects() {
  local ns=$1 owner_uid=$2
  cat <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: rich
  namespace: ${ns}
  labels: {app: rich, tier: "1"}
  annotations: {note: "héllo"}
  finalizers: [kubemesos.io/test-hold]
  ownerReferences:
  - {apiVersion: v1, kind: ConfigMap, name: owner, uid: "${owner_uid}", controller: true, blockOwnerDeletion: false}
spec:
  schedulerName: proto-test-nobody
  priority: 0
  terminationGracePeriodSeconds: 0
  nodeSelector: {kubernetes.io/os: linux}
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - {key: topology.kubernetes.io/zone, operator: In, values: [zone-0, zone-1]}
          matchFields:
          - {key: metadata.name, operator: NotIn, values: [nowhere]}
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 10
        preference:
          matchExpressions: [{key: disk, operator: Exists}]
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchLabels: {app: rich}}
        topologyKey: kubernetes.io/hostname
        matchLabelKeys: [tier]
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 5
        podAffinityTerm:
          labelSelector:
            matchExpressions: [{key: app, operator: NotIn, values: [other]}]
          namespaceSelector: {}
          topologyKey: topology.kubernetes.io/zone
  tolerations:
  - {key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}
  - {operator: Exists, effect: NoExecute, tolerationSeconds: 0}
  - {key: x, effect: PreferNoSchedule}
  topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: DoNotSchedule
    labelSelector: {matchLabels: {app: rich}}
    minDomains: 2
    nodeAffinityPolicy: Honor
    matchLabelKeys: [tier]
  initContainers:
  - name: sidecar
    image: busybox
    restartPolicy: Always
    resources: {requests: {cpu: 50m, memory: 64Mi}}
  containers:
  - name: main
    image: busybox
    command: [sh, -c]
    args: ["sleep 3600"]
    env: [{name: A, value: "1"}, {name: B, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
    ports: [{containerPort: 8080, hostPort: 18080, protocol: TCP}, {containerPort: 53, protocol: UDP}]
    resources:
      requests: {cpu: 100m, memory: 1Gi, ephemeral-storage: 2G, example.com/dongle: "3"}
      limits: {cpu: "1.5", memory: 1Gi, example.com/dongle: "3"}
    livenessProbe: {tcpSocket: {port: 8080}, periodSeconds: 7}
    readinessProbe: {httpGet: {path: /ready, port: http}}
    volumeMounts: [{name: data, mountPath: /data}, {name: cfg, mountPath: /cfg, readOnly: true}]
  volumes:
  - {name: data, persistentVolumeClaim: {claimName: claim}}
  - {name: cfg, configMap: {name: owner, items: [{key: a, path: a}], defaultMode: 420}}
  - {name: scratch, emptyDir: {sizeLimit: 1Gi}}
  - {name: sec, secret: {secretName: nothing, optional: true}}
  - name: eph
    ephemeral:
      volumeClaimTemplate:
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 1Gi}}
  - {name: host, hostPath: {path: /tmp, type: Directory}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: claim, namespace: ${ns}}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: ""
  volumeName: proto-pv-${ns}
  resources: {requests: {storage: 5Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: waiting, namespace: ${ns}}
spec:
  accessModes: [ReadWriteOncePod]
  storageClassName: proto-sc-${ns}
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: proto-pv-${ns}, labels: {kubemesos.io/test: ${ns}}}
spec:
  capacity: {storage: 5Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: ""
  claimRef: {namespace: ${ns}, name: claim}
  csi: {driver: example.csi.k8s.io, volumeHandle: vol-1, volumeAttributes: {a: b}}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions: [{key: topology.kubernetes.io/zone, operator: In, values: [zone-0]}]
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: proto-sc-${ns}, labels: {kubemesos.io/test: ${ns}}}
provisioner: example.csi.k8s.io
volumeBindingMode: WaitForFirstConsumer
allowVolumeExpansion: true
parameters: {type: fast}
allowedTopologies:
- matchLabelExpressions: [{key: topology.kubernetes.io/zone, values: [zone-0, zone-1]}]
---
apiVersion: storage.k8s.io/v1
kind: CSINode
metadata: {name: proto-csinode-${ns}, labels: {kubemesos.io/test: ${ns}}}
spec:
  drivers:
  - name: example.csi.k8s.io
    nodeID: n-1
    topologyKeys: [topology.kubernetes.io/zone]
    allocatable: {count: 16}
---
apiVersion: scheduling.k8s.io/v1beta1
kind: PodGroup
metadata: {name: gang, namespace: ${ns}}
spec:
  schedulingPolicy:
    gang: {minCount: 3}
---
apiVersion: scheduling.k8s.io/v1beta1
kind: PodGroup
metadata: {name: basic, namespace: ${ns}}
spec:
  schedulingPolicy:
    basic: {}
YAML
}
