#!/usr/bin/env bash
# Runs the OpenMSS benchmarks on this machine and prints their result lines; record them, with
# the machine they ran on, in docs/benchmarks.md. Not part of the test suite.
# usage: bench/run.sh [seconds]   (default 20 s of measurement per case)
set -euo pipefail
cd "$(dirname "$0")/.."
source eng/postgres.sh
seconds=${1:-20}
ensure_tools python3
# A durable PostgreSQL (fsync on): the benchmark measures durable acceptance.
start_throwaway_postgres
dotnet build bench/OpenMss.Bench -c Release -v quiet -nologo >/dev/null
bin=bench/OpenMss.Bench/bin/Release/net10.0/OpenMss.Bench.dll
echo "# $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
for backend in sqlite postgres; do
  dotnet "$bin" relay --backend "$backend" --connections 16 --size 8192 --seconds "$seconds"
done
