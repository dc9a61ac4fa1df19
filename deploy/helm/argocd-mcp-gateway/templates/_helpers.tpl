{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "argocd-mcp-gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name of every object. */}}
{{- define "argocd-mcp-gateway.fullname" -}}
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

{{- define "argocd-mcp-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "argocd-mcp-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "argocd-mcp-gateway.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "argocd-mcp-gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "argocd-mcp-gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "argocd-mcp-gateway.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The gateway's config file: config, plus argocd.headers. */}}
{{- define "argocd-mcp-gateway.configYaml" -}}
{{- with .Values.config }}
{{- toYaml . }}
{{- end }}
{{- with .Values.argocd.headers }}
headers:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Settings the gateway would refuse at start-up are refused here already, with the value to set. */}}
{{- define "argocd-mcp-gateway.validate" -}}
{{- if and (not .Values.argocd.url) (not .Values.config.instances) }}
{{- fail "argocd.url is required: the address of argocd-server, e.g. https://argocd-server.argocd.svc (or list several Argo CDs in config.instances)" }}
{{- end }}
{{- if and .Values.argocd.url (not .Values.argocd.auth.existingSecret) }}
{{- fail "argocd.auth.existingSecret is required: a Secret holding the Argo CD token under argocd.auth.tokenKey (or, with argocd.auth.username, the password under argocd.auth.passwordKey)" }}
{{- end }}
{{- if and .Values.argocd.headers .Values.config.headers }}
{{- fail "set the Argo CD headers in argocd.headers or in config.headers, not both" }}
{{- end }}
{{- if and .Values.inboundAuth.allowUnauthenticated (not (or .Values.inboundAuth.apiKeys.existingSecret .Values.inboundAuth.oauth.issuer .Values.allowedHosts)) }}
{{- fail "inboundAuth.allowUnauthenticated needs allowedHosts: the host names clients use, e.g. [mcp.example.com]; without credentials the Host check is the only guard against DNS rebinding" }}
{{- end }}
{{- if not (or .Values.inboundAuth.apiKeys.existingSecret .Values.inboundAuth.oauth.issuer .Values.inboundAuth.allowUnauthenticated) }}
{{- fail "inbound auth is required to serve beyond loopback: set inboundAuth.apiKeys.existingSecret or inboundAuth.oauth.issuer, or inboundAuth.allowUnauthenticated=true behind an authenticating proxy" }}
{{- end }}
{{- end }}
