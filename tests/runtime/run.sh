#!/usr/bin/env bash
# Runtime confirmation: run each case project under local workerd (`wrangler dev`)
# and check that the runtime fails exactly where `durable-lsp --check` reports the
# case's rule as an error. Prints a Markdown table; exits 1 on any disagreement.
#
# usage: tests/runtime/run.sh [CASE...]
#   CASE: a directory, or a name under tests/runtime/cases/ (e.g. DO302-fires).
#   default: every tests/runtime/cases/*/
#
# A case is named <CODE>-fires[-variant] (the runtime should fail and we should
# report <CODE>) or <CODE>-clean (neither). Its `request` file says what to send.
#
# Environment:
#   DURABLE_LSP          checker binary (default <repo>/target/release/durable-lsp,
#                        else <repo>/target/debug/durable-lsp)
#   DUROBJ_ORACLE_CACHE  where tests/oracle/install.sh keeps Node and wrangler
#   RUNTIME_TIMEOUT      seconds per case for wrangler to start and answer (default 60)
#   RUNTIME_KEEP=1       keep the temp dir: copies, raw wrangler output, our JSON
#
# wrangler runs with metrics off, no banner or update check, no cf.json download,
# a private config dir (so no saved login is seen), no Cloudflare credentials in
# its environment, and `--local`: nothing leaves the machine.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO="$(cd "$HERE/../.." && pwd -P)"
if [ -n "${DURABLE_LSP:-}" ]; then
  CHECKER="$DURABLE_LSP"
elif [ -x "$REPO/target/release/durable-lsp" ]; then
  CHECKER="$REPO/target/release/durable-lsp"
else
  CHECKER="$REPO/target/debug/durable-lsp"
fi
TIMEOUT="${RUNTIME_TIMEOUT:-60}"

command -v python3 >/dev/null 2>&1 || { echo "runtime: python3 is required" >&2; exit 2; }
command -v setsid >/dev/null 2>&1 || { echo "runtime: setsid (util-linux) is required" >&2; exit 2; }
[ -x "$CHECKER" ] || { echo "runtime: checker not found at $CHECKER (cargo build, or set DURABLE_LSP)" >&2; exit 2; }

# ---- cases ------------------------------------------------------------------
cases=()
if [ "$#" -gt 0 ]; then
  for c in "$@"; do
    if [ -d "$c" ]; then
      cases+=("$(cd "$c" && pwd -P)")
    elif [ -d "$HERE/cases/$c" ]; then
      cases+=("$HERE/cases/$c")
    else
      echo "runtime: no such case: $c" >&2; exit 2
    fi
  done
else
  for d in "$HERE"/cases/*/; do
    [ -f "$d/request" ] && cases+=("$(cd "$d" && pwd -P)")
  done
fi
[ "${#cases[@]}" -gt 0 ] || { echo "runtime: no case found" >&2; exit 2; }

# ---- tools ------------------------------------------------------------------
mapfile -t tools < <("$REPO/tests/oracle/install.sh")
NODE_BIN="${tools[0]:-}"
WRANGLER_JS="${tools[1]:-}"
[ -x "$NODE_BIN" ] && [ -f "$WRANGLER_JS" ] || { echo "runtime: install.sh gave no node/wrangler" >&2; exit 2; }
W_ROOT="$(cd "$(dirname "$WRANGLER_JS")/../.." && pwd -P)"   # .../node_modules

WORK="$(mktemp -d "${TMPDIR:-/tmp}/durable-lsp-runtime.XXXXXX")"
CURRENT_PGID=""
stop_group() { # $1 = process group id of a wrangler we started
  local g="$1" k
  [ -n "$g" ] || return 0
  kill -TERM -- "-$g" 2>/dev/null || return 0
  for k in $(seq 1 50); do
    kill -0 -- "-$g" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL -- "-$g" 2>/dev/null || true
}
cleanup() {
  stop_group "$CURRENT_PGID"
  if [ "${RUNTIME_KEEP:-0}" = 1 ]; then
    echo "runtime: kept $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wrangler's private world: config dir, temp dir (with an update-check cache
# saying 4.164 is the latest, so it never asks the registry), dev registry.
mkdir -p "$WORK/xdg" "$WORK/tmp/update-check" "$WORK/registry"
now_ms=$(( $(date +%s) * 1000 ))
for tag in latest beta; do
  printf '{"latest":null,"lastUpdate":%s}\n' "$now_ms" > "$WORK/tmp/update-check/wrangler-$tag.json"
done

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
elapsed() { python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.1f}")' "$1" "$2"; }

run_start=$(date +%s.%N)
i=0
for src in "${cases[@]}"; do
  i=$((i + 1))
  name="$(basename "$src")"
  row="$WORK/row$i"
  copy="$row/project"
  mkdir -p "$row"
  cp -R "$src" "$copy"
  rm -rf "$copy/.wrangler" "$copy/node_modules"
  printf '%s\n' "$name" > "$row/name"
  cp "$src/request" "$row/request"

  # Our verdict first, on a copy wrangler has not touched yet.
  set +e
  "$CHECKER" --check "$copy" --format json </dev/null >"$row/ours.json" 2>"$row/ours.stderr"
  echo $? > "$row/ours.exit"
  set -e

  port="$(free_port)"
  iport="$(free_port)"
  start=$(date +%s.%N)
  deadline=$(( $(date +%s) + TIMEOUT ))
  # setsid: wrangler and its workerd children get their own process group,
  # which is what we stop afterwards. `timeout` is a backstop if we die first.
  ( cd "$copy" && exec setsid env \
      -u CLOUDFLARE_API_TOKEN -u CLOUDFLARE_API_KEY -u CLOUDFLARE_EMAIL \
      -u CLOUDFLARE_ACCOUNT_ID -u CF_API_TOKEN -u CF_ACCOUNT_ID -u CLOUDFLARE_ENV \
      WRANGLER_SEND_METRICS=false WRANGLER_HIDE_BANNER=true \
      CLOUDFLARE_CF_FETCH_ENABLED=false \
      XDG_CONFIG_HOME="$WORK/xdg" TMPDIR="$WORK/tmp" \
      WRANGLER_REGISTRY_PATH="$WORK/registry" WRANGLER_LOG_PATH="$row/wrangler-logs" \
      NO_COLOR=1 FORCE_COLOR=0 \
      timeout --kill-after=5 "$((TIMEOUT + 15))" \
      "$NODE_BIN" "$WRANGLER_JS" dev --local \
        --ip 127.0.0.1 --port "$port" \
        --inspector-ip 127.0.0.1 --inspector-port "$iport" \
        --show-interactive-dev-session=false --log-level info \
        --persist-to "$row/state" \
      </dev/null >"$row/wrangler.stdout" 2>"$row/wrangler.stderr" ) &
  pid=$!
  CURRENT_PGID="$pid"

  ready=0
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if grep -q "Ready on http://127.0.0.1:$port" "$row/wrangler.stdout" 2>/dev/null; then ready=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  ready_at=$(date +%s.%N)
  echo "$(elapsed "$start" "$ready_at")" > "$row/ready.seconds"

  if [ "$ready" = 1 ]; then
    left=$(( deadline - $(date +%s) ))
    [ "$left" -ge 5 ] || left=5
    "$NODE_BIN" "$HERE/request.mjs" "http://127.0.0.1:$port" "$row/request" "$((left * 1000))" \
      >"$row/response.json" 2>"$row/request.stderr" || true
    # Let the log catch up: wait until wrangler's output stops growing (3 s at most).
    last=-1
    for k in $(seq 1 15); do
      size=$(( $(wc -c <"$row/wrangler.stdout") + $(wc -c <"$row/wrangler.stderr") ))
      [ "$size" = "$last" ] && [ "$k" -gt 2 ] && break
      last=$size
      sleep 0.2
    done
  else
    if kill -0 "$pid" 2>/dev/null; then
      echo "wrangler did not say it was ready within ${TIMEOUT} s" > "$row/not-ready"
    else
      echo "wrangler exited before it was ready" > "$row/not-ready"
    fi
  fi

  stop_group "$pid"
  wait "$pid" 2>/dev/null || true
  CURRENT_PGID=""
  end=$(date +%s.%N)
  echo "$(elapsed "$start" "$end")" > "$row/seconds"
  status="$(python3 -c 'import json,sys
try: print(json.load(open(sys.argv[1]))["status"])
except Exception: print("-")' "$row/response.json" 2>/dev/null)"
  echo "runtime: $name: HTTP $status, ready in $(cat "$row/ready.seconds") s, case took $(cat "$row/seconds") s" >&2
done
run_end=$(date +%s.%N)

# ---- versions ---------------------------------------------------------------
{
  echo "date: $(date -u +%F)"
  echo "durable-lsp: $("$CHECKER" --version 2>/dev/null | head -n1) ($CHECKER)"
  echo "node: $("$NODE_BIN" --version)"
  for p in wrangler miniflare workerd; do
    echo "$p: $("$NODE_BIN" -p 'require(process.argv[1]).version' "$W_ROOT/$p/package.json" 2>/dev/null || echo '?')"
  done
  echo "total: $(elapsed "$run_start" "$run_end") s for $i cases"
} > "$WORK/versions"

# ---- compare and report -----------------------------------------------------
python3 - "$WORK" "$i" <<'PY'
import json, os, re, sys

work, n = sys.argv[1], int(sys.argv[2])
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")

# The messages workerd gives for each rule (ground truth, section 7), as
# (id, substring). A -fires case is confirmed only when one of them is seen.
EXPECTED = {
    "DO201": [
        ("W-CTOR-01", "Must call super constructor in derived class before accessing 'this' or returning from derived constructor"),
        ("W-CTOR-02", "Failed to construct 'DurableObjectBase'"),
    ],
    "DO206": [
        ("W-ALM-01", "Your Durable Object class must have an alarm() handler in order to call setAlarm()"),
        ("W-ALM-03", "setAlarm() cannot be called with an alarm time <= 0"),
    ],
    "DO301": [
        ("W-SQL-01", "SQL is not enabled for this Durable Object class."),
        ("W-SQL-02", "This Durable Object is not backed by SQLite storage, so the SQL API is not available."),
        ("W-SQL-03", "The storage.kv (synchronous KV) API is only available for SQLite-backed Durable Objects"),
        ("W-SQL-04", "Durable Object is not backed by SQL."),
    ],
    "DO302": [
        ("W-SQL-05", "To execute a transaction, please use the state.storage.transaction() or state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements."),
    ],
    "DO303": [
        ("W-SQL-06", "not authorized: SQLITE_AUTH"),
    ],
    "DO405": [
        ("W-WS-01", "a Hibernatable WebSocket cannot have more than 10 tags"),
        ("W-WS-02", "is longer than the max tag length (256 characters)."),
    ],
}

def read(p):
    try:
        with open(p, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""

def md(s):
    return s.replace("|", "\\|").replace("\n", " ")

def trunc(s, k=110):
    return s if len(s) <= k else s[:k - 1] + "…"

def clean_line(l):
    l = ANSI.sub("", l).strip()
    if l.startswith("✘ [ERROR]"):
        # wrangler's first headline for an uncaught error ends in " Error"
        l = re.sub(r"\s+Error$", "", l[len("✘ [ERROR]"):].strip())
    elif l.startswith("[wrangler:error]"):
        l = l[len("[wrangler:error]"):].strip()
    if l.startswith("Uncaught "):
        l = l[len("Uncaught "):]
    # a 257-character tag is unreadable in a table: "xxx…(257×x)"
    return re.sub(r"(.)\1{15,}", lambda m: m.group(1) * 3 + f"…({len(m.group(0))}×{m.group(1)})", l)

rows, details, places, bad = [], [], [], 0
for i in range(1, n + 1):
    d = os.path.join(work, f"row{i}")
    name = read(os.path.join(d, "name")).strip()
    code = name.split("-", 1)[0]
    kind = "fires" if "-fires" in name else "clean" if name.endswith("-clean") else "?"
    out = ANSI.sub("", read(os.path.join(d, "wrangler.stdout")))
    err = ANSI.sub("", read(os.path.join(d, "wrangler.stderr")))
    not_ready = read(os.path.join(d, "not-ready")).strip()
    try:
        resp = json.loads(read(os.path.join(d, "response.json")))
    except Exception:
        resp = None
    try:
        ours = json.loads(read(os.path.join(d, "ours.json")))
        diags = ours["diagnostics"]
    except Exception:
        ours, diags = None, []

    copy = os.path.join(d, "project")
    our_hits = [x for x in diags if x.get("code") == code and x.get("severity") == "error"]
    our_other = sorted({x.get("code", "?") for x in diags
                        if x.get("severity") == "error" and x.get("code") != code})
    lsp = bool(our_hits)

    status = resp.get("status", 0) if resp else 0
    body = (resp or {}).get("body", "")
    text = "\n".join([body, out, err])
    lines = [l for l in text.splitlines() if l.strip()]
    matched = []
    for wid, sub in EXPECTED.get(code, []):
        hit = next((l for l in lines if sub in l), None)
        if hit is not None:
            matched.append((wid, clean_line(hit)))
    err_lines = [clean_line(l) for l in err.splitlines() if "✘ [ERROR]" in l]
    err_lines += [clean_line(l) for l in out.splitlines() if "[wrangler:error]" in l]
    failed = status >= 500 or bool(matched) or bool(err_lines)
    # Where the runtime threw: the first stack frame in the project's own files.
    m = re.search(re.escape(copy) + r"/([^:()\s]+):(\d+):(\d+)", err)
    rt_where = (m.group(1), int(m.group(2))) if m else None
    our_lines = sorted({x.get("line") for x in our_hits})
    same_place = bool(rt_where and any(
        x.get("line", 0) <= rt_where[1] <= x.get("end_line", x.get("line", 0))
        and str(x.get("file", "")).endswith(rt_where[0]) for x in our_hits))
    reached = failed or status == 101 or (200 <= status < 300 and body.startswith("ok"))

    # what to show
    if failed:
        msg = matched[0][1] if matched else (err_lines[0] if err_lines else
              f"HTTP {status}: " + (body.strip().splitlines() or [""])[0])
        rt = "yes (" + (", ".join(w for w, _ in matched) if matched else "other message")
        rt += f", line {rt_where[1]})" if rt_where else ")"
    else:
        rt = "no"
        msg = (f"HTTP {status} (WebSocket accepted)" if status == 101 else
               f"HTTP {status}: " + (body.strip().splitlines() or [""])[0])
    ours_cell = (f"yes ({code}, line{'s' if len(our_lines) > 1 else ''} "
                 + ", ".join(map(str, our_lines)) + ")") if lsp else "no"
    if our_other:
        ours_cell += "; other errors: " + ", ".join(our_other)

    if not_ready or resp is None or status == 0:
        rt = "n/a"
    if ours is None:
        verdict = "ERROR: the checker printed no JSON"
    elif not_ready:
        verdict = f"ERROR: {not_ready}"
    elif resp is None or status == 0:
        verdict = "ERROR: no HTTP answer" + (f" ({resp.get('error')})" if resp and resp.get("error") else "")
    elif not reached:
        verdict = f"ERROR: the request did not reach the code path (HTTP {status})"
    elif lsp != failed:
        verdict = ("DISAGREE: durable-lsp reports " + code + ", the runtime did not fail" if lsp
                   else "DISAGREE: the runtime failed, durable-lsp reports no " + code)
    elif (kind == "fires") != lsp:
        verdict = f"agree, but a -{kind} case should " + ("pass" if kind == "clean" else "fail")
    elif failed and not matched:
        verdict = "UNCONFIRMED: the runtime failed with another message"
    else:
        verdict = "agree"
    if verdict != "agree":
        bad += 1
    if verdict == "agree" and lsp and failed:
        places.append((name, same_place))
    rows.append((name, ours_cell, rt, trunc(msg), verdict))

    det = [f"- **{name}**: HTTP {status or '—'}, wrangler ready in "
           f"{read(os.path.join(d, 'ready.seconds')).strip()} s, case {read(os.path.join(d, 'seconds')).strip()} s"]
    for x in diags:
        f = str(x.get("file", ""))
        if os.path.isabs(f) and f.startswith(copy + os.sep):
            f = os.path.relpath(f, copy)
        det.append(f"  - ours: {x.get('severity')} {x.get('code')} {f}:{x.get('line', '')}: {x.get('message', '')}")
    if rt_where:
        det.append(f"  - runtime threw at {rt_where[0]}:{rt_where[1]}"
                   + ("; one of our diagnostics covers that line" if same_place else
                      "; none of our diagnostics for " + code + " covers that line" if lsp else ""))
    for l in dict.fromkeys(err_lines):
        det.append(f"  - runtime: {trunc(l, 300)}")
    if resp and resp.get("error"):
        det.append(f"  - request: {resp['error']}")
    if verdict != "agree" and ours is not None:
        det.append("  - our JSON: `" + json.dumps(diags) + "`")
    details.append("\n".join(det))

print(read(os.path.join(work, "versions")).strip().replace("\n", "; "))
print()
print("| case | durable-lsp error? | runtime failed? | runtime message (first line) | verdict |")
print("|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(md(c) for c in r) + " |")
print()
print(f"{n - bad} of {n} agree.", end="")
if places:
    off = [c for c, same in places if not same]
    print(f" Where both fail, the runtime's stack points at a line one of our diagnostics covers"
          f" in {len(places) - len(off)} of {len(places)} cases"
          + (f" (not in: {', '.join(off)})." if off else "."), end="")
print()
print()
print("<details><summary>Our diagnostics and the runtime's errors, per case</summary>\n")
print("\n".join(details))
print("\n</details>")
sys.exit(1 if bad else 0)
PY
