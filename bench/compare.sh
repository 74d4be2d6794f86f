#!/usr/bin/env bash
# The quality targets of docs/benchmarks.md ("Targets") side by side: OpenMSS against Postfix (durable relay over mutual TLS) and Dovecot (IMAP
# FETCH and body SEARCH), on this machine, in one run, with the same clients for both sides.
#
#   bash bench/compare.sh                  # full run (about 10 minutes), writes the dated section
#                                          # "Side by side with Postfix and Dovecot" of docs/benchmarks.md
#   COMPARE_QUICK=1 bash bench/compare.sh  # small counts, a couple of minutes, prints only
#
# Environment (defaults: full / quick):
#   COMPARE_RELAY_SECONDS   measured seconds per relay server (20 / 5)
#   COMPARE_RELAY_WARMUP    warm-up seconds (3 / 2)
#   COMPARE_RELAY_ROUNDS    rounds over the relay servers, in turn (2 / 1); the best round is reported
#   COMPARE_CONNECTIONS     concurrent SMTP sessions (16)
#   COMPARE_SIZE            message size in bytes (8192)
#   COMPARE_POSTGRES        also OpenMSS on PostgreSQL, 1 or 0 (1 / 0)
#   COMPARE_IMAP_MESSAGES   messages in the IMAP mailbox (100000 / 5000)
#   COMPARE_FETCH           envelopes per FETCH (20000 / 2000)
#   COMPARE_FETCH_RUNS      measured FETCH runs (10 / 2), COMPARE_SEARCH_RUNS measured SEARCH runs (2 / 1)
#   COMPARE_WRITE_DOC       write the section into docs/benchmarks.md, 1 or 0 (1 / 0)
#   COMPARE_SKIP_RELAY=1, COMPARE_SKIP_IMAP=1  run one half only (the section then has only the other)
#   COMPARE_RESULTS=FILE    also keep the raw result lines there (report.py FILE rebuilds the section)
#   COMPARE_KEEP=1          keep the temporary folder (configurations, logs) for a look afterwards
#   COMPARE_REVISION        what to call the OpenMSS revision in the section (default: git describe)
#
# Needs root (or sudo) only to install postfix and dovecot-imapd when missing and to run them:
# both run from private configuration folders in a temporary folder, on free loopback ports, and
# are stopped on exit; the machine's own mail setup (/etc/postfix, /etc/dovecot, services) is not
# touched and no system daemon is started. Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
source eng/postgres.sh

if [ "${COMPARE_QUICK:-0}" = 1 ]; then
  d_seconds=5 d_warmup=2 d_rounds=1 d_pg=0 d_messages=5000 d_fetch=2000 d_fetch_runs=2 d_search_runs=1 d_doc=0
else
  d_seconds=20 d_warmup=3 d_rounds=2 d_pg=1 d_messages=100000 d_fetch=20000 d_fetch_runs=10 d_search_runs=2 d_doc=1
fi
relay_seconds=${COMPARE_RELAY_SECONDS:-$d_seconds}
relay_warmup=${COMPARE_RELAY_WARMUP:-$d_warmup}
relay_rounds=${COMPARE_RELAY_ROUNDS:-$d_rounds}
connections=${COMPARE_CONNECTIONS:-16}
size=${COMPARE_SIZE:-8192}
with_postgres=${COMPARE_POSTGRES:-$d_pg}
imap_messages=${COMPARE_IMAP_MESSAGES:-$d_messages}
fetch=${COMPARE_FETCH:-$d_fetch}
fetch_runs=${COMPARE_FETCH_RUNS:-$d_fetch_runs}
search_runs=${COMPARE_SEARCH_RUNS:-$d_search_runs}
write_doc=${COMPARE_WRITE_DOC:-$d_doc}
skip_relay=${COMPARE_SKIP_RELAY:-0}
skip_imap=${COMPARE_SKIP_IMAP:-0}
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
declare -A relay_port=() relay_pids=()
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
  echo "params connections=$connections size=$size relay_seconds=$relay_seconds relay_warmup=$relay_warmup relay_rounds=$relay_rounds imap_messages=$imap_messages fetch=$fetch fetch_runs=$fetch_runs search_runs=$search_runs needle_period=$needle_period"
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
start_openmss_relay() { # backend
  local backend=$1 dir=$work/openmss-$1 port web storage pid
  mkdir -p "$dir"
  port=$(free_port)
  web=$(free_port)
  if [ "$backend" = postgres ]; then
    storage="\"provider\": \"postgres\", \"connectionString\": \"$OPENMSS_TEST_POSTGRES\", \"encryptionKeyFile\": \"message.key\""
  else
    storage="\"provider\": \"sqlite\", \"connectionString\": \"openmss.db\", \"encryptionKeyFile\": \"message.key\""
  fi
  cat >"$dir/operator.json" <<EOF
{
  "name": "Médecins",
  "domains": ["medecin.mssante.fr"],
  "hostName": "mx.medecin.mssante.fr",
  "relay": { "listen": "127.0.0.1:$port", "maxSessions": 1000 },
  "web": { "listen": "127.0.0.1:$web" },
  "storage": { $storage },
  "tls": { "certificate": "$pki/medecin.pem", "key": "$pki/medecin.key", "trustAnchor": "$ca_pem" },
  "whitelist": { "source": "$pki/whitelist.xml" },
  "routing": { "mode": "table" }
}
EOF
  for ((i = 0; i < connections; i++)); do
    "${cli[@]}" mailbox create --config "$dir/operator.json" "dr$i@medecin.mssante.fr" >/dev/null
  done
  say "Relay: OpenMSS ($backend) on 127.0.0.1:$port"
  "${cli[@]}" serve --config "$dir/operator.json" >"$dir/serve.log" 2>&1 &
  pid=$!
  openmss_pids+=("$pid")
  wait_port 127.0.0.1 "$port" 60
  check_mtls "openmss-$backend" "$port"
  relay_port[openmss-$backend]=$port
  relay_pids[openmss-$backend]=$pid
  # On PostgreSQL the server is OpenMSS and the database: count the CPU of both.
  if [ "$backend" = postgres ]; then relay_pids[openmss-$backend]="$pid,$(head -1 "$pg_dir/data/postmaster.pid")"; fi
}

run_relay() { # label [extra relay-external options]
  local label=$1
  shift
  say "Relay: $label, ${relay_seconds} s"
  "${bench[@]}" relay-external --label "$label" --target "127.0.0.1:${relay_port[$label]}" \
    --cert "$pki/pharmacien.pem" --key "$pki/pharmacien.key" --anchor "$ca_pem" --connections "$connections" --size "$size" \
    --seconds "$relay_seconds" --warmup "$relay_warmup" --server-pid "${relay_pids[$label]}" "$@" | tee -a "$results"
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
  for ((i = 0; i < connections; i++)); do echo "dr$i@medecin.mssante.fr dr$i/"; done >"$dir/etc/vmailbox"
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
    --user bench --password bench --fetch "$fetch" --runs "$fetch_runs" --search-runs "$search_runs" --bytes "$imap_bytes" | tee -a "$results"
  exec 7>&-
  wait "$imap_pid" || true
  imap_pid=
  as_root dovecot -c "$dovecot_conf" stop >/dev/null 2>&1 || true
  dovecot_conf=
}

if [ "$skip_relay" != 1 ]; then
  # All servers up, idle but the one measured; rounds alternate between them so that other work
  # on the machine does not fall on one side only.
  labels=(openmss-sqlite)
  start_openmss_relay sqlite
  if [ "$with_postgres" = 1 ]; then
    start_throwaway_postgres
    trap cleanup EXIT # start_throwaway_postgres sets its own EXIT trap; cleanup also stops it
    echo "version postgres=$("$pg_bin/postgres" --version | awk '{print $3}')" >>"$results"
    start_openmss_relay postgres
    labels+=(openmss-postgres)
  fi
  start_postfix
  labels+=(postfix)
  for ((round = 1; round <= relay_rounds; round++)); do
    for label in "${labels[@]}"; do
      if [ "$label" = postfix ]; then run_relay postfix --delivered-dir "$postfix_dir/vmail"; else run_relay "$label"; fi
    done
  done
  postfix_tls_report
  for pid in "${openmss_pids[@]}"; do kill "$pid"; wait "$pid" || true; done
  openmss_pids=()
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
