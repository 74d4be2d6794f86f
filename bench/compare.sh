#!/usr/bin/env bash
# Every row of the quality targets of docs/benchmarks.md ("Targets") side by side: OpenMSS against
# Postfix (durable relay over mutual TLS) and Dovecot (IMAP), on this machine, in one run, with the
# same clients for both sides, and one table of ratios OpenMSS / peer with the target of each row.
#
#   bash bench/compare.sh                  # full run: about 35 minutes on 2 cores (relay ~25, IMAP ~8),
#                                          # writes the section "Side by side with Postfix and Dovecot"
#                                          # of docs/benchmarks.md
#   COMPARE_QUICK=1 bash bench/compare.sh  # quick check, about 5 minutes: short windows, 1 and 16
#                                          # connections, SQLite only, 5,000 IMAP messages; prints only
#   COMPARE_CONNECTIONS=16 COMPARE_KINDS=attachment-1m COMPARE_SKIP_IMAP=1 bash bench/compare.sh
#                                          # a subset of rows (here one relay row on both backends)
#
# Relay rows: connections (1, 16, 64) x message (8 KiB of text, 1 MiB of text, 1 MiB made of a short
# French text and a base64 PDF or JPEG; bench/OpenMss.Bench.Messages) x OpenMSS on SQLite and on
# PostgreSQL, against Postfix with the same connections and messages. Per row: messages/s, p50 and
# p99 of the time from the end of DATA to the 250, server CPU per message (from /proc). Each row gets
# fresh OpenMSS servers (empty stores, so that disk use stays bounded) and an emptied Postfix Maildir.
# The 1- and 16-connection 8 KiB rows are also measured with another client, Python's smtplib
# without pipelining (bench/OpenMss.Bench.Compare/smtp_load.py): the cross-check column.
# IMAP rows: FETCH of 20,000 envelopes and body SEARCH (rare, absent and common word) with one
# client, then 1 and 32 concurrent clients each repeating a session (LOGIN, SELECT, FETCH of 1,000
# headers, FETCH of a whole message, SEARCH), against Dovecot.
# Where a row's ratio is within COMPARE_CLOSE_BAND of its target, runs are added until each side has
# COMPARE_CLOSE_RUNS and their medians decide (report.py says which rows were decided so).
#
# Environment (defaults: full / quick):
#   COMPARE_CONNECTIONS     relay connection counts ("1 16 64" / "1 16")
#   COMPARE_KINDS           relay messages, kind-size ("text-8k text-1m attachment-1m"; kinds: text,
#                           attachment, pharmacy = a 0.2-3 MiB attachment drawn per message)
#   COMPARE_BACKENDS        OpenMSS stores ("sqlite postgres" / "sqlite")
#   COMPARE_RELAY_SECONDS   measured seconds per relay run (10 / 3)
#   COMPARE_RELAY_WARMUP    warm-up seconds per run (3 / 1); COMPARE_RELAY_FIRST_WARMUP for the first
#                           run of a freshly started OpenMSS (8 / 3: JIT)
#   COMPARE_RELAY_ROUNDS    runs per server and row, servers in turn (2 / 1); the best run is reported
#   COMPARE_CLOSE_RUNS      runs per side when a ratio is close to its target (5 / 5), 0 = never add
#   COMPARE_CLOSE_BAND      what "close" is, relative to the target (0.15)
#   COMPARE_CROSS_CONNECTIONS  connection counts of the 8 KiB rows also run with smtp_load.py ("1 16"),
#                           empty for none; COMPARE_CROSS_ROUNDS runs each (1)
#   COMPARE_IMAP_MESSAGES   messages in the IMAP mailbox (100000 / 5000)
#   COMPARE_FETCH           envelopes per FETCH (20000 / 2000)
#   COMPARE_FETCH_RUNS      measured FETCH runs (10 / 2), COMPARE_SEARCH_RUNS measured SEARCH runs (2 / 1)
#   COMPARE_IMAP_CLIENTS    concurrent IMAP client counts of the session rows ("1 32"), empty for none
#   COMPARE_SESSION_SECONDS measured seconds per session run (10 / 4), COMPARE_SESSION_RUNS runs (2 / 1)
#   COMPARE_WRITE_DOC       write the section into docs/benchmarks.md, 1 or 0 (1 / 0)
#   COMPARE_SKIP_RELAY=1, COMPARE_SKIP_IMAP=1  run one half only (the section then has only the other)
#   COMPARE_RESULTS=FILE    also keep the raw result lines there (report.py FILE rebuilds the section)
#   COMPARE_KEEP=1          keep the temporary folder (configurations, logs) for a look afterwards
#   COMPARE_REVISION        what to call the OpenMSS revision in the section (default: git describe)
#
# Needs root (or sudo) only to install postfix and dovecot-imapd when missing and to run them:
# both run from private configuration folders in a temporary folder, on free loopback ports, and
# are stopped on exit; the machine's own mail setup (/etc/postfix, /etc/dovecot, services) is not
# touched and no system daemon is started. Not part of the test suite. Disk: a full run needs about
# 10 GB free in /tmp at its peak (the 1 MiB rows' messages, deleted after each row).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
source eng/postgres.sh

if [ "${COMPARE_QUICK:-0}" = 1 ]; then
  d_seconds=3 d_warmup=1 d_first=3 d_rounds=1 d_conns="1 16" d_backends=sqlite d_messages=5000 d_fetch=2000 d_fetch_runs=2
  d_search_runs=1 d_session_seconds=4 d_session_runs=1 d_doc=0
else
  d_seconds=10 d_warmup=3 d_first=8 d_rounds=2 d_conns="1 16 64" d_backends="sqlite postgres" d_messages=100000 d_fetch=20000 d_fetch_runs=10
  d_search_runs=2 d_session_seconds=10 d_session_runs=2 d_doc=1
fi
relay_seconds=${COMPARE_RELAY_SECONDS:-$d_seconds}
relay_warmup=${COMPARE_RELAY_WARMUP:-$d_warmup}
first_warmup=${COMPARE_RELAY_FIRST_WARMUP:-$d_first}
relay_rounds=${COMPARE_RELAY_ROUNDS:-$d_rounds}
relay_connections=${COMPARE_CONNECTIONS:-$d_conns}
relay_kinds=${COMPARE_KINDS:-text-8k text-1m attachment-1m}
backends=${COMPARE_BACKENDS:-$d_backends}
close_runs=${COMPARE_CLOSE_RUNS:-5}
close_band=${COMPARE_CLOSE_BAND:-0.15}
cross_connections=${COMPARE_CROSS_CONNECTIONS-1 16}
cross_rounds=${COMPARE_CROSS_ROUNDS:-1}
imap_messages=${COMPARE_IMAP_MESSAGES:-$d_messages}
fetch=${COMPARE_FETCH:-$d_fetch}
fetch_runs=${COMPARE_FETCH_RUNS:-$d_fetch_runs}
search_runs=${COMPARE_SEARCH_RUNS:-$d_search_runs}
imap_clients=${COMPARE_IMAP_CLIENTS-1 32}
session_seconds=${COMPARE_SESSION_SECONDS:-$d_session_seconds}
session_runs=${COMPARE_SESSION_RUNS:-$d_session_runs}
write_doc=${COMPARE_WRITE_DOC:-$d_doc}
skip_relay=${COMPARE_SKIP_RELAY:-0}
skip_imap=${COMPARE_SKIP_IMAP:-0}
# Mailboxes dr0.. on both relays: one per session of the largest row.
max_connections=$(tr ' ' '\n' <<<"$relay_connections $cross_connections" | grep -E '^[0-9]+$' | sort -n | tail -1)
# One message in 25,000 carries the rare word (4 in 100,000); fewer messages keep about 4 of them.
needle_period=$(( imap_messages >= 100000 ? 25000 : (imap_messages / 4 > 0 ? imap_messages / 4 : 1) ))

say() { echo "==> $*" >&2; }

# --- Packages --------------------------------------------------------------------------------
install_mail_servers() {
  local missing=()
  command -v postconf >/dev/null || missing+=(postfix)
  [ -x /usr/sbin/dovecot ] && [ -e /usr/lib/dovecot/imap ] || missing+=(dovecot-imapd)
  [ ${#missing[@]} -eq 0 ] && return 0
  say "Installing ${missing[*]} (no configuration, no service started)"
  # "No configuration": the package installs no main.cf and sets nothing up.
  echo "postfix postfix/main_mailer_type select No configuration" | as_root debconf-set-selections
  local policy=/usr/sbin/policy-rc.d added=0
  if [ ! -e "$policy" ]; then
    # Forbid the packages' scripts to start their system services (exit 101 = "action not allowed").
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
    added=1
  fi
  as_root apt-get update -q >/dev/null
  local rc=0
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 || rc=$?
  [ "$added" = 1 ] && as_root rm -f "$policy"
  [ $rc -eq 0 ] || return $rc
  # Installed is not enough: both must be able to do TLS, which every run here requires.
  postconf -d tls_high_cipherlist >/dev/null 2>&1 || { echo "error: postfix was installed without TLS support" >&2; return 1; }
  [ -e /usr/lib/dovecot/modules/libssl_iostream_openssl.so ] || { echo "error: dovecot was installed without its TLS module" >&2; return 1; }
}

ensure_tools python3
install_mail_servers

# --- Work folder, clean-up -------------------------------------------------------------------
work=$(mktemp -d /tmp/openmss-compare.XXXXXX)
chmod 755 "$work" # postfix, dovecot and nobody must traverse it
results=$work/results.txt
: >"$results"
declare -A relay_port=() relay_pids=() relay_warm=()
openmss_db=
openmss_pids=() # OpenMSS relay servers, stopped at the end
imap_pid=
postfix_dir=
dovecot_conf=

cleanup() {
  set +e
  for pid in "${openmss_pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  [ -n "$imap_pid" ] && kill "$imap_pid" 2>/dev/null && wait "$imap_pid" 2>/dev/null
  [ -n "$postfix_dir" ] && as_root postfix -c "$postfix_dir/etc" stop >/dev/null 2>&1
  [ -n "$dovecot_conf" ] && as_root dovecot -c "$dovecot_conf" stop >/dev/null 2>&1
  stop_throwaway_postgres
  # Give the daemons a moment to leave their folders before removing them.
  sleep 1
  if [ "${COMPARE_KEEP:-0}" = 1 ]; then echo "kept $work" >&2; else as_root rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_port() { # host port seconds
  local deadline=$(( $(date +%s) + $3 ))
  until (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do
    [ "$(date +%s)" -ge "$deadline" ] && { echo "nothing listens on $1:$2 after $3 s" >&2; return 1; }
    sleep 0.2
  done
}

# --- Build -----------------------------------------------------------------------------------
say "Building OpenMSS (Release)"
for project in src/OpenMss.Cli bench/OpenMss.Bench bench/OpenMss.Bench.Compare; do
  dotnet build "$project" -c Release -v quiet -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
done
cli=(dotnet "$repo/src/OpenMss.Cli/bin/Release/net10.0/openmss.dll")
bench=(dotnet "$repo/bench/OpenMss.Bench/bin/Release/net10.0/OpenMss.Bench.dll")
compare=(dotnet "$repo/bench/OpenMss.Bench.Compare/bin/Release/net10.0/OpenMss.Bench.Compare.dll")

# --- Trust PKI from OpenMSS's own authority --------------------------------------------------
say "Trust space PKI (openmss ca)"
pki=$work/pki
mkdir -p "$pki"
"${cli[@]}" ca init --dir "$pki/ca" --name "Compare Trust Authority" >/dev/null
"${cli[@]}" ca issue operator --dir "$pki/ca" --name "Médecins" --domain medecin.mssante.fr --cert "$pki/medecin.pem" --key "$pki/medecin.key" >/dev/null
"${cli[@]}" ca issue operator --dir "$pki/ca" --name "Pharmaciens" --domain pharmacien.mssante.fr --cert "$pki/pharmacien.pem" --key "$pki/pharmacien.key" >/dev/null
"${cli[@]}" whitelist --domain medecin.mssante.fr --domain pharmacien.mssante.fr --out "$pki/whitelist.xml" >/dev/null
ca_pem=$pki/ca/ca.pem
chmod 644 "$pki"/*.pem "$ca_pem"

{
  echo "machine date=$(date -u +%Y-%m-%dT%H:%MZ)"
  echo "machine cores=$(nproc)"
  echo "machine cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "machine ram=$(free -g | awk '/Mem:/{print $2}') GiB"
  echo "machine disk=$(findmnt -no SOURCE,FSTYPE -T "$work" | xargs) ($(df -h --output=size "$work" | tail -1 | xargs))"
  echo "machine os=Debian $(cat /etc/debian_version 2>/dev/null || echo '?'), kernel $(uname -r)"
  echo "machine load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "version postfix=$(postconf -d -h mail_version 2>/dev/null)"
  echo "version dovecot=$(dovecot --version 2>/dev/null)"
  echo "version dotnet=$(dotnet --version)"
  echo "version openmss=${COMPARE_REVISION:-$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)}"
  echo "params connections=${relay_connections// /,} kinds=${relay_kinds// /,} backends=${backends// /,} relay_seconds=$relay_seconds relay_warmup=$relay_warmup first_warmup=$first_warmup relay_rounds=$relay_rounds close_runs=$close_runs close_band=$close_band cross_connections=${cross_connections// /,} cross_rounds=$cross_rounds imap_messages=$imap_messages fetch=$fetch fetch_runs=$fetch_runs search_runs=$search_runs imap_clients=${imap_clients// /,} session_seconds=$session_seconds session_runs=$session_runs needle_period=$needle_period"
} >>"$results"

# Does a server refuse a peer that has no client certificate? (The same mutual-TLS requirement.)
check_mtls() { # label port
  python3 - "$1" "$2" <<'PY' | tee -a "$results"
import socket, ssl, sys
label, port = sys.argv[1], int(sys.argv[2])
def reply(f):
    lines = []
    while True:
        line = f.readline().decode("ascii", "replace").rstrip()
        lines.append(line)
        if len(line) < 4 or line[3] != "-":
            return lines[-1]
outcome = "accepted"
try:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    f = s.makefile("rb")
    reply(f)
    s.sendall(b"EHLO nocert.example\r\n"); reply(f)
    s.sendall(b"STARTTLS\r\n"); reply(f)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    t = context.wrap_socket(s, server_hostname="mx.medecin.mssante.fr")
    g = t.makefile("rb")
    for command in (b"EHLO nocert.example", b"MAIL FROM:<claire.martin@pharmacien.mssante.fr>", b"RCPT TO:<dr0@medecin.mssante.fr>"):
        t.sendall(command + b"\r\n")
        answer = reply(g)
        if not answer.startswith("250"):
            outcome = "refused: " + (answer or "connection closed")
            break
except (OSError, ssl.SSLError) as error:
    outcome = f"refused: {type(error).__name__}"
print(f"mtls label={label} without_client_certificate={outcome.replace(' ', '_')[:140]}")
PY
}

# --- Relay: OpenMSS ---------------------------------------------------------------------------
declare -A mtls_checked=()
start_openmss_relay() { # backend row: a fresh operator with an empty store and dr0..dr<max> mailboxes
  local backend=$1 row=$2 dir=$work/openmss-$1-$2 port web connection pid
  mkdir -p "$dir"
  port=$(free_port)
  web=$(free_port)
  if [ "$backend" = postgres ]; then
    openmss_db=openmss_${row//[^a-z0-9]/_}
    _run_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres "$openmss_db"
    connection=${OPENMSS_TEST_POSTGRES/Database=postgres/Database=$openmss_db}
  else
    connection=$dir/openmss.db
  fi
  cat >"$dir/operator.json" <<EOF
{
  "name": "Médecins",
  "domains": ["medecin.mssante.fr"],
  "hostName": "mx.medecin.mssante.fr",
  "relay": { "listen": "127.0.0.1:$port", "maxSessions": 1000 },
  "web": { "listen": "127.0.0.1:$web" },
  "storage": { "provider": "$backend", "connectionString": "$connection", "encryptionKeyFile": "$dir/message.key" },
  "tls": { "certificate": "$pki/medecin.pem", "key": "$pki/medecin.key", "trustAnchor": "$ca_pem" },
  "whitelist": { "source": "$pki/whitelist.xml" },
  "routing": { "mode": "table" }
}
EOF
  "${compare[@]}" mailboxes --provider "$backend" --connection "$connection" --key "$dir/message.key" --count "$max_connections"
  say "Relay: OpenMSS ($backend) on 127.0.0.1:$port"
  "${cli[@]}" serve --config "$dir/operator.json" >"$dir/serve.log" 2>&1 &
  pid=$!
  openmss_pids+=("$pid")
  wait_port 127.0.0.1 "$port" 60
  if [ -z "${mtls_checked[$backend]:-}" ]; then
    check_mtls "openmss-$backend" "$port"
    mtls_checked[$backend]=1
  fi
  relay_port[openmss-$backend]=$port
  relay_pids[openmss-$backend]=$pid
  relay_warm[openmss-$backend]=0
  # On PostgreSQL the server is OpenMSS and the database: count the CPU of both.
  if [ "$backend" = postgres ]; then relay_pids[openmss-$backend]="$pid,$(head -1 "$pg_dir/data/postmaster.pid")"; fi
}

stop_openmss_relays() { # and delete what they stored
  local pid
  for pid in "${openmss_pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  openmss_pids=()
  rm -rf "$work"/openmss-sqlite-* "$work"/openmss-postgres-*
  if [ -n "${openmss_db:-}" ]; then
    _run_pg "$pg_bin/dropdb" -h 127.0.0.1 -p "$pg_port" -U postgres --force "$openmss_db" || true
    openmss_db=
  fi
}

kind_of() { echo "${1%-*}"; } # text-8k -> text
size_of() { # text-8k -> 8192, attachment-1m -> 1048576
  local n=${1##*-}
  case $n in
    *k) echo $(( ${n%k} * 1024 )) ;;
    *m) echo $(( ${n%m} * 1024 * 1024 )) ;;
    *) echo "$n" ;;
  esac
}

run_relay() { # label row connections [extra relay-external options]
  local label=$1 row=$2 conns=$3 warm=$relay_warmup
  shift 3
  # The first run on a freshly started OpenMSS also warms its JIT.
  if [ "${relay_warm[$label]:-1}" = 0 ]; then warm=$first_warmup; relay_warm[$label]=1; fi
  say "Relay: $label, $row, $conns connection(s), ${relay_seconds} s"
  "${bench[@]}" relay-external --label "$label" --target "127.0.0.1:${relay_port[$label]}" \
    --cert "$pki/pharmacien.pem" --key "$pki/pharmacien.key" --anchor "$ca_pem" --connections "$conns" \
    --kind "$(kind_of "$row")" --size "$(size_of "$row")" --seconds "$relay_seconds" --warmup "$warm" \
    --server-pid "${relay_pids[$label]}" "$@" | tee -a "$results"
}

run_relay_label() { # label row connections: Postfix waits for its deliveries
  if [ "$1" = postfix ]; then run_relay "$1" "$2" "$3" --delivered-dir "$postfix_dir/vmail"; else run_relay "$1" "$2" "$3"; fi
}

run_cross_check() { # label row connections: the other client, on the same messages
  local label=$1 row=$2 conns=$3 dir=$work/messages/$2
  [ -d "$dir" ] || "${bench[@]}" messages --out "$dir" --kind "$(kind_of "$row")" --size "$(size_of "$row")" >/dev/null
  say "Relay: $label, $row, $conns connection(s), ${relay_seconds} s, smtp_load.py"
  python3 "$repo/bench/OpenMss.Bench.Compare/smtp_load.py" --label "$label" --target "127.0.0.1:${relay_port[$label]}" \
    --cert "$pki/pharmacien.pem" --key "$pki/pharmacien.key" --anchor "$ca_pem" --messages "$dir" --kind "$(kind_of "$row")" \
    --size "$(size_of "$row")" --connections "$conns" --seconds "$relay_seconds" --warmup "$relay_warmup" \
    --server-pid "${relay_pids[$label]}" | tee -a "$results"
}

# --- Relay: Postfix -------------------------------------------------------------------------
start_postfix() {
  local dir=$work/postfix port
  postfix_dir=$dir
  port=$(free_port)
  mkdir -p "$dir/etc" "$dir/queue" "$dir/data" "$dir/vmail"
  as_root chown postfix "$dir/data"
  as_root chown nobody:nogroup "$dir/vmail"
  cat >"$dir/etc/main.cf" <<EOF
# A private Postfix instance for bench/compare.sh: durable relay for medecin.mssante.fr over
# mandatory mutual TLS (client certificate chaining to the trust space's authority), delivering
# to a virtual Maildir per recipient.
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
myhostname = mx.medecin.mssante.fr
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
local_transport = error:no local delivery
alias_maps =
alias_database =
biff = no
smtpd_relay_restrictions = permit_tls_all_clientcerts, reject_unauth_destination
virtual_mailbox_domains = medecin.mssante.fr
virtual_mailbox_base = $dir/vmail
virtual_mailbox_maps = texthash:$dir/etc/vmailbox
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(getent group nogroup | cut -d: -f3)
virtual_minimum_uid = 100
smtpd_tls_cert_file = $pki/medecin.pem
smtpd_tls_key_file = $pki/medecin.key
smtpd_tls_CAfile = $ca_pem
smtpd_tls_security_level = encrypt
smtpd_tls_ask_ccert = yes
smtpd_tls_req_ccert = yes
smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_mandatory_protocols = >=TLSv1.2
smtpd_tls_loglevel = 1
EOF
  for ((i = 0; i < max_connections; i++)); do echo "dr$i@medecin.mssante.fr dr$i/"; done >"$dir/etc/vmailbox"
  cat >"$dir/etc/master.cf" <<EOF
127.0.0.1:$port inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
  say "Relay: Postfix $(postconf -d -h mail_version) on 127.0.0.1:$port"
  as_root postfix -c "$dir/etc" start >/dev/null 2>"$dir/start.log" || { cat "$dir/start.log" "$dir/maillog" >&2 2>/dev/null; return 1; }
  wait_port 127.0.0.1 "$port" 30
  check_mtls postfix "$port"
  relay_port[postfix]=$port
  relay_pids[postfix]=$(tr -d ' ' <"$dir/queue/pid/master.pid")
}

postfix_empty() { # waits until Postfix's queue is empty, then empties its Maildirs
  local tries=0
  while [ -n "$(as_root find "$postfix_dir/queue/maildrop" "$postfix_dir/queue/incoming" "$postfix_dir/queue/active" "$postfix_dir/queue/deferred" -type f -print -quit 2>/dev/null)" ]; do
    [ $((tries++)) -ge 600 ] && { echo "Postfix's queue is still not empty after 5 minutes" >&2; return 1; }
    sleep 0.5
  done
  as_root find "$postfix_dir/vmail" -mindepth 1 -delete
}

postfix_tls_report() {
  # One line per session: "Trusted TLS connection established from ...: TLSv1.3 with cipher ..."
  local log=$postfix_dir/maillog
  echo "postfix_tls trusted_sessions=$(as_root grep -c 'Trusted TLS connection established' "$log" || true)" \
    "protocol=$(as_root grep -m1 -o 'Trusted TLS connection established.*' "$log" | sed -E 's/.*: (TLSv[0-9.]+) with cipher ([^ ]+).*/\1_\2/')" | tee -a "$results"
}

# --- IMAP: Dovecot ----------------------------------------------------------------------------
imap_bytes=
dovecot_port=
dovecot_master=
start_dovecot() {
  local dir=$work/dovecot
  dovecot_port=$(free_port)
  mkdir -p "$dir/run" "$dir/state" "$dir/mail/bench"
  dovecot_conf=$dir/dovecot.conf
  cat >"$dovecot_conf" <<EOF
# A private Dovecot instance for bench/compare.sh: IMAP over implicit TLS on a free loopback port,
# one Maildir, no full-text search plugin (body SEARCH reads the messages).
protocols = imap
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
ssl = required
ssl_cert = <$pki/medecin.pem
ssl_key = <$pki/medecin.key
ssl_min_protocol = TLSv1.2
auth_mechanisms = plain
passdb {
  driver = passwd-file
  args = scheme=PLAIN $dir/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$dir/mail/%u
}
mail_location = maildir:$dir/mail/%u/Maildir
service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    port = $dovecot_port
    ssl = yes
  }
  # Dovecot's "high-performance" login mode (one process serves many connections), not one process
  # per connection: the faster of its two documented set-ups for the concurrent-session rows.
  service_count = 0
  process_min_avail = $(nproc)
}
protocol imap {
  # The session rows log in many clients at once as the same user from the same address.
  mail_max_userip_connections = 1000
}
EOF
  echo "bench:{PLAIN}bench" >"$dir/users"
  chmod 644 "$dir/users"
  say "IMAP: writing $imap_messages messages into Dovecot's Maildir"
  "${compare[@]}" maildir --dir "$dir/mail/bench/Maildir" --count "$imap_messages" --needle-period "$needle_period" | tee -a "$results"
  as_root chown -R nobody:nogroup "$dir/mail"
  imap_bytes=$(awk '/^maildir /{for(i=1;i<=NF;i++) if($i ~ /^bytes=/){sub("bytes=","",$i); print $i}}' "$results")
  say "IMAP: Dovecot $(dovecot --version | cut -d' ' -f1) on 127.0.0.1:$dovecot_port"
  as_root dovecot -c "$dovecot_conf" || { cat "$dir/dovecot.log" >&2; return 1; }
  wait_port 127.0.0.1 "$dovecot_port" 30
  # The listener opens before the daemonized master writes its pid file.
  local tries=0
  until [ -s "$dir/run/master.pid" ] || [ $((tries++)) -ge 100 ]; do sleep 0.1; done
  dovecot_master=$(cat "$dir/run/master.pid")
}

# --- IMAP: OpenMSS ----------------------------------------------------------------------------
openmss_imap_port=
start_openmss_imap() {
  local dir=$work/openmss-imap
  mkdir -p "$dir"
  mkfifo "$dir/stdin"
  say "IMAP: filling OpenMSS (SQLite) with $imap_messages messages"
  "${compare[@]}" openmss-imap --count "$imap_messages" --needle-period "$needle_period" \
    --cert "$pki/medecin.pem" --key "$pki/medecin.key" <"$dir/stdin" >"$dir/out" 2>"$dir/err" &
  imap_pid=$!
  exec 7>"$dir/stdin" # the server runs until this closes
  local deadline=$(( $(date +%s) + 1800 ))
  until grep -q '^ready ' "$dir/out"; do
    if ! kill -0 "$imap_pid" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
      cat "$dir/out" "$dir/err" >&2
      return 1
    fi
    sleep 1
  done
  local ready bytes fill
  ready=$(grep '^ready ' "$dir/out")
  openmss_imap_port=$(sed -E 's/.* port=([0-9]+).*/\1/' <<<"$ready")
  bytes=$(sed -E 's/.* bytes=([0-9]+).*/\1/' <<<"$ready")
  fill=$(sed -E 's/.* fill_seconds=([0-9.]+).*/\1/' <<<"$ready")
  echo "openmss_fill messages=$imap_messages bytes=$bytes seconds=$fill" | tee -a "$results"
  [ "$bytes" = "$imap_bytes" ] || { echo "the two mailboxes differ: $bytes vs $imap_bytes bytes" >&2; return 1; }
  say "IMAP: OpenMSS on 127.0.0.1:$openmss_imap_port"
}

imap_compare() {
  start_dovecot
  start_openmss_imap
  say "IMAP: measuring both, in turn"
  "${compare[@]}" imap-client --targets "dovecot:$dovecot_port:$dovecot_master,openmss:$openmss_imap_port:$imap_pid" \
    --user bench --password bench --fetch "$fetch" --runs "$fetch_runs" --search-runs "$search_runs" --bytes "$imap_bytes" \
    --session-clients "${imap_clients// /,}" --session-seconds "$session_seconds" --session-runs "$session_runs" \
    --close-runs "$close_runs" --close-band "$close_band" | tee -a "$results"
  exec 7>&-
  wait "$imap_pid" || true
  imap_pid=
  as_root dovecot -c "$dovecot_conf" stop >/dev/null 2>&1 || true
  dovecot_conf=
}

if [ "$skip_relay" != 1 ]; then
  # Postfix runs throughout; each row gets fresh OpenMSS servers, idle but the one measured. Runs
  # alternate between the servers so that other work on the machine does not fall on one side only.
  if [[ " $backends " == *" postgres "* ]]; then
    start_throwaway_postgres
    trap cleanup EXIT # start_throwaway_postgres sets its own EXIT trap; cleanup also stops it
    echo "version postgres=$("$pg_bin/postgres" --version | awk '{print $3}')" >>"$results"
  fi
  start_postfix
  for row in $relay_kinds; do
    for conns in $relay_connections; do
      labels=()
      for backend in $backends; do
        start_openmss_relay "$backend" "$row-$conns"
        labels+=("openmss-$backend")
      done
      labels+=(postfix)
      for ((round = 1; round <= relay_rounds; round++)); do
        for label in "${labels[@]}"; do run_relay_label "$label" "$row" "$conns"; done
      done
      # Close to its target: more runs, in turn, until each side has close_runs (their medians decide).
      while need=$(python3 "$repo/bench/OpenMss.Bench.Compare/report.py" --need "$results" "$row" "$conns" "$close_runs" "$close_band"); [ -n "$need" ]; do
        say "Relay: $row, $conns connection(s) is close to its target: more runs of $need"
        for label in $need; do run_relay_label "$label" "$row" "$conns"; done
      done
      if [ "$row" = text-8k ] && [[ " $cross_connections " == *" $conns "* ]]; then
        for ((round = 1; round <= cross_rounds; round++)); do
          for label in "${labels[@]}"; do run_cross_check "$label" "$row" "$conns"; done
        done
      fi
      stop_openmss_relays
      postfix_empty
    done
  done
  postfix_tls_report
  as_root postfix -c "$postfix_dir/etc" stop >/dev/null 2>&1 || true
  postfix_dir=
  stop_throwaway_postgres
fi
if [ "$skip_imap" != 1 ]; then
  imap_compare
fi

# --- Report -----------------------------------------------------------------------------------
[ -n "${COMPARE_RESULTS:-}" ] && cp "$results" "$COMPARE_RESULTS"
python3 "$repo/bench/OpenMss.Bench.Compare/report.py" "$results" >"$work/section.md"
echo
cat "$work/section.md"
if [ "$write_doc" = 1 ]; then
  python3 "$repo/bench/OpenMss.Bench.Compare/report.py" --replace "$repo/docs/benchmarks.md" "$work/section.md"
  say "Section written to docs/benchmarks.md"
fi
