#!/usr/bin/env bash
# jupyterhub-fancy-profiles 0.7.0 for the bench's side-by-side spawn page figures (bench/spawn-page.ts);
# nothing of it is committed. Safe to run again: done work is skipped.
#
#   .cache/venv-fp                            JupyterHub 5.5 + KubeSpawner 7.1 + jupyterhub-fancy-profiles
#                                             0.7.0 from PyPI, serving the form.js it ships (a
#                                             webpack development build)
#   .cache/fancy-profiles-0.7.0-production/   the same release's own sources (its PyPI sdist) built
#                                             with `webpack --mode production`, as a hub admin who
#                                             rebuilt it would serve it
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
VERSION=0.7.0
VENV="$CACHE/venv-fp"
PRODUCTION="$CACHE/fancy-profiles-$VERSION-production"
PYTHON="${PYTHON:-python3}"
mkdir -p "$CACHE"

if [ ! -x "$VENV/bin/jupyterhub" ] || ! "$VENV/bin/python" -c "import jupyterhub_fancy_profiles" 2>/dev/null; then
  echo "setup-fancy-profiles: building $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --no-input -r "$ROOT/e2e/hub/requirements-jh5.txt" \
    "jupyterhub-fancy-profiles==$VERSION"
fi

if [ ! -f "$PRODUCTION/form.js" ]; then
  echo "setup-fancy-profiles: building $PRODUCTION from the PyPI sdist (webpack --mode production)"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  "$VENV/bin/python" -m pip download --quiet --no-deps --no-binary :all: \
    "jupyterhub-fancy-profiles==$VERSION" -d "$work"
  tar -xzf "$work"/jupyterhub_fancy_profiles-"$VERSION".tar.gz -C "$work"
  (
    cd "$work/jupyterhub_fancy_profiles-$VERSION"
    npm ci --ignore-scripts --no-audit --no-fund --loglevel error >/dev/null
    npx webpack --mode production --no-devtool --output-path "$work/dist" >/dev/null
  )
  mkdir -p "$PRODUCTION"
  cp "$work"/dist/*.js "$PRODUCTION/"
fi
echo "setup-fancy-profiles: ready ($VENV, $PRODUCTION)"
