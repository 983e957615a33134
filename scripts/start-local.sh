#!/usr/bin/env bash
# `npm start`: Launchpad in local mode — no cluster, no hub. Builds the page, then serves a demo
# spawn page with a sample profile list, a file-backed project store and a BinderHub simulator.
set -euo pipefail
source "$(dirname "$0")/tools.sh"
cd "$LAUNCHPAD_ROOT"
vite build --logLevel warn
# Brotli/gzip siblings for @fastify/static's preCompressed (server/src/static.ts).
node scripts/compress-static.ts dist/static

# The BinderHub simulator replays a real recorded build (server/test-support/binderhub-double.ts),
# unless LAUNCHPAD_BINDERHUB_URL already points at a BinderHub.
simulator_pid=""
cleanup() { if [ -n "$simulator_pid" ]; then kill "$simulator_pid" 2>/dev/null || true; fi; }
trap cleanup EXIT
if [ -z "${LAUNCHPAD_BINDERHUB_URL:-}" ]; then
  token="local-binderhub-$RANDOM$RANDOM"
  log="$(mktemp)"
  node server/test-support/binderhub-double-cli.ts --port 0 --token "$token" --event-delay-ms 5 >"$log" &
  simulator_pid=$!
  for _ in $(seq 100); do
    line="$(grep -m1 'listening on' "$log" || true)"
    [ -n "$line" ] && break
    kill -0 "$simulator_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$line" ] || { echo "start-local: the BinderHub simulator did not start" >&2; exit 1; }
  export LAUNCHPAD_BINDERHUB_URL="${line##* }"
  export LAUNCHPAD_BINDERHUB_TOKEN="$token"
  echo "start-local: BinderHub simulator at $LAUNCHPAD_BINDERHUB_URL"
fi

# In the background so a TERM/INT to this script reaches the companion, which drains and exits;
# the EXIT trap then stops the simulator.
node server/src/server.ts --local "$@" &
server_pid=$!
trap 'kill -TERM "$server_pid" 2>/dev/null || true' INT TERM
status=0
wait "$server_pid" || status=$?
if kill -0 "$server_pid" 2>/dev/null; then wait "$server_pid" || status=$?; fi
exit "$status"
