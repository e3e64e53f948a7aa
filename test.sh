#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian 12 machine (root), then runs every test.
# Idempotent: installed pieces are skipped. CI (.ci/run) calls exactly this.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v clickhouse-server >/dev/null 2>&1 || need_apt+=(clickhouse-server clickhouse-client)
# librdkafka's default build needs libsasl2 (the Kafka tests of later issues use it).
[[ -e /usr/lib/x86_64-linux-gnu/libsasl2.so.2 ]] || need_apt+=(libsasl2-2)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if (( ${#need_apt[@]} )); then
  echo "test.sh: apt-get install ${need_apt[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# The embedded ClickHouse engine (chDB) from npm; the storage and integration tests load it.
ACTORTRACING_CHDB_LIB="$("$ROOT/scripts/fetch-chdb.sh")"
export ACTORTRACING_CHDB_LIB

mkdir -p "$ROOT/test-results"
"$ROOT/scripts/install-browser.sh"  # chromium + playwright-core for the query UI browser test
# One test assembly at a time: the machine has 2 cores, and the engine allows one connection per
# process, so parallel assemblies would only fight over CPU.
dotnet build "$ROOT/ActorTracing.sln" -c Release -nologo -v q
"$ROOT/scripts/install-prometheus.sh"  # the admin /metrics spec scrapes with the real Prometheus server
dotnet test "$ROOT/ActorTracing.sln" -c Release --no-build -nologo \
  --logger "trx" --results-directory "$ROOT/test-results" \
  -- RunConfiguration.MaxCpuCount=1 "$@"
