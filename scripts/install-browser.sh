#!/usr/bin/env bash
# Installs what the query UI's browser end-to-end test needs, on a fresh Debian 12 machine (root):
# Debian's chromium (/usr/bin/chromium) and playwright-core from npm into
# tests/ActorTracing.Query.Tests/browser/node_modules. playwright-core is used because it drives an
# existing browser and never downloads one of its own (this machine reaches no browser CDN).
# Idempotent: installed pieces are skipped. test.sh calls it before the tests run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BROWSER_DIR="$ROOT/tests/ActorTracing.Query.Tests/browser"

need_apt=()
[[ -x /usr/bin/chromium ]] || need_apt+=(chromium)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if (( ${#need_apt[@]} )); then
  echo "install-browser.sh: apt-get install ${need_apt[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Another installer (test.sh's own apt-get, a parallel job) may hold the dpkg lock for a while.
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [[ ! -f "$BROWSER_DIR/node_modules/playwright-core/package.json" ]]; then
  echo "install-browser.sh: npm ci in ${BROWSER_DIR#"$ROOT"/}" >&2
  # PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: belt and braces, playwright-core has no download step anyway.
  (cd "$BROWSER_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi
