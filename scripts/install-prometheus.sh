#!/usr/bin/env bash
# Installs Debian's Prometheus server if missing. The admin endpoint's /metrics test scrapes the
# endpoint with the real server and reads the series back through its HTTP API, so the exposition
# format is checked by the parser that matters. Idempotent; needs root (apt-get) when installing.
set -euo pipefail
if command -v prometheus >/dev/null 2>&1; then
  exit 0
fi
echo "install-prometheus.sh: apt-get install prometheus" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends: the node exporter and friends are not needed; the service is not
# started by the tests (they run their own server on a free port with a generated config).
apt-get install -y -qq --no-install-recommends prometheus >/dev/null
command -v prometheus >/dev/null 2>&1 || { echo "install-prometheus.sh: prometheus still missing after install" >&2; exit 1; }
