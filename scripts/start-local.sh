#!/usr/bin/env bash
# `npm start`: Launchpad in local mode — no cluster, no hub. Builds the page, then serves a demo
# spawn page with a sample profile list, a file-backed project store (LAUNCHPAD_LOCAL_DATA_DIR,
# default .launchpad-local/) and a simulated BinderHub (server/src/local/binderhub-simulator.ts),
# unless LAUNCHPAD_BINDERHUB_URL points at a real one. Ctrl-C stops it.
set -euo pipefail
source "$(dirname "$0")/tools.sh"
cd "$LAUNCHPAD_ROOT"
vite build --logLevel warn
# Brotli/gzip siblings for @fastify/static's preCompressed (server/src/static.ts).
node scripts/compress-static.ts dist/static
# The companion as JavaScript, run as the image runs it (Dockerfile's CMD; chart/tests/image.test.ts).
node scripts/build-server.ts dist/server >/dev/null
# exec: Ctrl-C and TERM reach the companion, which drains open requests and exits.
exec node --max-semi-space-size=2 dist/server/server.js --local "$@"
