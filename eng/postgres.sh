# Sourced by test.sh and bench/run.sh: starts a throwaway PostgreSQL cluster on a free loopback
# port in a temporary folder (as user postgres when run as root), installs the Debian package
# when it is missing (eng/packages.sh), exports OPENMSS_TEST_POSTGRES and stops/deletes the cluster on exit.
# Usage: source eng/postgres.sh; start_throwaway_postgres [extra postgres -c settings...]

source "$(dirname "${BASH_SOURCE[0]}")/packages.sh"

start_throwaway_postgres() {
  ensure_tools postgresql
  pg_bin=$(dirname "$(compgen -G "/usr/lib/postgresql/*/bin/initdb" | sort -V | tail -n 1)")
  pg_dir=$(mktemp -d /tmp/openmss-pg.XXXXXX)
  pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$pg_dir"; fi
  trap stop_throwaway_postgres EXIT
  echo "==> Starting PostgreSQL on 127.0.0.1:$pg_port"
  _run_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$pg_dir/initdb.log" 2>&1 \
    || { cat "$pg_dir/initdb.log"; return 1; }
  local settings="-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=300"
  for s in "$@"; do settings="$settings -c $s"; done
  _run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 -o "$settings" start >/dev/null \
    || { cat "$pg_dir/server.log"; return 1; }
  export OPENMSS_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=50"
}

_run_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

stop_throwaway_postgres() {
  [ -n "${pg_dir:-}" ] || return 0
  _run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
  pg_dir=
}
