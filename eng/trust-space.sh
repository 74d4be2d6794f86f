#!/usr/bin/env bash
# A local MSSanté trust space from separate processes, built with the openmss CLI only
# (docs/operations.md, "A trust space from separate processes"):
#
#   the trust authority (openmss ca init, issue operator / issue server, crl),
#   the national directory      openmss serve --config <data>/directory/directory.json
#   the identity provider       openmss serve --config <data>/identity/identity.json
#   two operators               openmss serve --config <data>/operators/{pharmaciens,medecins}/operator.json
#
# Usage:
#   eng/trust-space.sh [start] [<data folder>]   create what is missing, start what is not running, print the endpoints
#   eng/trust-space.sh stop [<data folder>]      stop every service of the folder (SIGTERM, then SIGKILL after 30 s)
#   eng/trust-space.sh status [<data folder>]    say which services run
#
# The data folder defaults to ./trust-space-data. A second start on the same folder reuses its
# authority, certificates, ports, accounts and mailboxes, and leaves running services alone.
# Everything listens on 127.0.0.1 only; the web surfaces are named localhost (server certificates
# from the folder's own authority: trust <data>/ca/ca.pem to open them in a browser).
#
# Environment:
#   OPENMSS                 the command to run (default: builds src/OpenMss.Cli once, then runs its openmss.dll)
#   OPENMSS_PORT_BASE       first of the 10 consecutive ports used (default 27100, below the ephemeral
#                           range of outgoing connections), fixed at the first start
#                           (<data>/ports.env); the directory's routing table needs the relays' ports up front
#   OPENMSS_START_TIMEOUT   seconds each service may take to listen (default 300: a cold start on a busy machine)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ACTION=start
case "${1:-}" in
  start|stop|status) ACTION=$1; shift ;;
esac
DATA=$(mkdir -p "${1:-trust-space-data}" && cd "${1:-trust-space-data}" && pwd)
START_TIMEOUT=${OPENMSS_START_TIMEOUT:-300}
SERVICES=(directory identity pharmaciens medecins)

if [ -n "${OPENMSS:-}" ]; then
  read -ra OPENMSS_CMD <<<"$OPENMSS"
else
  OPENMSS_CMD=(dotnet "$ROOT/src/OpenMss.Cli/bin/Debug/net10.0/openmss.dll")
fi

openmss() { "${OPENMSS_CMD[@]}" "$@"; }

config_of() {
  case "$1" in
    directory) echo "$DATA/directory/directory.json" ;;
    identity) echo "$DATA/identity/identity.json" ;;
    *) echo "$DATA/operators/$1/operator.json" ;;
  esac
}

# The command line of a live process (empty for a zombie or no process at all).
command_line() { tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" || true; }

# The pid of a running service of this folder, or nothing (a stale pid file names another process).
running_pid() {
  local file="$DATA/run/$1.pid" pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if command_line "$pid" | grep -qF -- "$(config_of "$1")"; then
    echo "$pid"
  fi
}

stop_all() {
  local i service pid waited
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do  # operators first, the directory last
    service=${SERVICES[$i]}
    pid=$(running_pid "$service")
    if [ -n "$pid" ]; then
      # Each service leads its own process group (setsid): the signal reaches it whole.
      kill -TERM -- "-$pid" 2>/dev/null || true
      waited=0
      while [ -n "$(command_line "$pid")" ] && [ "$waited" -lt 60 ]; do sleep 0.5; waited=$((waited + 1)); done
      if [ -n "$(command_line "$pid")" ]; then kill -KILL -- "-$pid" 2>/dev/null || true; fi
      echo "stopped $service ($pid)"
    fi
    rm -f "$DATA/run/$service.pid"
  done
}

status() {
  local service pid
  for service in "${SERVICES[@]}"; do
    pid=$(running_pid "$service")
    if [ -n "$pid" ]; then echo "$service: running ($pid)"; else echo "$service: stopped"; fi
  done
}

case "$ACTION" in
  stop) stop_all; exit 0 ;;
  status) status; exit 0 ;;
esac

if [ -z "${OPENMSS:-}" ]; then
  echo "==> Building the openmss CLI"
  dotnet build "$ROOT/src/OpenMss.Cli" -c Debug -v q -nologo >/dev/null
fi

umask 077
chmod 700 "$DATA"
mkdir -p "$DATA"/{run,logs,accounts,directory,identity/data,operators/pharmaciens,operators/medecins}

# --- Ports: fixed at the first start, so that configurations and the routing table stay valid.
if [ ! -f "$DATA/ports.env" ]; then
  base=${OPENMSS_PORT_BASE:-27100}
  cat >"$DATA/ports.env" <<EOF
DIRECTORY_PORT=$base
IDENTITY_PORT=$((base + 1))
PHARMACIENS_RELAY_PORT=$((base + 2))
PHARMACIENS_WEB_PORT=$((base + 3))
PHARMACIENS_SUBMISSION_PORT=$((base + 4))
PHARMACIENS_IMAP_PORT=$((base + 5))
MEDECINS_RELAY_PORT=$((base + 6))
MEDECINS_WEB_PORT=$((base + 7))
MEDECINS_SUBMISSION_PORT=$((base + 8))
MEDECINS_IMAP_PORT=$((base + 9))
EOF
fi
# shellcheck source=/dev/null
source "$DATA/ports.env"

# --- The trust authority and its certificates (each issued once).
if [ ! -f "$DATA/ca/ca.pem" ]; then
  openmss ca init --dir "$DATA/ca" --name "OpenMSS Local Trust Authority"
fi
openmss ca crl --dir "$DATA/ca" --out "$DATA/ca/crl.pem" >/dev/null  # fresh nextUpdate at every start

issue_server() { # folder, name: a web surface's certificate for localhost and 127.0.0.1
  [ -f "$1/server.pem" ] && [ -f "$1/server.key" ] && return 0
  openmss ca issue server --dir "$DATA/ca" --name "$2" --host localhost --host 127.0.0.1 --cert "$1/server.pem" --key "$1/server.key"
}

issue_operator() { # folder, name, domain: the relay's certificate (SAN = its .mssante.fr domain)
  [ -f "$1/operator.pem" ] && [ -f "$1/operator.key" ] && return 0
  openmss ca issue operator --dir "$DATA/ca" --name "$2" --domain "$3" --cert "$1/operator.pem" --key "$1/operator.key"
}

issue_server "$DATA/directory" "Annuaire national MSSanté (local)"
issue_server "$DATA/identity" "Fournisseur d'identité (local)"
for op in pharmaciens medecins; do issue_server "$DATA/operators/$op" "Opérateur des $op (local)"; done
issue_operator "$DATA/operators/pharmaciens" "Opérateur des pharmaciens" pharmacien.mssante.fr
issue_operator "$DATA/operators/medecins" "Opérateur des médecins" medecin.mssante.fr

secret="$DATA/identity/operators-introspection.secret"
if [ ! -f "$secret" ]; then
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$secret"
fi

# --- The configuration files (docs/configuration.md), written at every start from ports.env.
cat >"$(config_of directory)" <<EOF
{
  "service": "directory",
  "listen": "127.0.0.1:$DIRECTORY_PORT",
  "publicHost": "localhost",
  "production": false,
  "tls": { "certificate": "server.pem", "key": "server.key", "trustAnchor": "../ca/ca.pem", "crl": "../ca/crl.pem" },
  "storage": { "provider": "sqlite", "connectionString": "annuaire.db" },
  "operators": [
    { "name": "Opérateur des pharmaciens", "domains": ["pharmacien.mssante.fr"], "relay": "127.0.0.1:$PHARMACIENS_RELAY_PORT" },
    { "name": "Opérateur des médecins", "domains": ["medecin.mssante.fr"], "relay": "127.0.0.1:$MEDECINS_RELAY_PORT" }
  ]
}
EOF

cat >"$(config_of identity)" <<EOF
{
  "service": "identity",
  "listen": "127.0.0.1:$IDENTITY_PORT",
  "publicHost": "localhost",
  "production": false,
  "tls": { "certificate": "server.pem", "key": "server.key" },
  "dataDirectory": "data",
  "clients": [
    { "clientId": "openmss-mail", "displayName": "Clients de messagerie", "allowPasswordGrant": true },
    { "clientId": "openmss-operators", "displayName": "Serveurs de messagerie des opérateurs",
      "secretFile": "operators-introspection.secret", "allowIntrospection": true, "allowRefreshTokens": false }
  ]
}
EOF

write_operator() { # id, name, domain, relay, web, submission, imap ports
  cat >"$(config_of "$1")" <<EOF
{
  "service": "operator",
  "name": "$2",
  "domains": ["$3"],
  "hostName": "mx.$3",
  "relay": { "listen": "127.0.0.1:$4" },
  "web": { "listen": "127.0.0.1:$5", "certificate": "server.pem", "key": "server.key", "publicHost": "localhost", "production": false },
  "submission": { "listen": "127.0.0.1:$6", "implicitTlsListen": null, "allowPasswords": true },
  "imap": { "listen": "127.0.0.1:$7", "implicitTlsListen": null, "allowPasswords": true },
  "identity": {
    "issuer": "https://localhost:$IDENTITY_PORT/",
    "accountsDatabase": "../../identity/data/identity.db",
    "introspectionClientId": "openmss-operators",
    "introspectionClientSecretFile": "../../identity/operators-introspection.secret"
  },
  "storage": { "provider": "sqlite", "connectionString": "openmss.db", "encryptionKeyFile": "message.key" },
  "tls": { "certificate": "operator.pem", "key": "operator.key", "trustAnchor": "../../ca/ca.pem", "crl": "../../ca/crl.pem" },
  "whitelist": { "source": "https://localhost:$DIRECTORY_PORT/whitelist.xml", "refresh": "00:01:00" },
  "directory": { "url": "https://localhost:$DIRECTORY_PORT/", "routingRefresh": "00:01:00" },
  "routing": { "mode": "directory" },
  "queue": { "retryInitialDelay": "00:00:10", "retryMaxDelay": "00:05:00" }
}
EOF
}

write_operator pharmaciens "Opérateur des pharmaciens" pharmacien.mssante.fr \
  "$PHARMACIENS_RELAY_PORT" "$PHARMACIENS_WEB_PORT" "$PHARMACIENS_SUBMISSION_PORT" "$PHARMACIENS_IMAP_PORT"
write_operator medecins "Opérateur des médecins" medecin.mssante.fr \
  "$MEDECINS_RELAY_PORT" "$MEDECINS_WEB_PORT" "$MEDECINS_SUBMISSION_PORT" "$MEDECINS_IMAP_PORT"

# --- Starting a service: its own process group, its log in logs/, ready once it announces where it listens.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_service() { # service, announced prefix, port
  local service=$1 prefix=$2 port=$3 log="$DATA/logs/$1.log" pid waited=0
  if [ -n "$(running_pid "$service")" ]; then
    echo "$service: already running"
    return 0
  fi

  if listening "$port"; then
    echo "trust-space: 127.0.0.1:$port ($service) is taken by another program; stop it or start from a new folder with another OPENMSS_PORT_BASE" >&2
    exit 1
  fi

  setsid "${OPENMSS_CMD[@]}" serve --config "$(config_of "$service")" >"$log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$DATA/run/$service.pid"
  until grep -q "^$prefix" "$log" 2>/dev/null && listening "$port"; do
    if [ -z "$(command_line "$pid")" ]; then
      echo "trust-space: $service stopped during its start; its log ($log):" >&2
      tail -n 20 "$log" >&2
      exit 1
    fi

    if [ "$waited" -ge $((START_TIMEOUT * 2)) ]; then
      echo "trust-space: $service did not listen within $START_TIMEOUT s; see $log" >&2
      exit 1
    fi

    sleep 0.5
    waited=$((waited + 1))
  done
  echo "$service: started ($pid)"
}

# The directory first: it registers both operators (whitelist and routing table) and takes the
# publication of their mailboxes.
start_service directory "directory: " "$DIRECTORY_PORT"

# Professionals' accounts, enrolled once (password and one-time code secret in accounts/, 0600).
enrol() { # rpps, display name
  [ -f "$DATA/accounts/$1.totp" ] && return 0
  head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DATA/accounts/$1.password"
  openmss account create --config "$(config_of identity)" --rpps "$1" --name "$2" \
    --password-file "$DATA/accounts/$1.password" --totp-out "$DATA/accounts/$1.totp"
}

enrol 10001234565 "Claire Martin"
enrol 10002345675 "Paul Bernard"
enrol 10004567896 "Dr Jean Dupont"
start_service identity "identity: " "$IDENTITY_PORT"

# Mailboxes, created once, each published to the directory by the CLI.
mailbox() { # operator, address, kind, name, [owner]
  local config
  config=$(config_of "$1")
  if ! openmss mailbox list --config "$config" | grep -qF " $2 "; then
    openmss mailbox create --config "$config" "$2" --kind "$3" --name "$4" ${5:+--owner "$5"}
  fi
}

mailbox pharmaciens claire.martin@pharmacien.mssante.fr PER "Claire Martin" 10001234565
mailbox pharmaciens paul.bernard@pharmacien.mssante.fr PER "Paul Bernard" 10002345675
mailbox medecins jean.dupont@medecin.mssante.fr PER "Dr Jean Dupont" 10004567896

start_service pharmaciens "Opérateur des pharmaciens: relay" "$PHARMACIENS_RELAY_PORT"
start_service medecins "Opérateur des médecins: relay" "$MEDECINS_RELAY_PORT"

cat <<EOF

Trust space in $DATA
  trust anchor      $DATA/ca/ca.pem
  directory         https://localhost:$DIRECTORY_PORT/  (whitelist https://localhost:$DIRECTORY_PORT/whitelist.xml)
  identity          https://localhost:$IDENTITY_PORT/
  pharmaciens       relay 127.0.0.1:$PHARMACIENS_RELAY_PORT  submission 127.0.0.1:$PHARMACIENS_SUBMISSION_PORT  imap 127.0.0.1:$PHARMACIENS_IMAP_PORT  web https://localhost:$PHARMACIENS_WEB_PORT/
  medecins          relay 127.0.0.1:$MEDECINS_RELAY_PORT  submission 127.0.0.1:$MEDECINS_SUBMISSION_PORT  imap 127.0.0.1:$MEDECINS_IMAP_PORT  web https://localhost:$MEDECINS_WEB_PORT/
  accounts          10001234565 (claire.martin@pharmacien.mssante.fr), 10002345675 (paul.bernard@pharmacien.mssante.fr),
                    10004567896 (jean.dupont@medecin.mssante.fr):
                    password in $DATA/accounts/<rpps>.password, one-time code secret in <rpps>.totp
  logs              $DATA/logs/
Stop with: $0 stop $DATA
EOF
