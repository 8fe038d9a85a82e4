#!/usr/bin/env bash
# Proof from the ecosystem's own tools: the official MCP conformance suite and the MCP Inspector CLI,
# run against doc-reader over Streamable HTTP (and the Inspector over stdio too). Loopback only.
# Needs the npm registry (Node 22 comes from npm's `node` package). Usage: conformance/run.sh [PYTHON]
# Exit status: 0 all passed (or the npm packages could not be fetched: skipped, with a warning), 1 a check failed.
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${1:-.venv/bin/python}"
CONFORMANCE="@modelcontextprotocol/conformance@0.1.16"
INSPECTOR="@modelcontextprotocol/inspector@2.12.0"
NODE="node@22"
SCENARIOS="server-initialize ping tools-list tools-call-error dns-rebinding-protection"
export npm_config_loglevel=error npm_config_update_notifier=false npm_config_fund=false

npx_run() { npx --yes -p "$NODE" -p "$1" "${@:2}"; }

if ! npx_run "$CONFORMANCE" conformance --version >/dev/null 2>&1 \
  || ! npx_run "$INSPECTOR" mcp-inspector --help >/dev/null 2>&1; then
  echo "conformance: skipped: could not fetch $NODE, $CONFORMANCE or $INSPECTOR from the npm registry" >&2
  exit 0
fi

PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT/mcp"
LOG=$(mktemp)
# The dns-rebinding-protection scenario expects non-local Host headers to be refused.
DOC_READER_HTTP_ALLOWED_HOSTS="127.0.0.1:*,localhost:*" DOC_READER_LOG_LEVEL=WARNING \
  "$PY" -m doc_reader serve --host 127.0.0.1 --port "$PORT" >"$LOG" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; rm -f "$LOG"' EXIT
for _ in $(seq 50); do
  "$PY" -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$PORT/healthz', timeout=1)" 2>/dev/null && break
  sleep 0.2
done

failed=0
check() {  # check NAME COMMAND...: run, keep the output's tail, count failures
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then
    echo "ok    $name"
  else
    echo "FAIL  $name"
    echo "$out" | tail -20 | sed 's/^/      /'
    failed=$((failed + 1))
  fi
}
passes() {  # the conformance CLI exits 0 even when a check fails: read its summary line too
  local out
  out=$(npx_run "$CONFORMANCE" conformance server --url "$URL" --scenario "$1" 2>&1) || { echo "$out"; return 1; }
  echo "$out" | grep -Eq "Passed: ([0-9]+)/\1, 0 failed" || { echo "$out"; return 1; }
}
has() {  # has TEXT COMMAND...: the command succeeds and prints TEXT
  local text=$1 out
  shift
  out=$("$@" 2>&1) || { echo "$out"; return 1; }
  grep -qF -- "$text" <<<"$out" || { echo "$out"; return 1; }
}

for scenario in $SCENARIOS; do
  check "conformance $scenario" passes "$scenario"
done

HTML=$(printf '<html><head><title>Hello</title></head><body><h1>Conformance</h1><p>It works.</p></body></html>' | base64 -w0)
inspect() { npx_run "$INSPECTOR" mcp-inspector --cli "$@"; }
check "inspector http tools/list" has '"read_document"' inspect "$URL" --transport http --method tools/list
check "inspector http tools/call" has 'It works.' inspect "$URL" --transport http --method tools/call \
  --tool-name read_document --tool-arg "content_base64=$HTML" --tool-arg filename=hello.html
check "inspector stdio tools/list" has '"read_document"' inspect "$PY" -m doc_reader stdio --method tools/list
check "inspector stdio tools/call" has 'It works.' inspect "$PY" -m doc_reader stdio --method tools/call \
  --tool-name read_document --tool-arg "content_base64=$HTML" --tool-arg filename=hello.html

if [ "$failed" -ne 0 ]; then
  echo "conformance: $failed check(s) failed" >&2
  exit 1
fi
echo "conformance: all checks passed"
