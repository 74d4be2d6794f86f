#!/usr/bin/env bash
# Runs the IMAP benchmarks (docs/benchmarks.md, "Targets": FETCH vs Dovecot's ~0.2 s for 20,000 envelopes and 10,000
# BODY.PEEK[HEADER], body SEARCH for a rare, a common and an absent word vs 10x Dovecot's ~130 MB/s
# unindexed scan, IDLE with 5,000 TLS connections) on SQLite and PostgreSQL and prints their result
# lines; record them, with the machine, in the IMAP section of docs/benchmarks.md.
# Not part of the test suite. usage: bench/run-imap.sh [connections=5000] [search-size=100000]
# Quick body-SEARCH-only run (populate, the store's reads alone, the three searches, then the common
# word again without the search-text heads): OpenMss.Bench.Imap search --backend sqlite|postgres --search-size 100000
set -euo pipefail
cd "$(dirname "$0")/.."
source eng/postgres.sh
connections=${1:-5000}
search_size=${2:-100000}
# 5,000 IDLE sessions need ~5,100 descriptors in the server and as many in the client process.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
ensure_tools python3
start_throwaway_postgres
dotnet build bench/OpenMss.Bench.Imap -c Release -v quiet -nologo >/dev/null
bin=bench/OpenMss.Bench.Imap/bin/Release/net10.0/OpenMss.Bench.Imap.dll
echo "# $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), ulimit -n $(ulimit -n)"
for backend in sqlite postgres; do
  timeout 900 dotnet "$bin" fetch-search --backend "$backend" --runs 5 --search-size "$search_size" --search-runs 3
  timeout 600 dotnet "$bin" idle --backend "$backend" --connections "$connections" --sample 100
done
