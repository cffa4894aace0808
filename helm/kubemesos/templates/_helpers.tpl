{{- define "kubemesos.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kubemesos.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "kubemesos.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kubemesos.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kubemesos.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "kubemesos.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kubemesos
{{- end -}}

{{- define "kubemesos.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kubemesos.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "kubemesos.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "kubemesos.registryNamespace" -}}
{{- default .Release.Namespace .Values.registry.kubernetes.namespace -}}
{{- end -}}

{{/* The registry ConfigMaps of the kubernetes backend are <prefix>-0 .. <prefix>-(shards-1). */}}
{{- define "kubemesos.registryConfigMapPrefix" -}}
{{- default (printf "%s-registry" (include "kubemesos.fullname" .)) .Values.registry.kubernetes.configMapPrefix -}}
{{- end -}}
