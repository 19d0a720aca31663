#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), seeded from the
# fixtures, and prints each target's executions. Needs a nightly toolchain
# and cargo-fuzz (`cargo install cargo-fuzz --locked`).
#
#   bash fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
seed() { # target, then files
  local t=$1; shift
  mkdir -p "corpus/$t"
  for f in "$@"; do cp "$f" "corpus/$t/$(echo "$f" | tr '/' '_')"; done
}
fx=../tests/fixtures
seed config $(find $fx -name 'wrangler*.toml' -o -name 'wrangler*.json' -o -name 'wrangler*.jsonc' -o -name durable-lsp.toml)
seed source $(find $fx ../examples -name '*.ts' -o -name '*.tsx' -o -name '*.js' | grep -v node_modules)
mkdir -p corpus/frames corpus/project corpus/edits
printf 'Content-Length: 52\r\n\r\n{"jsonrpc":"2.0","id":1,"method":"shutdown","params":null}' > corpus/frames/shutdown
for d in $fx/ok-basic $fx/do101-class-not-exported $fx/do108-delete-then-recreate; do
  { cat "$d"/wrangler.*; printf '\0'; cat "$d"/src/index.ts; printf '\0'; } > "corpus/project/$(basename "$d")"
done
for f in $fx/ok-basic/src/index.ts ../examples/chat/src/index.ts; do
  { cat "$f"; printf '\0\001\002\003\004\005\006\002\000\012\003\001\007'; } > "corpus/edits/$(echo "$f" | tr '/' '_')"
done
for t in config source frames project edits; do
  log=$(mktemp)
  cargo +nightly fuzz run "$t" "corpus/$t" -- -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1 || { tail -40 "$log"; exit 1; }
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
  echo "$t: $execs executions in ${secs}s, no failure"
  rm -f "$log"
done
