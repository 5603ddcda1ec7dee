#!/usr/bin/env bash
# Case detail requests per second and latency at 50 and 200 concurrent authenticated clients,
# with wrk on loopback against a release build serving the demo data. Every request opens a
# case file through the policy gate and appends its durable view event before answering.
#
# Usage: scripts/bench-api-load.sh [seconds-per-run]   (needs: cargo build --release)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${DOCKET_BIN:-target/release/docket}
SECONDS_EACH=${1:-20}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
server=""
stop() { [ -n "$server" ] && kill "$server" 2>/dev/null || true; rm -rf "$data"; }
trap stop EXIT

"$BIN" demo --data "$data" --no-serve >/dev/null
token=$("$BIN" users token issue officer.amara-osei --scope read --label load --data "$data" | grep -o 'docket_[A-Za-z0-9_-]*' | head -n1)
"$BIN" serve --data "$data" --listen "127.0.0.1:$port" >"$data/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
# Open cases of the demo: the requests spread over them as a case officer's day would.
refs=$(curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/cases?open=true&per_page=200" \
  | python3 -c 'import json,sys; print(" ".join(c["reference"] for c in json.load(sys.stdin)["items"]))')
cat >"$data/cases.lua" <<LUA
local refs = {}
for r in string.gmatch("$refs", "%S+") do table.insert(refs, r) end
local i = 0
request = function()
  i = i + 1
  local path = "/api/v1/cases/" .. refs[(i % #refs) + 1] .. "/file"
  return wrk.format("GET", path, { ["Authorization"] = "Bearer $token" })
end
LUA
for clients in 50 200; do
  echo "== $clients clients, ${SECONDS_EACH}s, GET /api/v1/cases/<ref>/file (gate + durable view event)"
  wrk -t2 -c"$clients" -d"${SECONDS_EACH}s" --latency -s "$data/cases.lua" "http://127.0.0.1:$port" \
    | grep -E 'Requests/sec|Latency|  50%|  90%|  99%|Non-2xx|Socket errors'
done
events=$(curl -fsS "http://127.0.0.1:$port/healthz")
echo "after the runs: $events"
