#!/usr/bin/env bash
# Runs the whole test suite against real engines: the embedded ClickHouse (fetched once by the test fixture, as the
# product fetches it), a throwaway PostgreSQL cluster, Debian's clickhouse-server for the HTTP engine's protocol, and
# Debian's Chromium for the tracker. Installs what the tests need when it is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

need=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
command -v clickhouse-server >/dev/null 2>&1 || need+=(clickhouse-server)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
command -v npm >/dev/null 2>&1 || need+=(npm)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing test dependencies: ${need[*]}" >&2
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
  # Debian's packages try to start their services; the tests start their own.
  $sudo_cmd service clickhouse-server stop >/dev/null 2>&1 || true
fi

# The tracker's minifier (pinned in tracker/package-lock.json), to check tracker/dist is the build of tracker/src.
npm ci --prefix "$here/tracker" --silent --no-audit --no-fund >/dev/null
# The SMTP server the tests mail invitations and links through (pinned in testing/smtp-sink/package-lock.json).
npm ci --prefix "$here/testing/smtp-sink" --silent --no-audit --no-fund >/dev/null

# Built first, then run with xunit's own runner (the test project is an executable): in this setup the VSTest bridge
# behind 'dotnet test' now and then lost one test's result, and a lost result could hide a failure.
dotnet build "$here/Analytics.sln" --nologo -v quiet -clp:ErrorsOnly

# Times are UTC inside the product whatever the machine's zone; running the suite in a +12:45 zone keeps it so.
export TZ=Pacific/Chatham

log="$(mktemp)"
trap 'rm -f "$log" "$log.failures"' EXIT
set +e
"$here/Analytics.Tests/bin/Debug/net10.0/Analytics.Tests" -noColor "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# The servers' logs run on after a failure, and a reader of the end of the output (CI shows its tail) would miss
# which test failed and why: each failure's message and first stack lines come again here.
awk '/\[FAIL\]$/ { n = 40; print "---"; print; next }
     n > 0 && /^      / { print; n--; next }
     { n = 0 }' "$log" | sed -n '1,400p' > "$log.failures"
if [ -s "$log.failures" ]; then
  echo "=== FAILURES (again, from above) ==="
  cat "$log.failures"
fi
summary=$(grep -E 'Total: [0-9]+, Errors: [0-9]+, Failed: [0-9]+, Skipped: [0-9]+' "$log" | tail -n 1)
count() { printf '%s' "$summary" | grep -oE "$1: [0-9]+" | grep -oE '[0-9]+' || echo 0; }
total=$(count Total); errors=$(count Errors); failed=$(count Failed); skipped=$(count Skipped); notrun=$(count 'Not Run')
echo "$((total - errors - failed - skipped - notrun)) passed, $((failed + errors)) failed, $skipped skipped"
exit "$status"
