#!/usr/bin/env bash
# Fetches chDB (ClickHouse 26.7 as an in-process library) into .tools/chdb/ and prints the path of
# libchdb.so. Idempotent: a present library is not fetched again. The version is pinned because
# the C API changes between chDB releases and ActorTracing binds it by hand (no header ships).
set -euo pipefail

CHDB_NPM_PACKAGE="@chdb/lib-linux-x64-gnu"
CHDB_VERSION="26.7.3-stable.1"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="${repo_root}/.tools/chdb"
lib_path="${tools_dir}/package/libchdb.so"

if [[ -f "${lib_path}" ]]; then
  echo "${lib_path}"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "fetch-chdb: installing npm (apt-get)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >&2
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "fetch-chdb: npm is required to download ${CHDB_NPM_PACKAGE}@${CHDB_VERSION}" >&2
  exit 1
fi

mkdir -p "${tools_dir}"
# Download and extract in a scratch dir, then move into place, so an interrupted run (the tarball
# is ~178 MB) never leaves a half-extracted library that the check above would accept.
scratch="$(mktemp -d "${tools_dir}/fetch.XXXXXX")"
trap 'rm -rf "${scratch}"' EXIT

echo "fetch-chdb: downloading ${CHDB_NPM_PACKAGE}@${CHDB_VERSION} ..." >&2
tarball="$(cd "${scratch}" && npm pack --silent "${CHDB_NPM_PACKAGE}@${CHDB_VERSION}" | tail -n 1)"
tar -xzf "${scratch}/${tarball}" -C "${scratch}"

if [[ ! -f "${scratch}/package/libchdb.so" ]]; then
  echo "fetch-chdb: ${tarball} does not contain package/libchdb.so" >&2
  exit 1
fi

rm -rf "${tools_dir}/package"
mv "${scratch}/package" "${tools_dir}/package"
echo "${lib_path}"
