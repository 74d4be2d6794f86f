#!/usr/bin/env bash
# Runs the whole OpenMSS test suite on a fresh Debian 12 machine with the .NET 10 SDK.
# Installs what the tests need when it is missing (PostgreSQL, swaks, python3), starts a
# throwaway PostgreSQL cluster on a free loopback port, builds, runs every test project (the
# storage suite on SQLite and PostgreSQL), and ends with one line "N passed, N failed, N skipped".
# Idempotent: run it as often as you like.
set -euo pipefail
cd "$(dirname "$0")"
root_dir=$(pwd)
source eng/postgres.sh

ensure_packages python3 swaks postgresql mbsync chromium libnss3-tools
# Test databases are thrown away: durability settings off for speed (the durability tests use SQLite files).
start_throwaway_postgres fsync=off full_page_writes=off synchronous_commit=off

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
echo "==> Restoring and building"
dotnet restore OpenMss.slnx
dotnet build OpenMss.slnx -c Release --no-restore -v minimal

results="$root_dir/TestResults"
rm -rf "$results"
echo "==> Running tests"
status=0
dotnet test OpenMss.slnx -c Release --no-build --results-directory "$results" \
  --logger "trx" --logger "console;verbosity=minimal" || status=$?

# One closing line for whoever reads the log (and for CI): totals over every test project.
python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
files = glob.glob(sys.argv[1] + "/**/*.trx", recursive=True)
for f in files:
    c = ET.parse(f).getroot().find("t:ResultSummary/t:Counters", ns)
    if c is None:
        continue
    passed += int(c.get("passed", 0))
    failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    skipped += int(c.get("notExecuted", 0))
print(f"{len(files)} test projects reported")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
if passed == 0:
    sys.exit(1)
PY
exit $status
