{{/* Chart name, overridable. */}}
{{- define "booking.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release name, plus the chart name unless the release name already contains it. */}}
{{- define "booking.fullname" -}}
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

{{- define "booking.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels common to every object. */}}
{{- define "booking.labels" -}}
helm.sh/chart: {{ include "booking.chart" . }}
{{ include "booking.selectorLabels" . }}
app.kubernetes.io/version: {{ include "booking.imageTag" . | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: headroom
{{- end }}

{{/* Labels every pod of the release has; components (below) tell the service, jobs and data stores apart. */}}
{{- define "booking.selectorLabels" -}}
app.kubernetes.io/name: {{ include "booking.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
An object's labels and a selector of its pods, for one component (api, migrate, seed, postgresql,
redis). Call with (dict "root" $ "component" "api").
*/}}
{{- define "booking.componentLabels" -}}
{{ include "booking.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "booking.componentSelectorLabels" -}}
{{ include "booking.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "booking.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "booking.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name must name an existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "booking.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{- define "booking.image" -}}
{{- printf "%s:%s" .Values.image.repository (include "booking.imageTag" .) }}
{{- end }}

{{- define "booking.postgresql.fullname" -}}
{{- printf "%s-postgresql" (include "booking.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "booking.redis.fullname" -}}
{{- printf "%s-redis" (include "booking.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* NODE_OPTIONS: the per-worker heap limit first, then anything extra. */}}
{{- define "booking.nodeOptions" -}}
{{- $opts := list (printf "--max-old-space-size=%d" (int .Values.node.maxOldSpaceSizeMiB)) }}
{{- with .Values.node.extraOptions }}{{ $opts = append $opts . }}{{ end }}
{{- join " " $opts }}
{{- end }}

{{/* Secret and key holding DATABASE_URL / REDIS_URL: the chart's Secret unless an existing one is named. */}}
{{- define "booking.databaseSecretRef" -}}
{{- if and (not .Values.postgresql.enabled) .Values.externalDatabase.existingSecret -}}
name: {{ .Values.externalDatabase.existingSecret }}
key: {{ .Values.externalDatabase.existingSecretKey }}
{{- else -}}
name: {{ include "booking.fullname" . }}
key: DATABASE_URL
{{- end }}
{{- end }}

{{- define "booking.redisSecretRef" -}}
{{- if and (not .Values.redis.enabled) .Values.externalRedis.existingSecret -}}
name: {{ .Values.externalRedis.existingSecret }}
key: {{ .Values.externalRedis.existingSecretKey }}
{{- else -}}
name: {{ include "booking.fullname" . }}
key: REDIS_URL
{{- end }}
{{- end }}

{{/* DATABASE_URL: all the migration and seed Jobs need. */}}
{{- define "booking.databaseEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      {{- include "booking.databaseSecretRef" . | nindent 6 }}
{{- end }}

{{/* The service's connection URLs. */}}
{{- define "booking.env" -}}
{{ include "booking.databaseEnv" . }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      {{- include "booking.redisSecretRef" . | nindent 6 }}
{{- end }}

{{/*
Checks that span several values, which the JSON schema cannot express. Included by the
Deployment, so every render runs them.
*/}}
{{- define "booking.validate" -}}
{{- $s := .Values.shutdown }}
{{- $drain := add $s.preStopSleepSeconds (div (add $s.delayMs $s.timeoutMs 999) 1000) 5 }}
{{- if lt (int .Values.terminationGracePeriodSeconds) (int $drain) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be at least %d: shutdown.preStopSleepSeconds + (delayMs + timeoutMs)/1000 + 5 s for the service's last-resort exit" (int .Values.terminationGracePeriodSeconds) (int $drain)) }}
{{- end }}
{{- if and .Values.autoscaling.enabled (lt (int .Values.autoscaling.maxReplicas) (int .Values.autoscaling.minReplicas)) }}
{{- fail (printf "autoscaling.maxReplicas (%d) must be >= autoscaling.minReplicas (%d)" (int .Values.autoscaling.maxReplicas) (int .Values.autoscaling.minReplicas)) }}
{{- end }}
{{- if and .Values.autoscaling.enabled (not .Values.autoscaling.targetCPUUtilizationPercentage) (not .Values.autoscaling.targetMemoryUtilizationPercentage) }}
{{- fail "autoscaling.enabled needs targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage" }}
{{- end }}
{{- if and .Values.migrations.helmHook (or .Values.postgresql.enabled (not .Values.externalDatabase.existingSecret)) }}
{{- fail "migrations.helmHook needs postgresql.enabled=false and externalDatabase.existingSecret: a pre-install hook runs before the release's PostgreSQL and Secret exist and would wait forever" }}
{{- end }}
{{- if and (not .Values.postgresql.enabled) (not .Values.externalDatabase.url) (not .Values.externalDatabase.existingSecret) }}
{{- fail "postgresql.enabled=false needs externalDatabase.url or externalDatabase.existingSecret" }}
{{- end }}
{{- if and (not .Values.redis.enabled) (not .Values.externalRedis.url) (not .Values.externalRedis.existingSecret) }}
{{- fail "redis.enabled=false needs externalRedis.url or externalRedis.existingSecret" }}
{{- end }}
{{- end }}

{{/* Rewrites the selectors of files/rules.yaml (written for a release named "booking") for this release. */}}
{{- define "booking.rulesFile" -}}
{{- $full := include "booking.fullname" . }}
{{- .Files.Get "files/rules.yaml"
  | replace "app_kubernetes_io_instance=\"booking\"" (printf "app_kubernetes_io_instance=%q" .Release.Name)
  | replace "horizontalpodautoscaler=\"booking\"" (printf "horizontalpodautoscaler=%q" $full)
  | replace (include "booking.podRegex" (dict "name" "booking")) (include "booking.podRegex" (dict "name" $full)) }}
{{- end }}

{{/* The service's settings: the ConfigMap's data, and the pods' checksum/config. */}}
{{- define "booking.configData" -}}
NODE_ENV: production
PORT: {{ .Values.containerPort | int | quote }}
WEB_CONCURRENCY: {{ .Values.node.workers | int | quote }}
NODE_OPTIONS: {{ include "booking.nodeOptions" . | quote }}
LOG_LEVEL: {{ .Values.config.logLevel | quote }}
DB_POOL_MAX: {{ .Values.config.dbPoolMax | int | quote }}
MAX_IN_FLIGHT: {{ .Values.config.maxInFlight | int | quote }}
BODY_LIMIT: {{ .Values.config.bodyLimit | quote }}
MAX_ACTIVE: {{ .Values.config.maxActive | int | quote }}
ACTIVE_TTL_SECONDS: {{ .Values.config.activeTtlSeconds | int | quote }}
QUEUE_TICK_MS: {{ .Values.config.queueTickMs | int | quote }}
HOLD_TTL_SECONDS: {{ .Values.config.holdTtlSeconds | int | quote }}
MAX_CHARGE_AMOUNT: {{ .Values.config.maxChargeAmount | int | quote }}
CACHE_TTL_MS: {{ .Values.config.cacheTtlMs | int | quote }}
SHUTDOWN_DELAY_MS: {{ .Values.shutdown.delayMs | int | quote }}
SHUTDOWN_TIMEOUT_MS: {{ .Values.shutdown.timeoutMs | int | quote }}
{{- end }}

{{/*
What the Secret is made from, for the pods' checksum/secret: the inputs, not the generated
passwords, so the checksum is the same on install and on upgrades that change nothing.
*/}}
{{- define "booking.secretInputs" -}}
{{- toJson (pick .Values "postgresql" "redis" "externalDatabase" "externalRedis") | sha256sum }}
{{- end }}

{{/*
Selector of a Deployment's pods by name: <name>-<ReplicaSet hash>-<suffix>. Both parts use
Kubernetes' safe alphabet (no vowels), so the StatefulSet pod <name>-postgresql-0 never matches.
*/}}
{{- define "booking.podRegex" -}}
pod=~"{{ .name }}-[bcdfghjklmnpqrstvwxz2456789]{5,10}-[bcdfghjklmnpqrstvwxz2456789]{5}"
{{- end }}
