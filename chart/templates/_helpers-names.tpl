{{- /*
  Every resource name comes from one helper here, so templates and NOTES.txt never disagree.
*/}}

{{- define "launchpad.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "launchpad.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := include "launchpad.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- /* Deployment, Service, ConfigMap, Secret, Role, RoleBinding, NetworkPolicy, PDB */}}
{{- define "launchpad.companion.fullname" -}}
{{- include "launchpad.fullname" . }}
{{- end }}

{{- define "launchpad.hub-glue.fullname" -}}
{{- printf "%s-hub-glue" (include "launchpad.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "launchpad.build.fullname" -}}
{{- printf "%s-build" (include "launchpad.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "launchpad.secret.fullname" -}}
{{- .Values.existingSecret | default (include "launchpad.fullname" .) }}
{{- end }}

{{- define "launchpad.serviceaccount.name" -}}
{{- if .Values.serviceAccount.create }}
{{- .Values.serviceAccount.name | default (include "launchpad.fullname" .) }}
{{- else }}
{{- .Values.serviceAccount.name | default "default" }}
{{- end }}
{{- end }}

{{- /* Where BinderHub runs build pods: build.namespace, else the release (= hub) namespace. */}}
{{- define "launchpad.build.namespace" -}}
{{- .Values.build.namespace | default .Release.Namespace }}
{{- end }}

{{- define "launchpad.build.sameNamespace" -}}
{{- if eq (include "launchpad.build.namespace" .) .Release.Namespace }}true{{ end }}
{{- end }}

{{- /* JupyterHub's routes for this service: {base_url}services/{name}/ and its oauth_callback:
     https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/service.py#L346-L350
     https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/service.py#L381-L383 */}}
{{- define "launchpad.hub.baseUrl" -}}
{{- $base := .Values.hub.baseUrl | trimSuffix "/" }}
{{- printf "%s/" $base }}
{{- end }}

{{- define "launchpad.hub.servicePrefix" -}}
{{- printf "%sservices/%s/" (include "launchpad.hub.baseUrl" .) .Values.hub.serviceName }}
{{- end }}

{{- define "launchpad.hub.apiUrl" -}}
{{- .Values.hub.apiUrl | default (printf "http://hub:%d%shub/api" (int .Values.hub.apiPort) (include "launchpad.hub.baseUrl" .)) }}
{{- end }}

{{- define "launchpad.hub.oauthCallbackUrl" -}}
{{- .Values.hub.oauthCallbackUrl | default (printf "%soauth_callback" (include "launchpad.hub.servicePrefix" .)) }}
{{- end }}

{{- define "launchpad.hub.tokenKey" -}}
{{- .Values.hub.existingTokenSecret.key | default (printf "hub.services.%s.apiToken" .Values.hub.serviceName) }}
{{- end }}

{{- /* The URL the hub's proxy routes /services/<name>/ to (only scheme, host and port count). */}}
{{- define "launchpad.serviceUrl" -}}
{{- printf "http://%s.%s:%d" (include "launchpad.companion.fullname" .) .Release.Namespace (int .Values.service.port) }}
{{- end }}

{{- define "launchpad.binderhub.url" -}}
{{- .Values.build.binderhub.url | default (printf "http://binderhub.%s/services/%s/" (include "launchpad.build.namespace" .) .Values.build.binderhub.serviceName) }}
{{- end }}

{{- define "launchpad.glue.mountPath" -}}
/usr/local/etc/launchpad
{{- end }}

{{- /* The one line the hub runs (z2jh hub.extraConfig), loading the glue after the admin's hooks. */}}
{{- define "launchpad.glue.extraConfigLine" -}}
{{- $home := .Values.projects.home -}}
import sys; sys.path.insert(0, {{ include "launchpad.glue.mountPath" . | quote }}); import launchpad_glue; launchpad_glue.install(c, service_name={{ .Values.hub.serviceName | quote }}
{{- if $home.mountPath }}, home_mount_path={{ $home.mountPath | quote }}{{ end }}
{{- if $home.volumeName }}, home_volume_name={{ $home.volumeName | quote }}{{ end -}}
{{- if .Values.profileEditor.enabled -}}
, profile_list_url={{ printf "%s%sapi/hub/profile-list" (include "launchpad.serviceUrl" .) (include "launchpad.hub.servicePrefix" .) | quote }}, profile_list_cache_seconds={{ .Values.profileEditor.hubCacheSeconds }}
{{- end -}}
)
{{- end }}
