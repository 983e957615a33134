#!/usr/bin/env bash
# The whole e2e suite: real JupyterHub 5.5 (every test), then JupyterHub 6.1 (the @smoke tests).
# Every stack runs the hub, CHP, the companion, a test cluster (a real kube-apiserver, etcd and the
# test kubelet) and (unless a test turns features off) the BinderHub double (e2e/support/stack.ts):
# spawn page, builds (tests/builds.spec.ts), Your
# Projects on dynamic and shared home storage (tests/projects.spec.ts), the profile editor with a
# real registry (tests/profile-editor.spec.ts), fallback, prefix, real hubs.
# Then the local demo as `npm start` runs it (e2e/local-demo/, its own config).
# Extra arguments go to both hub runs only, e.g. `bash e2e/run.sh tests/spawn.spec.ts`.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=../scripts/tools.sh
source scripts/tools.sh || exit 1

bash scripts/setup-e2e.sh || exit 1
vite build || exit 1
if [ -f scripts/compress-static.ts ]; then
  node scripts/compress-static.ts || exit 1
fi

status=0
echo "== e2e on JupyterHub 5.5 (all tests)"
E2E_JH=5 playwright test -c e2e/playwright.config.ts "$@" || status=1
echo "== e2e on JupyterHub 6.1 (@smoke)"
E2E_JH=6 playwright test -c e2e/playwright.config.ts --grep @smoke "$@" || status=1
# The local demo runs `npm start` itself (which builds the page again); not when given hub specs.
if [ "$#" -eq 0 ]; then
  echo "== e2e on the local demo (npm start)"
  playwright test -c e2e/local-demo.config.ts || status=1
fi
exit "$status"
