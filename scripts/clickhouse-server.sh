#!/usr/bin/env bash
# Runs a throwaway ClickHouse server (the distribution's clickhouse-server, 18.16 on Debian 12) for
# development and the storage specs: its own data directory, a generated minimal config listening
# on 127.0.0.1 only, no interserver port, no ZooKeeper, no system logs.
#
#   scripts/clickhouse-server.sh start DIR HTTP_PORT TCP_PORT [USER [PASSWORD]]
#       Writes DIR/config.xml and DIR/users.xml, starts the server in the background, waits until
#       GET http://127.0.0.1:HTTP_PORT/ping answers "Ok.", then prints the server's pid (and only
#       that) on stdout. DIR may already hold data from an earlier run: the server reopens it, so
#       stop + start is a restart. USER defaults to "default", PASSWORD to empty.
#   scripts/clickhouse-server.sh stop DIR [--purge]
#       Stops the server started on DIR (SIGTERM, then SIGKILL after 20 s); --purge also deletes DIR.
#   scripts/clickhouse-server.sh kill DIR
#       SIGKILL at once, no clean shutdown: what a crashed server looks like to its clients.
#
# Environment: CLICKHOUSE_SERVER (binary, default: clickhouse-server on PATH or /usr/sbin),
# CLICKHOUSE_START_TIMEOUT (seconds to wait for /ping, default 60).
set -euo pipefail

die() {
  echo "clickhouse-server.sh: $*" >&2
  exit 1
}

usage() {
  sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

find_binary() {
  if [[ -n "${CLICKHOUSE_SERVER:-}" ]]; then
    [[ -x "${CLICKHOUSE_SERVER}" ]] || die "CLICKHOUSE_SERVER=${CLICKHOUSE_SERVER} is not an executable"
    echo "${CLICKHOUSE_SERVER}"
  elif command -v clickhouse-server >/dev/null 2>&1; then
    command -v clickhouse-server
  elif [[ -x /usr/sbin/clickhouse-server ]]; then
    echo /usr/sbin/clickhouse-server
  else
    die "clickhouse-server is not installed (apt-get install clickhouse-server; ./test.sh does it)"
  fi
}

# XML text escaping for the values we put into the generated files.
xml_escape() {
  local s="$1"
  s="${s//&/&amp;}"
  s="${s//</&lt;}"
  s="${s//>/&gt;}"
  s="${s//\"/&quot;}"
  printf '%s' "$s"
}

http_ping() {
  # bash's /dev/tcp keeps the script free of curl/wget, which a minimal image may lack. In a
  # subshell so the descriptor and the refused-connection noise stay there.
  local port="$1"
  (
    exec 3<>"/dev/tcp/127.0.0.1/${port}" || exit 1
    printf 'GET /ping HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    reply="$(timeout 2 cat <&3 || true)"
    [[ "${reply}" == *"Ok."* ]]
  ) 2>/dev/null
}

write_config() {
  local dir="$1" http_port="$2" tcp_port="$3" user="$4" password="$5"
  local esc_dir esc_user esc_password
  esc_dir="$(xml_escape "${dir}")"
  esc_user="$(xml_escape "${user}")"
  esc_password="$(xml_escape "${password}")"
  mkdir -p "${dir}/data" "${dir}/tmp" "${dir}/user_files" "${dir}/format_schemas" "${dir}/log"
  # Caches are sized down from the 5-8 GB defaults: a developer or CI machine runs several of these.
  cat >"${dir}/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>${esc_dir}/log/clickhouse-server.log</log>
        <errorlog>${esc_dir}/log/clickhouse-server.err.log</errorlog>
        <size>10M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>${http_port}</http_port>
    <tcp_port>${tcp_port}</tcp_port>
    <max_connections>256</max_connections>
    <keep_alive_timeout>10</keep_alive_timeout>
    <max_concurrent_queries>64</max_concurrent_queries>
    <uncompressed_cache_size>67108864</uncompressed_cache_size>
    <mark_cache_size>67108864</mark_cache_size>
    <path>${esc_dir}/data/</path>
    <tmp_path>${esc_dir}/tmp/</tmp_path>
    <user_files_path>${esc_dir}/user_files/</user_files_path>
    <format_schema_path>${esc_dir}/format_schemas/</format_schema_path>
    <users_config>${esc_dir}/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
    <builtin_dictionaries_reload_interval>0</builtin_dictionaries_reload_interval>
    <max_table_size_to_drop>0</max_table_size_to_drop>
    <max_partition_size_to_drop>0</max_partition_size_to_drop>
    <!-- 18.16 has no per-column CODEC: compression is chosen server-wide. zstd for every part
         (min sizes 0 match inserts and merges alike) instead of the lz4 default, which is what the
         embedded schema's ZSTD(1) codecs buy there: roughly a third fewer bytes on disk. -->
    <compression>
        <case>
            <min_part_size>0</min_part_size>
            <min_part_size_ratio>0</min_part_size_ratio>
            <method>zstd</method>
        </case>
    </compression>
</yandex>
EOF
  cat >"${dir}/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>2000000000</max_memory_usage>
            <use_uncompressed_cache>0</use_uncompressed_cache>
        </default>
    </profiles>
    <users>
        <${esc_user}>
            <password>${esc_password}</password>
            <networks>
                <ip>127.0.0.1</ip>
                <ip>::1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </${esc_user}>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
EOF
}

read_pid() {
  local dir="$1"
  [[ -f "${dir}/server.pid" ]] || return 1
  cat "${dir}/server.pid"
}

is_running() {
  local pid="$1" state
  kill -0 "${pid}" 2>/dev/null || return 1
  # A killed server whose parent (not us: the server is reparented) has not reaped it yet is a
  # zombie: gone for every purpose here, and waiting on it would never end.
  state="$(awk '{print $3}' "/proc/${pid}/stat" 2>/dev/null || echo Z)"
  [[ "${state}" != "Z" ]]
}

cmd_start() {
  (( $# >= 3 && $# <= 5 )) || usage
  local dir="$1" http_port="$2" tcp_port="$3" user="${4:-default}" password="${5:-}"
  [[ "${http_port}" =~ ^[0-9]+$ && "${tcp_port}" =~ ^[0-9]+$ ]] || die "ports must be numbers: '${http_port}' '${tcp_port}'"
  [[ "${user}" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "user must be letters, digits and '_': '${user}'"
  local binary
  binary="$(find_binary)"
  mkdir -p "${dir}"
  dir="$(cd "${dir}" && pwd)"
  if pid="$(read_pid "${dir}")" && is_running "${pid}"; then
    die "a server (pid ${pid}) already runs on ${dir}; stop it first"
  fi
  if http_ping "${http_port}"; then
    die "port ${http_port} already answers /ping: another server is running there"
  fi
  write_config "${dir}" "${http_port}" "${tcp_port}" "${user}" "${password}"
  # setsid: the server must not die with the caller's terminal or process group (a test host that
  # stops its own children must stop this one explicitly, by pid).
  setsid "${binary}" --config-file="${dir}/config.xml" >"${dir}/log/stdout.log" 2>&1 </dev/null &
  local pid=$!
  echo "${pid}" >"${dir}/server.pid"
  local timeout="${CLICKHOUSE_START_TIMEOUT:-60}"
  local deadline=$(( SECONDS + timeout ))
  until http_ping "${http_port}"; do
    if ! is_running "${pid}"; then
      echo "clickhouse-server.sh: the server exited during start; last log lines:" >&2
      tail -n 20 "${dir}/log/clickhouse-server.err.log" "${dir}/log/stdout.log" >&2 2>/dev/null || true
      exit 1
    fi
    if (( SECONDS >= deadline )); then
      kill -KILL "${pid}" 2>/dev/null || true
      die "no answer on http://127.0.0.1:${http_port}/ping after ${timeout} s (log: ${dir}/log)"
    fi
    sleep 0.1
  done
  echo "${pid}"
}

cmd_stop() {
  (( $# >= 1 && $# <= 2 )) || usage
  local dir="$1" purge="${2:-}" pid
  [[ -z "${purge}" || "${purge}" == "--purge" ]] || usage
  if pid="$(read_pid "${dir}")" && is_running "${pid}"; then
    kill -TERM "${pid}" 2>/dev/null || true
    local deadline=$(( SECONDS + 20 ))
    while is_running "${pid}" && (( SECONDS < deadline )); do
      sleep 0.1
    done
    if is_running "${pid}"; then
      kill -KILL "${pid}" 2>/dev/null || true
    fi
  fi
  rm -f "${dir}/server.pid"
  if [[ "${purge}" == "--purge" ]]; then
    rm -rf "${dir}"
  fi
}

cmd_kill() {
  (( $# == 1 )) || usage
  local dir="$1" pid
  if pid="$(read_pid "${dir}")" && is_running "${pid}"; then
    kill -KILL "${pid}" 2>/dev/null || true
    while is_running "${pid}"; do
      sleep 0.05
    done
  fi
  rm -f "${dir}/server.pid"
}

(( $# >= 1 )) || usage
command="$1"
shift
case "${command}" in
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  kill) cmd_kill "$@" ;;
  *) usage ;;
esac
