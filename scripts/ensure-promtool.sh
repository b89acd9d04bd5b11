#!/usr/bin/env bash
# Puts Prometheus' promtool (from Debian's `prometheus` package, unpacked, not installed: no
# server is started) into the virtual environment, so the alert rules are checked by the real
# tool. Best effort: without apt the tests fall back to a structural check.
set -euo pipefail
target="${1:-.venv/bin}"
[ -x "$target/promtool" ] && exit 0
command -v apt-get >/dev/null 2>&1 || { echo "no apt-get: promtool skipped"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get download prometheus >/dev/null 2>&1; then
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get download prometheus >/dev/null 2>&1 || { echo "prometheus package unavailable: promtool skipped"; exit 0; }
fi
dpkg -x prometheus_*.deb unpacked
cd - >/dev/null
cp "$work/unpacked/usr/bin/promtool" "$target/promtool"
echo "promtool installed into $target"
