#!/usr/bin/env bash
# Runs schemathesis (from PyPI) against the OpenAPI document of a running demo server: no
# 5xx, no response that violates the document, and bad input refused with a 4xx. Signs in
# with an API token of a demo case officer, so the authenticated operations are exercised.
#
# Usage: scripts/schemathesis.sh [path/to/docket]   (default target/debug/docket)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/debug/docket}
VENV=${SCHEMATHESIS_VENV:-target/schemathesis-venv}
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-25}

if [ ! -x "$VENV/bin/st" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q 'schemathesis>=4,<5'
fi
"$VENV/bin/st" --version

data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
server=""
stop() { [ -n "$server" ] && kill "$server" 2>/dev/null || true; rm -rf "$data"; }
trap stop EXIT

"$BIN" demo --data "$data" --no-serve >/dev/null
token=$("$BIN" users token issue officer.amara-osei --scope read --scope write --label schemathesis --data "$data" | grep -o 'docket_[A-Za-z0-9_-]*' | head -n1)
if [ -z "$token" ]; then
  echo "FAIL: could not issue an API token for the demo case officer" >&2
  exit 1
fi
"$BIN" serve --data "$data" --listen "127.0.0.1:$port" >"$data/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done

"$VENV/bin/st" --config-file scripts/schemathesis.toml run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --url "http://127.0.0.1:$port" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance,content_type_conformance,negative_data_rejection \
  --max-examples "$EXAMPLES" \
  --workers 2 \
  --no-color
if grep -q 'panicked' "$data/serve.log"; then
  echo "FAIL: the server panicked during the run:" >&2
  grep -A5 'panicked' "$data/serve.log" >&2
  exit 1
fi
