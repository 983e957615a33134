#!/usr/bin/env bash
# Prepares what the e2e suite needs beyond node_modules; safe to run again (it skips done work).
#
#   .cache/venv-jh5  JupyterHub 5.5 + KubeSpawner 7.1  (e2e/hub/requirements-jh5.txt)
#   .cache/venv-jh6  JupyterHub 6.1 + KubeSpawner 7.1  (e2e/hub/requirements-jh6.txt)
#   /usr/bin/chromium, from Debian, when missing (CI runs as root on a fresh machine)
#   /usr/bin/docker-registry and /usr/bin/skopeo, from Debian: the real registry the profile
#     editor's image checks are tested against (server/test-support/registry.ts)
#
# A venv is rebuilt only when its requirements file changes: each one carries a stamp file holding
# the sha256 of the requirements it was built from.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
PYTHON="${PYTHON:-python3}"
mkdir -p "$CACHE"

make_venv() {
  local name="$1" requirements="$2"
  local venv="$CACHE/$name" stamp="$CACHE/$name/.launchpad-requirements.sha256"
  local want
  want="$(sha256sum "$requirements" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/jupyterhub" ]; then
    echo "setup-e2e: $name is up to date"
    return
  fi
  echo "setup-e2e: building $name from ${requirements#"$ROOT"/}"
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --no-input -r "$requirements"
  "$venv/bin/python" -c 'import jupyterhub, kubespawner, yaml; print("setup-e2e: jupyterhub", jupyterhub.__version__)'
  echo "$want" >"$stamp"
}

make_venv venv-jh5 "$ROOT/e2e/hub/requirements-jh5.txt"
make_venv venv-jh6 "$ROOT/e2e/hub/requirements-jh6.txt"

# Debian packages, installed only when their binary is missing.
missing=()
for pair in chromium:/usr/bin/chromium docker-registry:/usr/bin/docker-registry skopeo:/usr/bin/skopeo; do
  if [ -x "${pair#*:}" ]; then
    echo "setup-e2e: ${pair#*:} is present"
  else
    missing+=("${pair%%:*}")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup-e2e: installing Debian's ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update
  # The tests start their own registries on free ports; none the package may start is used.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
