#!/usr/bin/env bash
# The wrangler oracle: run `wrangler deploy --dry-run` and `durable-lsp --check`
# on each fixture project and compare the verdicts. Prints a Markdown table;
# exits 1 when any row is DISAGREE or ERROR.
#
# usage: tests/oracle/run.sh [FIXTURE_DIR...]
#   default: every tests/fixtures/*/ with a wrangler.toml/json/jsonc at its root
#
# Environment:
#   DURABLE_LSP          checker binary (default <repo>/target/debug/durable-lsp)
#   DUROBJ_ORACLE_CACHE  where install.sh keeps Node and wrangler
#   ORACLE_TIMEOUT       seconds per wrangler run (default 60)
#   ORACLE_KEEP=1        keep the temp dir with every copy and raw output
#
# wrangler runs with metrics off, a private config dir (so no saved login is
# seen) and no Cloudflare credentials in its environment: dry-run only.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO="$(cd "$HERE/../.." && pwd -P)"
CHECKER="${DURABLE_LSP:-$REPO/target/debug/durable-lsp}"
TIMEOUT="${ORACLE_TIMEOUT:-60}"

command -v python3 >/dev/null 2>&1 || { echo "oracle: python3 is required" >&2; exit 2; }
[ -x "$CHECKER" ] || { echo "oracle: checker not found at $CHECKER (cargo build, or set DURABLE_LSP)" >&2; exit 2; }

# ---- fixtures ---------------------------------------------------------------
fixtures=()
if [ "$#" -gt 0 ]; then
  for d in "$@"; do
    [ -d "$d" ] || { echo "oracle: not a directory: $d" >&2; exit 2; }
    fixtures+=("$(cd "$d" && pwd -P)")
  done
else
  for d in "$REPO"/tests/fixtures/*/; do
    [ -d "$d" ] || continue
    if [ -f "$d/.oracle-skip" ]; then
      echo "skip $(basename "$d"): $(cat "$d/.oracle-skip")" >&2
      continue
    fi
    if [ -f "$d/wrangler.toml" ] || [ -f "$d/wrangler.json" ] || [ -f "$d/wrangler.jsonc" ]; then
      fixtures+=("$(cd "$d" && pwd -P)")
    fi
  done
fi
if [ "${#fixtures[@]}" -eq 0 ]; then
  echo "oracle: no fixture project (a directory with wrangler.toml/json/jsonc) found" >&2
  exit 0
fi

# ---- tools ------------------------------------------------------------------
mapfile -t tools < <("$HERE/install.sh")
NODE_BIN="${tools[0]:-}"
WRANGLER_JS="${tools[1]:-}"
[ -x "$NODE_BIN" ] && [ -f "$WRANGLER_JS" ] || { echo "oracle: install.sh gave no node/wrangler" >&2; exit 2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/durable-lsp-oracle.XXXXXX")"
if [ "${ORACLE_KEEP:-0}" = 1 ]; then
  echo "oracle: keeping $WORK" >&2
else
  trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK/xdg"

# ---- run both tools on each fixture -----------------------------------------
i=0
for src in "${fixtures[@]}"; do
  i=$((i + 1))
  name="$(basename "$src")"
  row="$WORK/row$i"
  copy="$row/project"
  mkdir -p "$row"
  cp -R "$src" "$copy"
  rm -rf "$copy/out" "$copy/.wrangler"   # never let stale build output in
  printf '%s\n' "$name" > "$row/name"

  start=$(date +%s.%N)
  set +e
  ( cd "$copy" && env -u CLOUDFLARE_API_TOKEN -u CLOUDFLARE_API_KEY -u CLOUDFLARE_EMAIL \
      -u CLOUDFLARE_ACCOUNT_ID -u CF_API_TOKEN -u CF_ACCOUNT_ID \
      WRANGLER_SEND_METRICS=false XDG_CONFIG_HOME="$WORK/xdg" \
      WRANGLER_LOG_PATH="$row/wrangler-logs" NO_COLOR=1 FORCE_COLOR=0 \
      timeout --kill-after=5 "$TIMEOUT" "$NODE_BIN" "$WRANGLER_JS" \
        deploy --dry-run --outdir "$row/out" \
      </dev/null >"$row/wrangler.stdout" 2>"$row/wrangler.stderr" )
  echo $? > "$row/wrangler.exit"
  end=$(date +%s.%N)
  "$CHECKER" --check "$copy" --format json </dev/null >"$row/ours.json" 2>"$row/ours.stderr"
  echo $? > "$row/ours.exit"
  set -e
  python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.2f}")' "$start" "$end" \
    > "$row/wrangler.seconds"
  echo "oracle: $name: wrangler exit $(cat "$row/wrangler.exit") in $(cat "$row/wrangler.seconds")s" >&2
done

# ---- compare and report -----------------------------------------------------
python3 - "$WORK" "$i" <<'PY'
import json, os, re, sys

work, n = sys.argv[1], int(sys.argv[2])
# Codes for checks wrangler itself makes at deploy --dry-run: if we report one
# of these as an error, wrangler must fail too.
WRANGLER_CHECKED = {"DO101", "DO106", "DO112", "DO114", "DO115", "DO116", "DO120"}
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")

def read(p):
    try:
        with open(p, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""

def md(s):
    return s.replace("|", "\\|").replace("\n", " ")

def headlines(text, marker):
    """First line of each wrangler message with this marker ("✘ [ERROR]" or
    "▲ [WARNING]"); when it ends with ':', the first bullet below is joined."""
    lines = [ANSI.sub("", l).rstrip() for l in text.splitlines()]
    out = []
    for k, l in enumerate(lines):
        p = l.find(marker)
        if p < 0:
            continue
        head = l[p + len(marker):].strip()
        if head.endswith(":"):
            for m in lines[k + 1:k + 6]:
                m = m.strip()
                if m.startswith("- "):
                    head += " " + m
                    break
                if m and not m.startswith("-"):
                    break
        out.append(head)
    return out

def trunc(s, k=100):
    return s if len(s) <= k else s[:k - 1] + "…"

rows, details, failed = [], [], 0
for i in range(1, n + 1):
    d = os.path.join(work, f"row{i}")
    name = read(os.path.join(d, "name")).strip()
    wexit = int(read(os.path.join(d, "wrangler.exit")).strip() or 255)
    wtext = read(os.path.join(d, "wrangler.stdout")) + "\n" + read(os.path.join(d, "wrangler.stderr"))
    errs = headlines(wtext, "✘ [ERROR]")
    warns = headlines(wtext, "▲ [WARNING]")

    ours, our_note = None, ""
    raw = read(os.path.join(d, "ours.json"))
    try:
        ours = json.loads(raw)
        diags = ours["diagnostics"]
    except Exception as e:
        diags = []
        our_note = f"checker gave no JSON (exit {read(os.path.join(d, 'ours.exit')).strip()})"
        ours = None
    our_errs = sorted({x.get("code", "?") for x in diags if x.get("severity") == "error"})
    our_warns = sorted({x.get("code", "?") for x in diags if x.get("severity") == "warning"})

    if ours is None:
        verdict = f"ERROR: {our_note}"
    elif wexit == 124 or wexit == 137:
        verdict = "ERROR: wrangler timed out"
    elif wexit != 0:
        verdict = "agree (both fail)" if our_errs else "DISAGREE"
    else:
        clash = [c for c in our_errs if c in WRANGLER_CHECKED]
        if clash:
            verdict = "DISAGREE"
        elif our_errs:
            verdict = "agree; we go further: " + ", ".join(our_errs)
        else:
            verdict = "agree"
    if verdict.startswith(("DISAGREE", "ERROR")):
        failed += 1

    first = errs[0] if errs else (f"(warning) {warns[0]}" if warns else "")
    rows.append((name, str(wexit), trunc(first), ", ".join(our_errs) or "—",
                 ", ".join(our_warns) or "—", verdict))
    secs = read(os.path.join(d, "wrangler.seconds")).strip()
    det = [f"- **{name}** (wrangler exit {wexit}, {secs} s)"]
    det += [f"  - ✘ {e}" for e in errs] + [f"  - ▲ {w}" for w in warns]
    copy = os.path.join(d, "project")
    for x in diags:
        f = str(x.get("file", ""))
        if os.path.isabs(f) and f.startswith(copy + os.sep):
            f = os.path.relpath(f, copy)
        det.append(f"  - ours {x.get('severity')} {x.get('code')} {f}:{x.get('line', '')}: {x.get('message', '')}")
    details.append("\n".join(det))

print("| fixture | wrangler exit | wrangler first error | our error codes | our warning codes | verdict |")
print("|---|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(md(c) for c in r) + " |")
print()
print(f"{n - failed} of {n} agree.")
print()
print("<details><summary>All wrangler errors/warnings and our diagnostics</summary>\n")
print("\n".join(details))
print("\n</details>")
sys.exit(1 if failed else 0)
PY
