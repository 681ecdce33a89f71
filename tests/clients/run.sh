#!/usr/bin/env bash
# Runs the client conformance suites: real Salesforce client libraries against
# the sandbox binary, unchanged. Today: jsforce (tests/clients/jsforce).
#
#   tests/clients/run.sh                      # builds target/debug/koncert-sf first
#   KONCERT_SF_BIN=path/to/koncert-sf tests/clients/run.sh
#
# Skips (exit 0) only when node or npm is missing; any failure exits non-zero.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "clients: SKIPPED: '$tool' is not installed; the jsforce conformance suite needs Node.js 18+ and npm" >&2
        exit 0
    fi
done

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 18 ]; then
    echo "clients: error: Node.js $(node --version) is too old; jsforce needs 18 or newer" >&2
    exit 1
fi

suite="$here/jsforce"

# `npm ci` only when node_modules does not match the lockfile, so reruns are fast.
stamp="$suite/node_modules/.koncert-sf-lock"
want=$(cat "$suite/package.json" "$suite/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "clients: npm ci (jsforce)"
    (cd "$suite" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
fi

if [ -z "${KONCERT_SF_BIN:-}" ]; then
    echo "clients: cargo build --locked"
    (cd "$root" && cargo build --locked --quiet)
    export KONCERT_SF_BIN="$root/target/debug/koncert-sf"
fi
if [ ! -x "$KONCERT_SF_BIN" ] || [ -d "$KONCERT_SF_BIN" ]; then
    echo "clients: error: KONCERT_SF_BIN=$KONCERT_SF_BIN is not an executable" >&2
    exit 1
fi
# Absolute, since the suite runs from its own directory.
KONCERT_SF_BIN=$(cd "$(dirname "$KONCERT_SF_BIN")" && pwd)/$(basename "$KONCERT_SF_BIN")
export KONCERT_SF_BIN

echo "clients: jsforce $(node -p 'require("'"$suite"'/node_modules/jsforce/package.json").version') against $KONCERT_SF_BIN"
cd "$suite"
node --test conformance.mjs
