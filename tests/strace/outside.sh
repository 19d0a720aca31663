#!/usr/bin/env bash
# Opt-in: proves `--check` opens, stats or lists nothing outside the folder
# it checks, and the server nothing outside its workspace folder (with a
# document opened from outside it). Traces every file system call (strace -f) of a run on the
# example and on each fixture, and fails on any path outside it other than
# the process's own start-up (the loader, /proc/self, cgroup CPU limits)
# and the realpath walk of the folder's own ancestors.
#
#   bash tests/strace/outside.sh [BINARY]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-target/debug/durable-lsp}
command -v strace >/dev/null || { echo "strace is required" >&2; exit 2; }
[ -x "$bin" ] || { echo "no binary at $bin (cargo build first)" >&2; exit 2; }
bin=$(realpath "$bin")
trace=$(mktemp)
fail=0

# Fails the run when the trace names a path outside ROOT, other than the
# process's start-up and the realpath walk of ROOT's own ancestors.
#   check_trace ROOT WHAT
check_trace() {
  local root=$1 what=$2 outside
  # absolute paths named in the calls, minus the allowed ones
  # (what a readlink returns is a link's content, not a path touched)
  outside=$(sed -E 's/^([0-9]+ +readlink(at)?\(([A-Z_]+, )?"[^"]*", )"[^"]*"/\1<target>/' "$trace" \
    | grep -oE '"/[^"]*"' | tr -d '"' | sort -u | while read -r p; do
    case "$p" in
      "$root"|"$root"/*) ;;
      "$bin"|/etc/ld.so.*|/lib/*|/lib64/*|/usr/lib/*|/proc/self/*|/sys/fs/cgroup/*|/sys/devices/system/cpu/*|/dev/null) ;;
      *)
        # realpath reads each ancestor of the root as a possible symlink
        if [[ "$root" == "$p"/* ]] && ! grep -E "\"$p\"" "$trace" | grep -vqE '^[0-9]+ +(readlink|getcwd)\('; then
          :
        else
          echo "$p"
        fi
        ;;
    esac
  done)
  if [ -n "$outside" ]; then
    echo "FAIL $what touched paths outside $root:" >&2
    echo "$outside" | sed 's/^/  /' >&2
    fail=1
  fi
}

for dir in examples/* tests/fixtures/*/; do
  root=$(realpath "$dir")
  (cd "$root" && strace -f -qq -s 4096 -e trace=%file -o "$trace" "$bin" --check . >/dev/null 2>&1) || true
  check_trace "$root" "--check on $dir"
done
# A folder that is a link out of the project (to /etc), imported from:
# nothing in it is opened or even stat'ed.
linked=$(mktemp -d)
mkdir -p "$linked/src"
printf 'name = "linked"\nmain = "src/index.ts"\n' > "$linked/wrangler.toml"
printf 'export * from "./etc/passwd";\nexport * from "./etc/hostname";\nexport default { fetch() { return new Response("ok"); } };\n' > "$linked/src/index.ts"
ln -s /etc "$linked/src/etc"
root=$(realpath "$linked")
(cd "$root" && strace -f -qq -s 4096 -e trace=%file -o "$trace" "$bin" --check . >/dev/null 2>&1) || true
check_trace "$root" "--check through a folder linked to /etc"
rm -rf "$linked"
# The server on the example, with a document opened from outside every
# workspace folder (analysed alone, from its text): nothing outside the root.
root=$(realpath examples/chat)
stray=$(mktemp -d)/stray.ts
python3 tests/strace/server.py "$root" "$stray" -- \
  strace -f -qq -s 4096 -e trace=%file -o "$trace" "$bin" >/dev/null
check_trace "$root" "the server"
rm -f "$trace"
[ "$fail" = 0 ] && echo "nothing outside the checked folder was touched ($(ls -d examples/* tests/fixtures/*/ | wc -l) folders, and the server with a stray document)"
exit "$fail"
