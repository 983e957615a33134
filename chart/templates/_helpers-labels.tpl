{{- /*
  Labels, z2jh style: the legacy set (component, app, release) that selectors use, so selectors never
  change between chart versions, plus the app.kubernetes.io/* set on every object.
  Call with (dict "root" $ "component" "companion").
*/}}

{{- define "launchpad.matchLabels" -}}
app: {{ include "launchpad.name" .root }}
release: {{ .root.Release.Name }}
component: {{ .component }}
{{- end }}

{{- define "launchpad.labels" -}}
{{ include "launchpad.matchLabels" . }}
app.kubernetes.io/name: {{ include "launchpad.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end }}
