{{/*
Pod template of the migration and seed Jobs: the service image, the same environment and security
context, one command. Call with (dict "root" $ "component" "migrate" "args" (list ...)).
*/}}
{{- define "booking.jobPod" -}}
{{- $ := .root -}}
metadata:
  labels:
    {{- include "booking.componentSelectorLabels" (dict "root" $ "component" .component) | nindent 4 }}
    headroom/data-client: "true"
spec:
  restartPolicy: Never
  serviceAccountName: {{ include "booking.serviceAccountName" $ }}
  automountServiceAccountToken: false
  {{- with $.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml $.Values.podSecurityContext | nindent 4 }}
  containers:
    - name: {{ .component }}
      image: {{ include "booking.image" $ | quote }}
      imagePullPolicy: {{ $.Values.image.pullPolicy }}
      command: ["node", {{ .script | quote }}{{ range .args }}, {{ . | quote }}{{ end }}]
      securityContext:
        {{- toYaml $.Values.securityContext | nindent 8 }}
      env:
        - name: NODE_ENV
          value: production
        - name: LOG_LEVEL
          value: {{ $.Values.config.logLevel | quote }}
        {{- include "booking.databaseEnv" $ | nindent 8 }}
      resources:
        {{- toYaml $.Values.migrations.resources | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: 64Mi
  {{- with $.Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $.Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
