#!/usr/bin/env bash
# `npm test`: every test Launchpad has — types, lint, unit (page, companion, contract), the hub glue
# against real KubeSpawner, the chart with the real helm, stories, and the e2e suite against a real
# JupyterHub + KubeSpawner in Chromium, and the companion against a real kube-apiserver + etcd.
# Installs what it needs (Python venvs, Chromium, helm, kube-apiserver and etcd built with Go) first.
set -euo pipefail
source "$(dirname "$0")/tools.sh"
cd "$LAUNCHPAD_ROOT"

step() { printf '\n=== %s\n' "$*"; }

step "Set-up: hub venvs + Chromium, helm, kube-apiserver + etcd"
bash scripts/setup-e2e.sh
bash scripts/setup-helm.sh
# Built from Go modules once per machine (cached outside the clone); prints where they are.
bash scripts/setup-kube.sh
.cache/venv-jh5/bin/pip install --quiet --disable-pip-version-check -r chart/tests/glue/requirements-test.txt

step "Node $(node --version): types"
tsc --noEmit -p tsconfig.json

step "Lint and format"
eslint --max-warnings 0 .
prettier --check . >/dev/null

step "Build the page"
vite build --logLevel warn
node scripts/compress-static.ts

step "Unit tests: page, companion, contract, chart (vitest)"
vitest run

step "Hub glue on real KubeSpawner (pytest)"
.cache/venv-jh5/bin/python -m pytest chart/tests/glue -q -p no:cacheprovider

step "Storybook builds"
STORYBOOK_DISABLE_TELEMETRY=1 storybook build --quiet --disable-telemetry -o storybook-static >/dev/null

step "End to end: real JupyterHub + KubeSpawner + Chromium (playwright)"
bash e2e/run.sh

step "All tests passed"
