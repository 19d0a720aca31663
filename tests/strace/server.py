"""Drives the language server for tests/strace/outside.sh: initialize on ROOT
(a workspace folder), open a document of ROOT and one from outside every
folder (STRAY, given by text only), hover both, edit, then shut down.

    python3 tests/strace/server.py ROOT STRAY -- COMMAND...
"""
import json
import subprocess
import sys
import time

root, stray = sys.argv[1], sys.argv[2]
cmd = sys.argv[sys.argv.index("--") + 1:]
p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def send(msg):
    body = json.dumps(msg).encode()
    p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    p.stdin.flush()


def read():
    length = 0
    while True:
        line = p.stdout.readline()
        if not line:
            raise SystemExit("the server ended early")
        line = line.strip()
        if not line:
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(p.stdout.read(length))


def request(i, method, params):
    send({"jsonrpc": "2.0", "id": i, "method": method, "params": params})
    while True:
        m = read()
        if m.get("id") == i and "method" not in m:
            return m
        if "id" in m and "method" in m:  # a request from the server
            send({"jsonrpc": "2.0", "id": m["id"], "result": None})


uri = lambda path: "file://" + path
request(1, "initialize", {"processId": None, "rootUri": uri(root),
                          "workspaceFolders": [{"uri": uri(root), "name": "root"}],
                          "capabilities": {}})
send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
stray_text = "export default { f(env) { return env.ROOMS.idFromName('x'); } };\n"
send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
    "uri": uri(stray), "languageId": "typescript", "version": 1, "text": stray_text}}})
src = root + "/src/index.ts"
send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
    "uri": uri(src), "languageId": "typescript", "version": 1, "text": open(src).read()}}})
h = request(2, "textDocument/hover", {"textDocument": {"uri": uri(stray)},
                                      "position": {"line": 0, "character": 45}})
assert "idFromName" in json.dumps(h), h
send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
    "textDocument": {"uri": uri(stray), "version": 2},
    "contentChanges": [{"text": stray_text + "// edited\n"}]}})
request(3, "textDocument/hover", {"textDocument": {"uri": uri(src)}, "position": {"line": 0, "character": 0}})
time.sleep(0.5)
request(4, "shutdown", None)
send({"jsonrpc": "2.0", "method": "exit", "params": None})
sys.exit(p.wait(timeout=10))
