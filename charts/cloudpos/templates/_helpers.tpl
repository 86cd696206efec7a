{{/* Names, labels and small computed values shared by the templates. */}}

{{- define "cloudpos.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* <release>-cloudpos, or the release name alone when it already says cloudpos. */}}
{{- define "cloudpos.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The operator's objects: <fullname>-operator (cloudpos-operator for a release named cloudpos). */}}
{{- define "cloudpos.operator.fullname" -}}
{{- printf "%s-operator" (include "cloudpos.fullname" . | trunc 54 | trimSuffix "-") }}
{{- end }}

{{- define "cloudpos.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "cloudpos.labels" -}}
helm.sh/chart: {{ include "cloudpos.chart" . }}
app.kubernetes.io/name: {{ include "cloudpos.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cloudpos
{{- end }}

{{- define "cloudpos.operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cloudpos.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "cloudpos.operator.labels" -}}
{{ include "cloudpos.labels" . }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "cloudpos.operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cloudpos.operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
One of the images `npm run images` builds: <repository>/<name>@digest, or :tag (the chart's
appVersion by default). Called with a dict: root (the chart's context), name (operator, portal,
pos-api, worker) and key (its entry in image.digests).
*/}}
{{- define "cloudpos.image" -}}
{{- $values := .root.Values.image }}
{{- $digest := get (default dict $values.digests) .key }}
{{- if $digest }}
{{- printf "%s/%s@%s" $values.repository .name $digest }}
{{- else }}
{{- printf "%s/%s:%s" $values.repository .name (default .root.Chart.AppVersion $values.tag) }}
{{- end }}
{{- end }}

{{- define "cloudpos.natsCredsSecret" -}}
{{- default .Values.secrets.existingSecret .Values.secrets.natsSystemCreds.existingSecret }}
{{- end }}

{{/*
The named database clusters (ADR 0022) as JSON: the CloudNativePG Cluster the chart creates (first),
then databases.clusters; each with name, host, port, database, adminSecret and maybe egress. An empty
list: the one `default` cluster of config.endpoints and secrets.databaseUrlKey.
*/}}
{{- define "cloudpos.databaseClusters" -}}
{{- $clusters := list }}
{{- with .Values.databases.cloudnativePg }}
{{- if .enabled }}
{{- $egress := dict "name" (printf "postgres-%s" .name) "port" 5432 "namespace" $.Release.Namespace "podLabels" (dict "cnpg.io/cluster" .name) }}
{{- $admin := dict "name" (printf "%s-superuser" .name) "key" "uri" }}
{{- $clusters = append $clusters (dict "name" .name "host" (printf "%s-rw.%s.svc" .name $.Release.Namespace) "port" 5432 "database" .database "egress" $egress "adminSecret" $admin) }}
{{- end }}
{{- end }}
{{- range .Values.databases.clusters }}
{{- $clusters = append $clusters . }}
{{- end }}
{{- toJson $clusters }}
{{- end }}

{{/* The environment variable of a cluster's admin URL (operator/src/config.ts adminUrlVariable). */}}
{{- define "cloudpos.adminUrlVariable" -}}
{{- printf "DATABASE_URL_%s" (. | upper | replace "-" "_") }}
{{- end }}

{{/* The OperatorConfig (operator/src/config.ts) as JSON: values.config with the chart's defaults. */}}
{{- define "cloudpos.operatorConfig" -}}
{{- $config := deepCopy .Values.config }}
{{- $_ := set $config "image" (default (include "cloudpos.image" (dict "root" . "name" "pos-api" "key" "posApi")) .Values.config.image) }}
{{- $_ := set $config "workerImage" (default (include "cloudpos.image" (dict "root" . "name" "worker" "key" "worker")) .Values.config.workerImage) }}
{{- $_ := set $config "imagePullPolicy" (default .Values.image.pullPolicy .Values.config.imagePullPolicy) }}
{{- if not $config.mailFrom }}
{{- $_ := unset $config "mailFrom" }}
{{- end }}
{{- if not $config.endpoints.otlpEndpoint }}
{{- $_ := unset $config.endpoints "otlpEndpoint" }}
{{- end }}
{{- $clusters := include "cloudpos.databaseClusters" . | fromJsonArray }}
{{- if $clusters }}
{{- $listed := list }}
{{- range $clusters }}
{{- $listed = append $listed (omit . "adminSecret") }}
{{- end }}
{{- $_ := set $config "databaseClusters" $listed }}
{{- $_ := set $config "placement" .Values.databases.placement }}
{{- with .Values.databases.default }}
{{- $_ := set $config "defaultDatabaseCluster" . }}
{{- end }}
{{- end }}
{{- if .Values.backup.existingClaim }}
{{- $_ := set $config "backupDir" .Values.backup.mountPath }}
{{- end }}
{{- with .Values.backup.bucket }}
{{- if .url }}
{{- $bucket := dict "url" .url }}
{{- if .endpoint }}{{- $_ := set $bucket "endpoint" .endpoint }}{{- end }}
{{- if .region }}{{- $_ := set $bucket "region" .region }}{{- end }}
{{- $_ := set $config "backupBucket" $bucket }}
{{- end }}
{{- end }}
{{- toPrettyJson $config }}
{{- end }}

{{/* GET /healthz from inside the container (see the probes in deployment.yaml for why not httpGet). */}}
{{- define "cloudpos.operator.healthz" -}}
httpGet:
  path: /healthz
  port: metrics
{{- end }}
