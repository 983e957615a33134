# Sourced by the project's scripts: puts the project's own Node 24 (the npm package `node`,
# installed by `npm ci` into node_modules) first on PATH, whatever Node the machine has.
# Usage: source scripts/tools.sh
LAUNCHPAD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export LAUNCHPAD_ROOT
if [ ! -x "$LAUNCHPAD_ROOT/node_modules/.bin/node" ]; then
  echo "tools.sh: node_modules is missing; run 'npm ci' first" >&2
  return 1 2>/dev/null || exit 1
fi
export PATH="$LAUNCHPAD_ROOT/node_modules/.bin:$PATH"
