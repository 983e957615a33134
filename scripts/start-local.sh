#!/usr/bin/env bash
# `npm start`: Launchpad in local mode — no cluster, no hub. Builds the page, then serves a demo
# spawn page with a sample profile list, a file-backed project store and a BinderHub simulator.
set -euo pipefail
source "$(dirname "$0")/tools.sh"
cd "$LAUNCHPAD_ROOT"
vite build --logLevel warn
# Brotli/gzip siblings for @fastify/static's preCompressed (server/src/static.ts).
node scripts/compress-static.ts dist/static
exec node server/src/server.ts --local "$@"
