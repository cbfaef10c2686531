{{/* Names, labels and the settings each service gets. */}}

{{- define "notify.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* <fullname>-<service>; dict root, name */}}
{{- define "notify.componentName" -}}
{{- printf "%s-%s" (include "notify.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "notify.labels" -}}
app.kubernetes.io/name: notify
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/version: {{ (.root.Values.image.tag | default .root.Chart.AppVersion) | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/component: {{ .name }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "notify.selectorLabels" -}}
app.kubernetes.io/name: notify
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* The Secret the chart renders, or the one values name as existing. */}}
{{- define "notify.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "notify.fullname" .)) -}}
{{- end -}}

{{/* An env entry from a secret; dict root, key (the setting), optional */}}
{{- define "notify.secretEnv" -}}
{{- $ref := index (.root.Values.secrets.refs | default dict) .key -}}
- name: {{ .key }}
  valueFrom:
    secretKeyRef:
      name: {{ if $ref }}{{ required (printf "secrets.refs.%s.name is required" .key) $ref.name }}{{ else }}{{ include "notify.secretName" .root }}{{ end }}
      key: {{ if $ref }}{{ $ref.key | default .key }}{{ else }}{{ .key }}{{ end }}
      {{- if get . "optional" }}
      optional: true
      {{- end }}
{{- end -}}

{{/* SHUTDOWN_TIMEOUT_MS of a service: the gateway's covers its drain window. dict root, name, svc */}}
{{- define "notify.shutdownTimeoutMs" -}}
{{- if .svc.shutdownTimeoutMs -}}
{{- .svc.shutdownTimeoutMs | int -}}
{{- else if eq .name "gateway" -}}
{{- add (.svc.drainWindowMs | int) 15000 -}}
{{- else -}}
15000
{{- end -}}
{{- end -}}

{{/*
terminationGracePeriodSeconds: the preStop sleep, then SIGTERM and at most SHUTDOWN_TIMEOUT_MS of
graceful stop (the process exits by itself at that bound), plus 5 s before the kubelet's SIGKILL.
*/}}
{{- define "notify.gracePeriodSeconds" -}}
{{- $shutdownMs := include "notify.shutdownTimeoutMs" . | int -}}
{{- add (.root.Values.preStopSleepSeconds | int) (div (add $shutdownMs 999) 1000) 5 -}}
{{- end -}}

{{- define "notify.kafkaTls" -}}
{{- $k := .Values.kafka -}}
{{- if or $k.tls.enabled $k.tls.caSecret $k.tls.clientCertSecret $k.sasl.mechanism -}}true{{- end -}}
{{- end -}}

{{/* Every container's environment; dict root, name, svc */}}
{{- define "notify.env" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
{{- $k := $v.kafka -}}
{{- $useJwtSecret := not (or $v.jwt.publicKey $v.jwt.jwksUrl) -}}
- name: HOST
  value: 0.0.0.0
# Settings come from this environment only, never from a .env file in the image.
- name: ENV_FILE
  value: /dev/null
- name: PORT
  value: {{ .svc.port | quote }}
- name: LOG_LEVEL
  value: {{ $v.logLevel | quote }}
- name: NODE_OPTIONS
  value: {{ $v.nodeOptions | quote }}
- name: SHUTDOWN_TIMEOUT_MS
  value: {{ include "notify.shutdownTimeoutMs" . | quote }}
- name: KAFKA_BROKERS
  value: {{ required "kafka.brokers is required" $k.brokers | quote }}
- name: KAFKA_SESSION_TIMEOUT_MS
  value: {{ $k.sessionTimeoutMs | quote }}
{{- if $k.topicPrefix }}
- name: TOPIC_PREFIX
  value: {{ $k.topicPrefix | quote }}
{{- end }}
{{- if include "notify.kafkaTls" $root }}
- name: KAFKA_SSL
  value: "true"
{{- end }}
{{- if $k.tls.caSecret }}
- name: KAFKA_SSL_CA_FILE
  value: /etc/notify/kafka-ca/{{ $k.tls.caKey }}
{{- end }}
{{- if $k.tls.clientCertSecret }}
- name: KAFKA_SSL_CERT_FILE
  value: /etc/notify/kafka-client/tls.crt
- name: KAFKA_SSL_KEY_FILE
  value: /etc/notify/kafka-client/tls.key
{{- end }}
{{- if $k.sasl.mechanism }}
- name: KAFKA_SASL_MECHANISM
  value: {{ $k.sasl.mechanism | quote }}
- name: KAFKA_SASL_USERNAME
  value: {{ required "kafka.sasl.username is required with kafka.sasl.mechanism" $k.sasl.username | quote }}
{{ include "notify.secretEnv" (dict "root" $root "key" "KAFKA_SASL_PASSWORD") }}
{{- end }}
{{- if ne .name "presence" }}
{{ include "notify.secretEnv" (dict "root" $root "key" "MONGO_URL") }}
{{- end }}
{{- if has .name (list "router" "presence" "push" "webhooks") }}
{{ include "notify.secretEnv" (dict "root" $root "key" "ADMIN_TOKENS") }}
{{ include "notify.secretEnv" (dict "root" $root "key" "INTAKE_TOKENS") }}
{{- end }}
{{- if has .name (list "gateway" "presence") }}
{{ include "notify.secretEnv" (dict "root" $root "key" "GATEWAY_RELAY_SECRET") }}
{{- end }}
{{- if has .name (list "gateway" "push") }}
{{- if $useJwtSecret }}
{{ include "notify.secretEnv" (dict "root" $root "key" "JWT_SECRET") }}
{{- end }}
{{- with $v.jwt.publicKey }}
- name: JWT_PUBLIC_KEY
  value: {{ . | quote }}
{{- end }}
{{- with $v.jwt.jwksUrl }}
- name: JWT_JWKS_URL
  value: {{ . | quote }}
{{- end }}
{{- with $v.jwt.issuer }}
- name: JWT_ISSUER
  value: {{ . | quote }}
{{- end }}
{{- with $v.jwt.audience }}
- name: JWT_AUDIENCE
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- if eq .name "gateway" }}
- name: POD_IP
  valueFrom:
    fieldRef:
      fieldPath: status.podIP
- name: GATEWAY_RELAY_HOST
  value: 0.0.0.0
- name: GATEWAY_RELAY_PORT
  value: {{ .svc.relayPort | quote }}
# Other gateways reach this pod by its IP (a pod's host name does not resolve in the cluster).
- name: GATEWAY_RELAY_URL
  value: http://$(POD_IP):{{ .svc.relayPort }}
- name: GATEWAY_DRAIN_WINDOW_MS
  value: {{ .svc.drainWindowMs | quote }}
{{- end }}
{{- if eq .name "push" }}
{{ include "notify.secretEnv" (dict "root" $root "key" "APNS_KEY" "optional" true) }}
{{ include "notify.secretEnv" (dict "root" $root "key" "FCM_SERVICE_ACCOUNT" "optional" true) }}
{{- with .svc.apns.keyId }}
- name: APNS_KEY_ID
  value: {{ . | quote }}
{{- end }}
{{- with .svc.apns.teamId }}
- name: APNS_TEAM_ID
  value: {{ . | quote }}
{{- end }}
{{- with .svc.fcm.projectId }}
- name: FCM_PROJECT_ID
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- range $name, $value := .svc.env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}
