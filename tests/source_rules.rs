//! The source rules (DO122, DO2xx–DO5xx), one inline fixture per case: each
//! rule where it fires, and where a careful user wrote the right thing.

#[path = "support/inline.rs"]
mod inline;
use inline::check;

// ---------------------------------------------------------------- DO201

#[test]
fn do201_constructor_without_super() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
compatibility_date = "2025-06-01"
durable_objects.bindings = [{ name = "ROOM", class_name = "Room" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Room"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject<Env> {
  count = 0;
  constructor(ctx: DurableObjectState, env: Env) {
//^^^^^^^^^^^ DO201
    console.log("starting");
  }
}
export default { fetch() { return new Response("ok"); } };
"#,
    );
}

#[test]
fn do201_this_before_super_and_one_argument() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
durable_objects.bindings = [{ name = "ROOM", class_name = "Room" }, { name = "LOBBY", class_name = "Lobby" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Room", "Lobby"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  constructor(ctx, env) {
    this.ready = false;
//  ^^^^ DO201
    super(ctx, env);
  }
}
export class Lobby extends DurableObject {
  constructor(ctx, env) {
    super(ctx);
//  ^^^^^^^^^^ DO201
  }
}
export default { fetch() { return new Response("ok"); } };
"#,
    );
}

#[test]
fn do201_silent_on_correct_constructors() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
durable_objects.bindings = [{ name = "ROOM", class_name = "Room" }, { name = "SPREAD", class_name = "Spread" }, { name = "OLD", class_name = "Old" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Room", "Spread", "Old"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
import { Agent } from "agents";
export class Room extends DurableObject<Env> {
  sql: SqlStorage;
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
  }
}
export class Spread extends DurableObject {
  constructor(...args: [DurableObjectState, Env]) {
    super(...args);
  }
}
// A legacy class (no base) needs no super call.
export class Old {
  constructor(state, env) { this.state = state; }
  async fetch() { return new Response("old"); }
}
// Not a Durable Object: an unrelated class with a base.
class Helper extends Map {
  constructor() { this.x = 1; }
}
export class Chat extends Agent<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
  }
}
export default { fetch() { return new Response("ok"); } };
"#,
    );
}

// ---------------------------------------------------------------- DO202–DO205

#[test]
fn do202_timers_inside_a_durable_object_only() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
durable_objects.bindings = [{ name = "ROOM", class_name = "Room" }, { name = "H", class_name = "Hibernating" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Room", "Hibernating"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  async fetch() {
    setInterval(() => this.flush(), 1000);
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO202 warning
    // A sleep awaited in the request ends with it.
    await new Promise((r) => setTimeout(r, 50));
    // A one-off deferral in a class that does not hibernate: not reported.
    setTimeout(() => this.flush(), 10);
    return new Response("ok");
  }
  flush() {}
}
export class Hibernating extends DurableObject {
  async fetch() {
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    setTimeout(() => this.flush(), 30_000);
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO202 warning
    // A deferral to the next turn of the event loop: not reported.
    setTimeout(() => this.flush(), 0);
    return new Response(null, { status: 101, webSocket: client });
  }
  webSocketMessage() {}
  flush() {}
}
// Outside any Durable Object: never a finding.
function debounce(f) { return () => setTimeout(f, 10); }
export default { fetch() { setInterval(() => {}, 5); return new Response("ok"); } };
"#,
    );
}

#[test]
fn do203_constructor_reads_outside_block_concurrency() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
durable_objects.bindings = [{ name = "ROOM", class_name = "Room" }, { name = "GOOD", class_name = "Good" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Room", "Good"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  value = 0;
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.get("value").then((v) => { this.value = v ?? 0; });
//  ^^^^^^^^^^^^^^^^^^^^^^^^ DO203 info
  }
}
export class Good extends DurableObject {
  value = 0;
  constructor(ctx, env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.value = (await ctx.storage.get("value")) ?? 0;
    });
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)");
  }
}
export default { fetch() { return new Response("ok"); } };
"#,
    );
}

#[test]
fn do204_do205_block_concurrency_in_a_method_and_wait_until() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
durable_objects.bindings = [{ name = "ROOM", class_name = "Room" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Room"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {});
  }
  async fetch(req) {
    await this.ctx.blockConcurrencyWhile(async () => {});
//        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO204 info
    this.ctx.waitUntil(fetch("https://example.com"));
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO205 hint
    return new Response("ok");
  }
}
export default {
  fetch(req, env, ctx) { ctx.waitUntil(Promise.resolve()); return new Response("ok"); },
};
"#,
    );
}

// ---------------------------------------------------------------- DO206, DO207

#[test]
fn do206_set_alarm_without_handler_and_non_positive_time() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
durable_objects.bindings = [{ name = "A", class_name = "NoHandler" }, { name = "B", class_name = "Zero" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["NoHandler", "Zero"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class NoHandler extends DurableObject {
  async fetch() {
    await this.ctx.storage.setAlarm(Date.now() + 1000);
//        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO206
    return new Response("ok");
  }
}
export class Zero extends DurableObject {
  async fetch() {
    await this.ctx.storage.setAlarm(0);
//                                  ^ DO206
    return new Response("ok");
  }
  async alarm() {}
}
export default { fetch() { return new Response("ok"); } };
"#,
    );
}

#[test]
fn do206_silent_with_a_handler_in_a_local_base_or_a_framework_base() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
durable_objects.bindings = [{ name = "A", class_name = "Child" }, { name = "B", class_name = "Box" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Child", "Box"] }]
//- /src/base.ts
import { DurableObject } from "cloudflare:workers";
export class Scheduled extends DurableObject {
  async alarm() { await this.tick(); }
  async tick() {}
}
//- /src/index.ts
import { Scheduled } from "./base";
import { Container } from "@cloudflare/containers";
export class Child extends Scheduled {
  async fetch() {
    await this.ctx.storage.setAlarm(Date.now() + 60_000);
    return new Response("ok");
  }
}
export class Box extends Container {
  async start() { await this.ctx.storage.setAlarm(Date.now() + 5); }
}
export default { fetch() { return new Response("ok"); } };
"#,
    );
}

#[test]
fn do207_delete_all_before_delete_alarm_depends_on_the_date() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
compatibility_date = "2025-09-01"
durable_objects.bindings = [{ name = "S", class_name = "Session" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Session"] }]
[env.next]
compatibility_date = "2026-03-01"
durable_objects.bindings = [{ name = "S", class_name = "Session" }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Session extends DurableObject {
  async fetch() {
    await this.ctx.storage.setAlarm(Date.now() + 3_600_000);
    return new Response("ok");
  }
  async reset() {
    await this.ctx.storage.deleteAll();
//        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO207 warning
  }
  async alarm() {
    // The alarm that runs is spent: nothing is left scheduled.
    await this.ctx.storage.deleteAll();
  }
  async logout() {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }
}
export default { fetch() { return new Response("ok"); } };
"#,
    );
}

// ---------------------------------------------------------------- DO301, DO306

#[test]
fn do301_sql_on_a_kv_backed_class_per_environment() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
durable_objects.bindings = [{ name = "C", class_name = "Counter" }]
migrations = [{ tag = "v1", new_classes = ["Counter"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
//             ^^^^^^^^^^^^^^^ DO301
  }
  async bump() {
    this.ctx.storage.transactionSync(() => {});
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO301
    return this.ctx.storage.get("n");
  }
}
export default { fetch() { return new Response("ok"); } };
"#,
    );
}

#[test]
fn do301_silent_on_sqlite_classes_and_plain_kv_calls() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
durable_objects.bindings = [{ name = "C", class_name = "Counter" }, { name = "K", class_name = "Legacy" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Counter"] }, { tag = "v2", new_classes = ["Legacy"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  async bump() {
    this.ctx.storage.sql.exec("UPDATE c SET n = n + 1");
    return this.ctx.storage.kv.get("n");
  }
}
export class Legacy extends DurableObject {
  async bump() {
    const n = ((await this.ctx.storage.get("n")) ?? 0) + 1;
    await this.ctx.storage.put("n", n);
    return n;
  }
}
export default { fetch() { return new Response("ok"); } };
"#,
    );
}

#[test]
fn do306_more_than_128_keys_error_on_kv_info_on_sqlite() {
    let keys: Vec<String> = (0..129).map(|i| format!("\"k{i}\"")).collect();
    let keys = keys.join(", ");
    let fixture = r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
durable_objects.bindings = [{ name = "K", class_name = "Kv" }, { name = "S", class_name = "Sq" }]
migrations = [{ tag = "v1", new_classes = ["Kv"] }, { tag = "v2", new_sqlite_classes = ["Sq"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Kv extends DurableObject {
  async load() { return this.ctx.storage.get([KEYS]); }
//                                           ^ DO306 error
  async few() { return this.ctx.storage.get(["a", "b"]); }
}
export class Sq extends DurableObject {
  async drop() { return this.ctx.storage.delete([KEYS]); }
//                                              ^ DO306 info
}
export default { fetch() { return new Response("ok"); } };
"#
    .replace("KEYS", &keys);
    // The carets mark the array's first character; the span runs on.
    let fixture = fixture.replace(
        "//                                           ^ DO306 error",
        &format!(
            "//                                           {} DO306 error",
            "^".repeat(keys.len() + 2)
        ),
    );
    let fixture = fixture.replace(
        "//                                              ^ DO306 info",
        &format!(
            "//                                              {} DO306 info",
            "^".repeat(keys.len() + 2)
        ),
    );
    check(&fixture);
}

// ---------------------------------------------------------------- DO302–DO305

#[test]
fn do302_transaction_statements_not_trigger_bodies() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
durable_objects.bindings = [{ name = "D", class_name = "Db" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Db"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Db extends DurableObject {
  sql = this.ctx.storage.sql;
  migrate() {
    this.ctx.storage.sql.exec("BEGIN TRANSACTION");
//                            ^^^^^^^^^^^^^^^^^^^ DO302
    this.ctx.storage.sql.exec(`
      CREATE TRIGGER IF NOT EXISTS touch AFTER UPDATE ON items BEGIN
        UPDATE items SET updated = unixepoch() WHERE id = NEW.id;
      END;
    `);
    this.ctx.storage.sql.exec("SELECT 'BEGIN' AS word -- COMMIT");
    this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec("INSERT INTO items (id) VALUES (?)", 1);
    });
  }
}
export default { fetch() { return new Response("ok"); } };
"#,
    );
}

#[test]
fn do303_reserved_names_as_names_only() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
durable_objects.bindings = [{ name = "D", class_name = "Db" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Db"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Db extends DurableObject {
  peek() {
    return this.ctx.storage.sql.exec('SELECT * FROM "_cf_KV"').toArray();
//                                   ^^^^^^^^^^^^^^^^^^^^^^^^ DO303
  }
  fine() {
    this.ctx.storage.sql.exec("INSERT INTO notes (body) VALUES ('_cf_ is reserved') -- _cf_KV");
    return this.ctx.storage.sql.exec("SELECT name FROM sqlite_master WHERE name NOT LIKE '\\_cf\\_%'");
  }
}
export default { fetch() { return new Response("ok"); } };
"#,
    );
}

#[test]
fn do304_do305_booleans_and_interpolation() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
durable_objects.bindings = [{ name = "D", class_name = "Db" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Db"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
const TABLE = "items";
export class Db extends DurableObject {
  mark(id: string) {
    this.ctx.storage.sql.exec("UPDATE items SET done = ? WHERE id = ?", true, id);
//                                                                      ^^^^ DO304 warning
    this.ctx.storage.sql.exec(`SELECT * FROM items WHERE id = '${id}'`);
//                            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO305 warning
  }
  safe(ids: string[]) {
    this.ctx.storage.sql.exec("UPDATE items SET done = ? WHERE id = ?", 1, ids[0]);
    this.ctx.storage.sql.exec(`SELECT * FROM ${TABLE} WHERE id IN (${ids.map(() => "?").join(",")})`, ...ids);
  }
}
export default { fetch() { return new Response("ok"); } };
"#,
    );
}

// ---------------------------------------------------------------- DO401, DO403–DO406

#[test]
fn do401_accept_on_a_server_socket() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
durable_objects.bindings = [{ name = "C", class_name = "Chat" }, { name = "P", class_name = "Plain" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Chat", "Plain"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Chat extends DurableObject {
  async fetch() {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
//  ^^^^^^^^^^^^^^^ DO401 error
    return new Response(null, { status: 101, webSocket: client });
  }
  webSocketMessage(ws, msg) {}
}
export class Plain extends DurableObject {
  async fetch() {
    const pair = new WebSocketPair();
    const server = pair[1];
    server.accept();
//  ^^^^^^^^^^^^^^^ DO401 warning
    return new Response(null, { status: 101, webSocket: pair[0] });
  }
  async dial() {
    // An outgoing socket must be accepted: never DO401.
    const res = await fetch("https://example.com/ws", { headers: { Upgrade: "websocket" } });
    const ws = res.webSocket;
    ws.accept();
  }
}
export default { fetch() { return new Response("ok"); } };
"#,
    );
}

#[test]
fn do403_do404_do405_do406_hibernation() {
    let long = "x".repeat(300);
    let fixture = r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
durable_objects.bindings = [{ name = "C", class_name = "Chat" }, { name = "B", class_name = "Both" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Chat", "Both"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Chat extends DurableObject {
  async fetch() {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]);
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO404
//                                   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO405
    this.upstream = new WebSocket("wss://example.com");
//                  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO403
    return new Response(null, { status: 101, webSocket: client });
  }
}
export class Both extends DurableObject {
  async fetch() {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
//  ^^^^^^^^^^^^^^^ DO406
    this.ctx.acceptWebSocket(server, ["LONG"]);
//                                   ^^^^^^^^ DO405
    return new Response(null, { status: 101, webSocket: client });
  }
  webSocketMessage(ws, message) { ws.send(message); }
}
export default { fetch() { return new Response("ok"); } };
"#
    .replace("LONG", &long)
    .replace(
        "//                                   ^^^^^^^^ DO405",
        &format!("//                                   {} DO405", "^".repeat(long.len() + 4)),
    );
    check(&fixture);
}

#[test]
fn hibernation_done_right_is_silent() {
    check(
        r#"
//- /wrangler.toml
name = "chat"
main = "src/index.ts"
compatibility_date = "2025-10-01"
durable_objects.bindings = [{ name = "ROOMS", class_name = "ChatRoom" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["ChatRoom"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class ChatRoom extends DurableObject<Env> {
  sessions = new Map<WebSocket, { name: string }>();
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    for (const ws of ctx.getWebSockets()) {
      this.sessions.set(ws, ws.deserializeAttachment());
    }
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }
  async fetch(request: Request): Promise<Response> {
    const pair = new WebSocketPair();
    const [client, server] = Object.values(pair);
    this.ctx.acceptWebSocket(server, ["room:lobby"]);
    server.serializeAttachment({ name: "anon" });
    return new Response(null, { status: 101, webSocket: client });
  }
  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
    for (const other of this.ctx.getWebSockets("room:lobby")) other.send(message);
  }
  async webSocketClose(ws: WebSocket, code: number) { ws.close(code, "bye"); }
}
export default {
  async fetch(request: Request, env: Env) {
    return env.ROOMS.getByName("lobby").fetch(request);
  },
} satisfies ExportedHandler<Env>;
"#,
    );
}

// ---------------------------------------------------------------- DO5xx

#[test]
fn do501_do502_do504_literals() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
durable_objects.bindings = [{ name = "ROOM", class_name = "Room" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Room"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {}
export default {
  async fetch(req: Request, env: Env) {
    env.ROOM.getByName("a", { locationHint: "europe" });
//                                          ^^^^^^^^ DO501 warning
    env.ROOM.get(env.ROOM.idFromName("b"), { locationHint: "weur" });
    env.ROOM.jurisdiction("eu-west");
//                        ^^^^^^^^^ DO502
    env.ROOM.newUniqueId({ jurisdiction: "fedramp-high" });
    env.ROOM.idFromString("abc");
//                        ^^^^^ DO504
    env.ROOM.idFromString("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    return new Response("ok");
  },
};
"#,
    );
}

// ---------------------------------------------------------------- DO122

#[test]
fn do122_missing_rpc_method() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
compatibility_date = "2025-01-01"
durable_objects.bindings = [{ name = "COUNTER", class_name = "Counter" }, { name = "AGENT", class_name = "Helper" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Counter", "Helper"] }]
//- /src/base.ts
import { DurableObject } from "cloudflare:workers";
export class Base extends DurableObject {
  async reset() {}
}
//- /src/index.ts
import { Base } from "./base";
import { Agent } from "agents";
export class Counter extends Base {
  async increment() { return 1; }
  get total() { return 2; }
}
export class Helper extends Agent {}
export default {
  async fetch(req: Request, env: any) {
    await env.COUNTER.getByName("a").increment();
    await env.COUNTER.getByName("a").reset();
    await env.COUNTER.getByName("a").total;
    await env.COUNTER.get(env.COUNTER.idFromName("a")).fetch(req);
    await env.COUNTER.getByName("a").incremnt();
//                                   ^^^^^^^^ DO122 error
    await env.AGENT.getByName("a").anything();
    return new Response("ok");
  },
};
"#,
    );
}

#[test]
fn do122_get_put_delete_shadowed_before_2024_03_26() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
compatibility_date = "2024-03-01"
compatibility_flags = ["rpc"]
durable_objects.bindings = [{ name = "STORE", class_name = "Store" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Store"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Store extends DurableObject {
  async get(key: string) { return this.ctx.storage.get(key); }
}
export default {
  async fetch(req: Request, env: any) {
    await env.STORE.getByName("a").get("k");
//                                 ^^^ DO122 warning
    return new Response("ok");
  },
};
"#,
    );
}

// ---------------------------------------------------------------- precision

#[test]
fn members_added_at_run_time_silence_member_rules() {
    // `this` handed to other code in a field initializer or the constructor
    // may install handlers (`alarm`, `webSocketMessage`): the member list is
    // not known, so DO206, DO404 and DO122 stay silent.
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
durable_objects.bindings = [{ name = "L", class_name = "Host" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Host"] }]
//- /src/lifecycle.ts
export const Lifecycle = { install(host: any) { host.alarm = async () => {}; return host; } };
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
import { Lifecycle } from "./lifecycle";
export class Host extends DurableObject {
  readonly lifecycle = Lifecycle.install(this);
  async fetch() {
    await this.ctx.storage.setAlarm(Date.now() + 1000);
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }
}
export default {
  async fetch(req: Request, env: any) { return env.L.getByName("a").installed(); },
};
"#,
    );
}

#[test]
fn standard_websockets_bound_queries_and_push_sockets_are_silent() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
durable_objects.bindings = [{ name = "R", class_name = "Relay" }, { name = "P", class_name = "Push" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Relay", "Push"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Relay extends DurableObject {
  async fetch() {
    const pair = new WebSocketPair();
    const [client, server] = Object.values(pair);
    server.accept();
    server.addEventListener("message", (e) => server.send(e.data));
    return new Response(null, { status: 101, webSocket: client });
  }
  search(where: string, params: unknown[]) {
    return this.ctx.storage.sql.exec(`SELECT * FROM items ${where}`, ...params).toArray();
  }
}
export class Push extends DurableObject {
  async fetch() {
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }
  webSocketClose(ws: WebSocket) { ws.close(); }
}
export default { fetch() { return new Response("ok"); } };
"#,
    );
}

// ---------------------------------------------------------------- helpers

#[test]
fn do110_namespaces_passed_to_the_ecosystems_helpers() {
    check(
        r#"
//- /wrangler.jsonc
{
  "name": "w",
  "main": "src/index.ts",
  "compatibility_date": "2025-10-01",
  "containers": [{ "class_name": "Box", "image": "./Dockerfile" }],
  "durable_objects": { "bindings": [{ "name": "BOX", "class_name": "Box" }, { "name": "Sandbox", "class_name": "Sandbox" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Box", "Sandbox"] }]
}
//- /src/index.ts
import { Container, getContainer, getRandom } from "@cloudflare/containers";
import { getSandbox } from "@cloudflare/sandbox";
export { Sandbox } from "@cloudflare/sandbox";
export class Box extends Container { defaultPort = 8080; }
function getAgentByName(ns: unknown, name: string) { return ns; }
export default {
  async fetch(request: Request, env: Env) {
    await getContainer(env.BOX, "a").fetch(request);
    await getRandom(env.BOX, 3);
    await getContainer(env.BOXES, "b").fetch(request);
//                         ^^^^^ DO110 error
    await getSandbox(this.env.SandBox, "s").exec("ls");
//                            ^^^^^^^ DO110 error
    getAgentByName(env.NOT_A_NAMESPACE, "local function: not a use");
    return getSandbox(env.Sandbox, "s").exec("ls");
  },
};
"#,
    );
}

#[test]
fn do110_a_stale_env_type_is_info() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
durable_objects.bindings = [{ name = "ROOMS", class_name = "Room" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Room"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
interface Env {
  ROOMS: DurableObjectNamespace<Room>;
  LOBBY: DurableObjectNamespace;
//^^^^^ DO110 info
}
export class Room extends DurableObject<Env> {}
export default {
  fetch(req: Request, env: Env) { return env.ROOMS.getByName("a").fetch(req); },
};
"#,
    );
}

// ---------------------------------------------------------------- the corpus

/// Whole correct projects, written in the styles of Cloudflare's templates
/// and examples: not one error or warning, from any rule.
#[test]
fn the_correct_corpus_raises_no_error_or_warning() {
    use durable_lsp::project::fs::MemFs;
    use durable_lsp::project::Workspace;
    use durable_lsp::rules::{self, registry::Severity};
    use durable_lsp::settings::Settings;
    use std::path::{Path, PathBuf};

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut projects: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "fixture"))
        .collect();
    projects.sort();
    assert!(
        projects.len() >= 10,
        "the corpus has {} projects",
        projects.len()
    );
    let mut failures = Vec::new();
    let mut classes = 0;
    for p in &projects {
        let text = std::fs::read_to_string(p).unwrap();
        let root = Path::new("/corpus");
        let fs = MemFs::from_fixture(root, &text);
        let ws = Workspace::load(&fs, &[PathBuf::from(root)]);
        assert_eq!(ws.workers.len(), 1, "{}: one Worker", p.display());
        let results = rules::check_workers(&ws, &fs, &Settings::default());
        classes += results
            .iter()
            .flat_map(|r| r.classes.iter())
            .map(|m| m.classes.len())
            .max()
            .unwrap_or(0);
        let report = rules::assemble(&ws, &results, &Settings::default());
        for d in &report.diagnostics {
            if matches!(d.severity, Severity::Error | Severity::Warning) {
                failures.push(format!(
                    "{}: {} {} at {:?}: {}",
                    p.file_name().unwrap().to_string_lossy(),
                    d.code,
                    d.severity.as_str(),
                    d.span,
                    d.message
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        classes >= 10,
        "the corpus has Durable Object classes in the model: {classes}"
    );
}

// ---------------------------------------------------------------- harness configs

#[test]
fn a_harness_is_what_runs_tests_never_a_folder_name() {
    // A config in a folder named like a test suite that `wrangler dev`
    // serves is a deploy config (DO102 error); one that a test starts with
    // getPlatformProxy is a harness (DO102 info).
    check(
        r#"
//- /e2e-test/wrangler.toml
name = "served"
main = "index.ts"
durable_objects.bindings = [{ name = "A", class_name = "Alpha" }]
#                                                      ^^^^^^^ DO102 error
//- /e2e-test/index.ts
import { DurableObject } from "cloudflare:workers";
export class Alpha extends DurableObject {}
export default { fetch(req: Request, env: any) { return env.A.getByName("a").fetch(req); } };
//- /app/package.json
{ "name": "app", "private": true }
//- /app/wrangler.proxy.toml
name = "proxy"
main = "src/index.ts"
durable_objects.bindings = [{ name = "B", class_name = "Beta" }]
#                                                      ^^^^^^ DO102 info
//- /app/src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Beta extends DurableObject {}
export default { fetch(req: Request, env: any) { return env.B.getByName("b").fetch(req); } };
//- /app/test/index.test.ts
import { getPlatformProxy } from "wrangler";
const proxy = await getPlatformProxy({ configPath: "./wrangler.proxy.toml" });
"#,
    );
}

#[test]
fn a_test_that_spawns_wrangler_dev_or_a_test_script_makes_a_harness() {
    // A test file that spawns `wrangler dev` on a config it names, and a
    // package's `test:*` script that runs `wrangler dev` in a folder: both
    // configs are harnesses (DO102 info). A `dev` script is not a test.
    check(
        r#"
//- /pkg/package.json
{ "name": "pkg", "scripts": { "dev": "wrangler dev -c app/wrangler.toml", "test:mem": "cd mem && npx wrangler dev --port 8787" } }
//- /pkg/app/wrangler.toml
name = "app"
main = "index.ts"
durable_objects.bindings = [{ name = "A", class_name = "Alpha" }]
#                                                      ^^^^^^^ DO102 error
//- /pkg/app/index.ts
import { DurableObject } from "cloudflare:workers";
export class Alpha extends DurableObject {}
export default { fetch(req: Request, env: any) { return env.A.getByName("a").fetch(req); } };
//- /pkg/mem/wrangler.toml
name = "mem"
main = "index.ts"
durable_objects.bindings = [{ name = "B", class_name = "Beta" }]
#                                                      ^^^^^^ DO102 info
//- /pkg/mem/index.ts
import { DurableObject } from "cloudflare:workers";
export class Beta extends DurableObject {}
export default { fetch(req: Request, env: any) { return env.B.getByName("b").fetch(req); } };
//- /pkg/e2e/wrangler.jsonc
{ "name": "e2e", "main": "worker.ts",
  "durable_objects": { "bindings": [{ "name": "C", "class_name": "Gamma" }] } }
//                                                               ^^^^^^^ DO102 info
//- /pkg/e2e/worker.ts
import { DurableObject } from "cloudflare:workers";
export class Gamma extends DurableObject {}
export default { fetch(req: Request, env: any) { return env.C.getByName("c").fetch(req); } };
//- /pkg/e2e/eviction.test.ts
import { spawn } from "node:child_process";
const configPath = path.join(__dirname, "wrangler.jsonc");
spawn("npx", ["wrangler", "dev", "--config", configPath]);
"#,
    );
}

// ---------------------------------------------------------------- DO208, DO402

#[test]
fn do208_alarm_that_can_throw_without_reading_retries() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
compatibility_date = "2026-03-01"
durable_objects.bindings = [{ name = "A", class_name = "Sync" }, { name = "B", class_name = "Careful" }, { name = "C", class_name = "Counted" }, { name = "D", class_name = "Quiet" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Sync", "Careful", "Counted", "Quiet"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Sync extends DurableObject {
  async alarm() {
//      ^^^^^ DO208
    const res = await fetch("https://example.com/push");
    if (!res.ok) throw new Error("push failed"); // retried
  }
}
export class Careful extends DurableObject {
  async alarm() {
    try {
      await fetch("https://example.com/push");
    } catch (e) {
      await this.ctx.storage.setAlarm(Date.now() + 60_000);
    }
  }
}
export class Counted extends DurableObject {
  async alarm(info?: AlarmInvocationInfo) {
    if ((info?.retryCount ?? 0) > 3) return;
    await fetch("https://example.com/push");
  }
}
export class Quiet extends DurableObject {
  async alarm() {
    // throw nothing: only storage work
    this.ctx.storage.sql.exec("DELETE FROM jobs WHERE done = 1");
  }
}
export default { fetch(req: Request, env: any) { return env.A.getByName("a").fetch(req); } };
"#,
    );
}

#[test]
fn do402_per_socket_state_never_rebuilt() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
compatibility_date = "2025-10-01"
durable_objects.bindings = [{ name = "A", class_name = "Lossy" }, { name = "B", class_name = "Standard" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Lossy", "Standard"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Lossy extends DurableObject {
  private sessions: Map<WebSocket, string> = new Map();
//        ^^^^^^^^ DO402
  counts = new Map<string, number>();
  async fetch(request: Request) {
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    this.sessions.set(server, request.headers.get("x-user") ?? "anon");
    this.counts.set("total", (this.counts.get("total") ?? 0) + 1);
    return new Response(null, { status: 101, webSocket: client });
  }
  webSocketMessage(ws: WebSocket, m: string) { ws.send(this.sessions.get(ws) ?? m); }
}
export class Standard extends DurableObject {
  sessions = new Map<WebSocket, string>();
  async fetch(request: Request) {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    this.sessions.set(server, "anon");
    server.addEventListener("message", (e) => server.send(String(e.data)));
    return new Response(null, { status: 101, webSocket: client });
  }
}
export default { fetch(req: Request, env: any) { return env.A.getByName("a").fetch(req); } };
"#,
    );
}

// ---------------------------------------------------------------- DO503, DO603

#[test]
fn do503_location_hint_on_a_jurisdiction_stub() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
compatibility_date = "2025-10-01"
durable_objects.bindings = [{ name = "ROOMS", class_name = "Room" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Room"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {}
export default {
  async fetch(req: Request, env: any) {
    const eu = env.ROOMS.jurisdiction("eu").getByName("a", { locationHint: "weur" });
//                                                                         ^^^^^^ DO503
    const plain = env.ROOMS.getByName("b", { locationHint: "weur" });
    const only = env.ROOMS.jurisdiction("eu").getByName("c");
    return eu.fetch(req);
  },
};
"#,
    );
}

#[test]
fn do603_rpc_on_another_workers_class() {
    check(
        r#"
//- /wrangler.toml
name = "api"
main = "src/index.ts"
compatibility_date = "2025-10-01"
durable_objects.bindings = [{ name = "COUNTER", class_name = "Counter", script_name = "counter-worker" }, { name = "LOCAL", class_name = "Local" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Local"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Local extends DurableObject { ping() { return 1; } }
export default {
  async fetch(req: Request, env: any) {
    await env.COUNTER.getByName("a").increment();
//                                   ^^^^^^^^^ DO603
    await env.LOCAL.getByName("a").ping();
    return env.COUNTER.getByName("a").fetch(req);
  },
};
"#,
    );
}

// ---------------------------------------------------------------- DO6xx

#[test]
fn do601_block_concurrency_with_an_old_locked_wrangler() {
    check(
        r#"
//- /package.json
{ "name": "w", "devDependencies": { "wrangler": "^4.10.0" } }
//- /package-lock.json
{ "lockfileVersion": 3, "packages": { "": {}, "node_modules/wrangler": { "version": "4.17.0" } } }
//- /wrangler.toml
name = "w"
main = "src/index.ts"
compatibility_date = "2025-06-01"
durable_objects.bindings = [{ name = "A", class_name = "Store" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Store"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Store extends DurableObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO601
      this.value = await ctx.storage.get("value");
    });
  }
  async fetch() { return new Response(String(this.value)); }
}
export default { fetch(req: Request, env: any) { return env.A.getByName("a").fetch(req); } };
//- /fixed/package.json
{ "name": "fixed", "devDependencies": { "wrangler": "4.17.0" } }
//- /fixed/pnpm-lock.yaml
lockfileVersion: '9.0'
packages:

  wrangler@4.20.1:
    resolution: {integrity: sha512-x}
//- /fixed/wrangler.toml
name = "fixed"
main = "src/index.ts"
compatibility_date = "2025-06-01"
durable_objects.bindings = [{ name = "A", class_name = "Store" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Store"] }]
//- /fixed/src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Store extends DurableObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => { this.value = await ctx.storage.get("value"); });
  }
}
export default { fetch(req: Request, env: any) { return env.A.getByName("a").fetch(req); } };
"#,
    );
}

#[test]
fn do602_id_name_with_the_broken_vitest_pool() {
    check(
        r#"
//- /package.json
{ "name": "w", "devDependencies": { "@cloudflare/vitest-pool-workers": "0.8.71" } }
//- /node_modules/@cloudflare/vitest-pool-workers/package.json
{ "name": "@cloudflare/vitest-pool-workers", "version": "0.8.71" }
//- /wrangler.toml
name = "w"
main = "src/index.ts"
compatibility_date = "2025-06-01"
durable_objects.bindings = [{ name = "A", class_name = "Named" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Named"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Named extends DurableObject {
  whoami() { return this.ctx.id.name; }
//                  ^^^^^^^^^^^^^^^^ DO602
}
export default { fetch(req: Request, env: any) { return env.A.getByName("a").fetch(req); } };
//- /other/package.json
{ "name": "other", "devDependencies": { "@cloudflare/vitest-pool-workers": "0.8.72" } }
//- /other/node_modules/@cloudflare/vitest-pool-workers/package.json
{ "name": "@cloudflare/vitest-pool-workers", "version": "0.8.72" }
//- /other/wrangler.toml
name = "other"
main = "src/index.ts"
compatibility_date = "2025-06-01"
durable_objects.bindings = [{ name = "A", class_name = "Named" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Named"] }]
//- /other/src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Named extends DurableObject {
  whoami() { return this.ctx.id.name; }
}
export default { fetch(req: Request, env: any) { return env.A.getByName("a").fetch(req); } };
"#,
    );
}

#[test]
fn do122_on_a_stub_kept_in_a_const() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
compatibility_date = "2025-10-01"
durable_objects.bindings = [{ name = "COUNTER", class_name = "Counter" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Counter"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  async increment() { return 1; }
}
export default {
  async fetch(req: Request, env: any) {
    const stub = env.COUNTER.getByName("a");
    await stub.increment();
    await stub.incremnt();
//             ^^^^^^^^ DO122
    return stub.fetch(req);
  },
  async other(req: Request, env: any) {
    const stub = env.COUNTER.getByName("b");
    const run = (stub: any) => stub.anything();
    return run(stub);
  },
};
"#,
    );
}

// ---------------------------------------------------------------- DO102 at a ctx.exports use

#[test]
fn do102_a_class_used_through_ctx_exports_needs_a_lifecycle() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
compatibility_date = "2025-12-01"
migrations = [{ tag = "v1", new_sqlite_classes = ["Created"] }]
//- /src/index.ts
import { DurableObject, WorkerEntrypoint } from "cloudflare:workers";
export class Counter extends DurableObject { n() { return 1; } }
export class Created extends DurableObject { n() { return 2; } }
export class Api extends WorkerEntrypoint { ping() { return 3; } }
export default {
  async fetch(req: Request, env: unknown, ctx: ExecutionContext) {
    const a = await ctx.exports.Counter.getByName("a").n();
//                              ^^^^^^^ DO102
    const b = await ctx.exports.Created.getByName("b").n();
    const c = await ctx.exports.Api.ping();
    return new Response(String(a + b + c));
  },
};
//- /old/wrangler.toml
name = "old"
main = "src/index.ts"
compatibility_date = "2025-06-01"
//- /old/src/index.ts
import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {}
export default {
  fetch(req: Request, env: unknown, ctx: any) { return ctx.exports.Counter.getByName("a").fetch(req); },
};
"#,
    );
}

#[test]
fn do405_auto_response_longer_than_2048_bytes() {
    let long = "p".repeat(2049);
    let fine = "q".repeat(2048);
    let fixture = format!(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
compatibility_date = "2025-10-01"
durable_objects.bindings = [{{ name = "A", class_name = "Room" }}]
migrations = [{{ tag = "v1", new_sqlite_classes = ["Room"] }}]
//- /src/index.ts
import {{ DurableObject }} from "cloudflare:workers";
export class Room extends DurableObject {{
  constructor(ctx: DurableObjectState, env: unknown) {{
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "{long}"));
//                               {marks} DO405
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "{fine}"));
  }}
  webSocketMessage(ws: WebSocket) {{}}
}}
export default {{ fetch(req: Request, env: any) {{ return env.A.getByName("a").fetch(req); }} }};
"#,
        marks = "^".repeat("new WebSocketRequestResponsePair(\"ping\", \"\")".len() + 2049)
    );
    check(&fixture);
}

#[test]
fn do302_do303_queries_kept_in_top_level_consts() {
    check(
        r#"
//- /wrangler.toml
name = "w"
main = "src/index.ts"
compatibility_date = "2025-10-01"
durable_objects.bindings = [{ name = "A", class_name = "Store" }, { name = "B", class_name = "Shadow" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Store", "Shadow"] }]
//- /src/index.ts
import { DurableObject } from "cloudflare:workers";
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS _cf_meta (k TEXT);
`;
const TX: string = "BEGIN TRANSACTION";
const FINE = "SELECT 1";
export class Store extends DurableObject {
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
//                       ^^^^^^ DO303
  }
  run() {
    this.ctx.storage.sql.exec(TX);
//                            ^^ DO302
    return this.ctx.storage.sql.exec(FINE).toArray();
  }
}
export class Shadow extends DurableObject {
  run(TX: string) {
    this.ctx.storage.sql.exec(TX);
  }
}
export default { fetch(req: Request, env: any) { return env.A.getByName("a").fetch(req); } };
"#,
    );
}

// ------------------------------------------------------ shared classes

/// Two Workers reach one class in a shared package; one creates it
/// KV-backed, the other SQLite-backed: SQL in it is one finding (not one per
/// Worker), and it names the Worker where it holds and the one where it does
/// not. A timer, wrong in both, is one finding naming no Worker.
const SHARED: &str = r#"
//- /a/wrangler.toml
name = "a"
main = "index.ts"
compatibility_date = "2025-06-01"
durable_objects.bindings = [{ name = "ROOM", class_name = "Room" }]
migrations = [{ tag = "v1", new_classes = ["Room"] }]
//- /a/index.ts
export { Room } from "../shared/room";
export default { async fetch(req: Request, env: any) { return env.ROOM.getByName("x").fetch(req); } };
//- /b/wrangler.toml
name = "b"
main = "index.ts"
compatibility_date = "2025-06-01"
durable_objects.bindings = [{ name = "ROOM", class_name = "Room" }]
migrations = [{ tag = "v1", new_sqlite_classes = ["Room"] }]
//- /b/index.ts
export { Room } from "../shared/room";
export default { async fetch(req: Request, env: any) { return env.ROOM.getByName("x").fetch(req); } };
//- /shared/room.ts
import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  async fetch() {
    this.ctx.storage.sql.exec("SELECT 1");
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO301
    setInterval(() => this.ctx.storage.put("t", Date.now()), 1000);
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO202
    return new Response("x");
  }
}
"#;

#[test]
fn a_class_shared_by_two_workers_is_one_finding_naming_where_they_disagree() {
    check(SHARED);
    let (text, _) = inline::parse(SHARED);
    let root = std::path::Path::new("/t");
    let fs = durable_lsp::project::fs::MemFs::from_fixture(root, &text);
    let ws = durable_lsp::project::Workspace::load(&fs, &[root.to_path_buf()]);
    let report = durable_lsp::rules::check(&ws, &fs);
    let msg = |code: &str| {
        let found: Vec<&String> = report
            .diagnostics
            .iter()
            .filter(|d| d.code.as_str() == code)
            .map(|d| &d.message)
            .collect();
        assert_eq!(found.len(), 1, "{code}: {found:?}");
        found[0].clone()
    };
    assert!(
        msg("DO301").ends_with("(in Worker `a`; not in `b`, which reaches the same class)"),
        "{}",
        msg("DO301")
    );
    assert!(!msg("DO202").contains("Worker `"), "{}", msg("DO202"));
}

// ---------------------------------------------------------------- Rust (workers-rs)

/// The source rules read a workers-rs struct's `impl` blocks: `set_alarm`
/// where the attribute generates no alarm handler (`#[durable_object(fetch)]`
/// drops the `alarm` the impl defines), SQL on a KV-backed class,
/// `delete_all` before `delete_alarm`, and a transaction statement in
/// `exec`.
#[test]
fn rust_state_uses_reach_the_source_rules() {
    check(
        r#"
//- /Cargo.toml
[package]
name = "w"
version = "0.1.0"
[dependencies]
worker = "0.6"
//- /wrangler.toml
name = "w"
main = "build/index.js"
compatibility_date = "2025-06-01"
[build]
command = "worker-build --release"
[[durable_objects.bindings]]
name = "TIMER"
class_name = "Timer"
[[durable_objects.bindings]]
name = "OLD"
class_name = "Old"
[[migrations]]
tag = "v1"
new_sqlite_classes = ["Timer"]
new_classes = ["Old"]
//- /src/lib.rs
use worker::*;

#[durable_object(fetch)]
pub struct Timer {
    state: State,
}

impl DurableObject for Timer {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
    async fn fetch(&mut self, _req: Request) -> Result<Response> {
        self.state.storage().set_alarm(60_000).await?;
//      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO206
        self.state.storage().sql().exec("BEGIN TRANSACTION", None)?;
//                                      ^^^^^^^^^^^^^^^^^^^ DO302
        let _rows: Vec<u8> = self.state.storage().sql().exec("SAVEPOINT a", None)?.to_array()?;
//                                                           ^^^^^^^^^^^^^ DO302
        self.state.storage().delete_all().await?;
//      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO207
        Response::ok("")
    }
    async fn alarm(&mut self) -> Result<Response> {
        Response::ok("")
    }
}

#[durable_object]
pub struct Old {
    state: State,
}

impl DurableObject for Old {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
    async fn fetch(&mut self, _req: Request) -> Result<Response> {
        let n = self.state.storage().sql().database_size();
//              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO301
        Response::ok(format!("{n}"))
    }
}
"#,
    );
}

/// A correct workers-rs class: the alarm handler generated, SQL on a
/// SQLite-backed class, `delete_alarm` before `delete_all`.
#[test]
fn rust_state_uses_silent_when_right() {
    check(
        r#"
//- /Cargo.toml
[package]
name = "w"
version = "0.1.0"
[dependencies]
worker = "0.6"
//- /wrangler.toml
name = "w"
main = "build/index.js"
compatibility_date = "2025-06-01"
[build]
command = "worker-build --release"
[[durable_objects.bindings]]
name = "TIMER"
class_name = "Timer"
[[migrations]]
tag = "v1"
new_sqlite_classes = ["Timer"]
//- /src/lib.rs
use worker::*;

#[durable_object(alarm)]
pub struct Timer {
    state: State,
}

impl DurableObject for Timer {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
    async fn fetch(&mut self, _req: Request) -> Result<Response> {
        self.state.storage().set_alarm(60_000).await?;
        self.state.storage().sql().exec("SELECT 1", None)?;
        self.state.storage().delete_alarm().await?;
        self.state.storage().delete_all().await?;
        Response::ok("")
    }
    async fn alarm(&mut self) -> Result<Response> {
        Response::ok("")
    }
}
"#,
    );
}

/// The WebSocket rules on workers-rs: `server.accept()` in a class that
/// defines `websocket_message` (the handler never runs), a socket both
/// accepted and hibernated, an outgoing `WebSocket::connect`, an 11-tag
/// accept, and an accept in a class whose attribute wires no WebSocket
/// handler; `set_alarm` whose alarm runs the SDK's panicking default.
#[test]
fn rust_websocket_rules_fire() {
    check(
        r#"
//- /Cargo.toml
[package]
name = "w"
version = "0.1.0"
[dependencies]
worker = "0.6"
//- /wrangler.toml
name = "w"
main = "build/index.js"
compatibility_date = "2025-06-01"
[[durable_objects.bindings]]
name = "CHAT"
class_name = "Chat"
[[durable_objects.bindings]]
name = "FEED"
class_name = "Feed"
[[migrations]]
tag = "v1"
new_sqlite_classes = ["Chat", "Feed"]
//- /src/lib.rs
use worker::*;

#[durable_object]
pub struct Chat {
    state: State,
}

impl DurableObject for Chat {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
    async fn fetch(&self, req: Request) -> Result<Response> {
        if req.path() == "/plain" {
            let WebSocketPair { client, server } = WebSocketPair::new()?;
            server.accept()?;
//          ^^^^^^^^^^^^^^^ DO401
            return Response::from_websocket(client);
        }
        if req.path() == "/both" {
            let pair = WebSocketPair::new()?;
            let server = pair.server;
            server.accept()?;
//          ^^^^^^^^^^^^^^^ DO406
            self.state.accept_web_socket(&server);
            return Response::from_websocket(pair.client);
        }
        if req.path() == "/tags" {
            let WebSocketPair { client, server: s } = WebSocketPair::new()?;
            self.state.accept_websocket_with_tags(&s, &["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]);
//                                                     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO405
            return Response::from_websocket(client);
        }
        let upstream = WebSocket::connect("wss://example.com".parse()?).await?;
//                     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO403
        upstream.accept()?;
        self.state.storage().set_alarm(60_000).await?;
//      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO206
        Response::ok("")
    }
    async fn websocket_message(&self, ws: WebSocket, _m: WebSocketIncomingMessage) -> Result<()> {
        ws.send_with_str("pong")
    }
}

#[durable_object(fetch)]
pub struct Feed {
    state: State,
}

impl DurableObject for Feed {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
    async fn fetch(&self, _req: Request) -> Result<Response> {
        let WebSocketPair { client, server } = WebSocketPair::new()?;
        self.state.accept_web_socket(&server);
//      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO404
        Response::from_websocket(client)
    }
    async fn websocket_message(&self, ws: WebSocket, _m: WebSocketIncomingMessage) -> Result<()> {
        ws.send_with_str("pong")
    }
}
"#,
    );
}

/// Right WebSockets in workers-rs: hibernation with the handlers the
/// attribute wires, and the standard API on purpose (`server.events()`, no
/// hibernation handler) stay silent; so does an accepted socket the
/// object received from another (not a pair's server).
#[test]
fn rust_websocket_rules_silent_when_right() {
    check(
        r#"
//- /Cargo.toml
[package]
name = "w"
version = "0.1.0"
[dependencies]
worker = "0.6"
//- /wrangler.toml
name = "w"
main = "build/index.js"
compatibility_date = "2025-06-01"
[[durable_objects.bindings]]
name = "CHAT"
class_name = "Chat"
[[durable_objects.bindings]]
name = "PROXY"
class_name = "Proxy"
[[migrations]]
tag = "v1"
new_sqlite_classes = ["Chat", "Proxy"]
//- /src/lib.rs
use worker::*;

#[durable_object(websocket)]
pub struct Chat {
    state: State,
}

impl DurableObject for Chat {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
    async fn fetch(&self, _req: Request) -> Result<Response> {
        let pair = WebSocketPair::new()?;
        self.state.accept_websocket_with_tags(&pair.server, &["room", "user"]);
        Response::from_websocket(pair.client)
    }
    async fn websocket_message(&self, ws: WebSocket, _m: WebSocketIncomingMessage) -> Result<()> {
        ws.send_with_str("pong")
    }
}

#[durable_object(fetch)]
pub struct Proxy {
    state: State,
}

impl DurableObject for Proxy {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
    async fn fetch(&self, req: Request) -> Result<Response> {
        let WebSocketPair { client, server } = WebSocketPair::new()?;
        server.accept()?;
        let mut events = server.events()?;
        let upstream = req.headers().get("x")?;
        Response::from_websocket(client)
    }
}
"#,
    );
}

/// A TypeScript Worker calling RPC on a stub of a Rust Worker's class
/// (W-RPC-01: the struct's generated class extends nothing) gets DO117's
/// warning on its `class_name`; DO603 adds that separate dev sessions
/// cannot carry the call.
#[test]
fn do117_rpc_on_a_rust_workers_class_across_workers() {
    check(
        r#"
//- /counter/Cargo.toml
[package]
name = "counter"
version = "0.1.0"
[dependencies]
worker = "0.6"
//- /counter/wrangler.toml
name = "counter-rs"
main = "build/index.js"
compatibility_date = "2025-06-01"
[[durable_objects.bindings]]
name = "COUNTER"
class_name = "Counter"
[[migrations]]
tag = "v1"
new_sqlite_classes = ["Counter"]
//- /counter/src/lib.rs
use worker::*;

#[durable_object]
pub struct Counter {
    state: State,
}

impl DurableObject for Counter {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
    async fn fetch(&self, _req: Request) -> Result<Response> {
        Response::ok("1")
    }
}
//- /web/wrangler.toml
name = "web"
main = "src/index.ts"
compatibility_date = "2025-06-01"
[[durable_objects.bindings]]
name = "COUNTER"
class_name = "Counter"
#            ^^^^^^^^^ DO117
script_name = "counter-rs"
//- /web/src/index.ts
export default {
  async fetch(req: Request, env: Env): Promise<Response> {
    const n = await env.COUNTER.getByName("a").increment();
//                                             ^^^^^^^^^ DO603
    return new Response(String(n));
  },
};
"#,
    );
}

/// `fetch` on a stub of a Rust Worker's class is what the class handles:
/// no DO117.
#[test]
fn do117_silent_on_fetch_to_a_rust_workers_class() {
    check(
        r#"
//- /counter/Cargo.toml
[package]
name = "counter"
version = "0.1.0"
[dependencies]
worker = "0.6"
//- /counter/wrangler.toml
name = "counter-rs"
main = "build/index.js"
compatibility_date = "2025-06-01"
[[durable_objects.bindings]]
name = "COUNTER"
class_name = "Counter"
[[migrations]]
tag = "v1"
new_sqlite_classes = ["Counter"]
//- /counter/src/lib.rs
use worker::*;

#[durable_object]
pub struct Counter {
    state: State,
}

impl DurableObject for Counter {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
    async fn fetch(&self, _req: Request) -> Result<Response> {
        Response::ok("1")
    }
}
//- /web/wrangler.toml
name = "web"
main = "src/index.ts"
compatibility_date = "2025-06-01"
[[durable_objects.bindings]]
name = "COUNTER"
class_name = "Counter"
script_name = "counter-rs"
//- /web/src/index.ts
export default {
  async fetch(req: Request, env: Env): Promise<Response> {
    return env.COUNTER.getByName("a").fetch(req);
  },
};
"#,
    );
}

// ---------------------------------------------------------------- Python Workers

/// Python Workers call the runtime API by its JavaScript names: the source
/// rules read `self.ctx.storage…` in a `DurableObject` subclass's methods.
#[test]
fn python_state_uses_reach_the_source_rules() {
    check(
        r#"
//- /wrangler.toml
name = "py"
main = "src/entry.py"
compatibility_date = "2025-06-01"
compatibility_flags = ["python_workers"]
[[durable_objects.bindings]]
name = "TIMER"
class_name = "Timer"
[[durable_objects.bindings]]
name = "STORE"
class_name = "Store"
[[durable_objects.bindings]]
name = "CHAT"
class_name = "Chat"
[[migrations]]
tag = "v1"
new_sqlite_classes = ["Timer", "Chat"]
new_classes = ["Store"]
//- /src/entry.py
from workers import DurableObject, Response, WorkerEntrypoint


class Timer(DurableObject):
    async def fetch(self, request):
        await self.ctx.storage.setAlarm(1000)
#             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO206
        return Response("ok")


class Store(DurableObject):
    async def fetch(self, request):
        rows = self.ctx.storage.sql.exec("SELECT 1").toArray()
#              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO301
        return Response("ok")


class Chat(DurableObject):
    async def fetch(self, request):
        self.ctx.storage.sql.exec("BEGIN TRANSACTION")
#                                 ^^^^^^^^^^^^^^^^^^^ DO302
        await self.ctx.storage.setAlarm(1000)
        await self.ctx.storage.deleteAll()
#             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DO207
        return Response("ok")

    async def alarm(self, info):
        pass


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await self.env.CHAT.getByName("a").fetch(request)
"#,
    );
}

/// A correct Python Durable Object: `blockConcurrencyWhile` in `__init__`,
/// an alarm handler for `setAlarm`, SQL on a SQLite-backed class, an alarm
/// that catches what it raises.
#[test]
fn python_state_uses_silent_when_right() {
    check(
        r#"
//- /wrangler.toml
name = "py"
main = "src/entry.py"
compatibility_date = "2025-06-01"
compatibility_flags = ["python_workers"]
[[durable_objects.bindings]]
name = "ROOM"
class_name = "Room"
[[migrations]]
tag = "v1"
new_sqlite_classes = ["Room"]
//- /src/entry.py
from workers import DurableObject, Response, WorkerEntrypoint, fetch


class Room(DurableObject):
    def __init__(self, ctx, env):
        super().__init__(ctx, env)

        async def init():
            self.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS t (x)")

        ctx.blockConcurrencyWhile(init)

    async def fetch(self, request):
        name = "a"
        self.ctx.storage.sql.exec(f"SELECT * FROM t WHERE x = {name}")
        await self.ctx.storage.deleteAlarm()
        await self.ctx.storage.deleteAll()
        await self.ctx.storage.setAlarm(1000)
        return Response("ok")

    async def alarm(self, info):
        try:
            await fetch("https://example.com")
        except Exception:
            await self.ctx.storage.setAlarm(60000)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await self.env.ROOM.getByName("a").fetch(request)
"#,
    );
}

/// The config ↔ source rules on a workers-rs crate: a migration keeps a
/// class live that no struct defines (DO103), a binding no code looks up
/// (DO111), and another Worker binding a class the crate does not define
/// (DO119).
#[test]
fn rust_config_and_source_cross_checks() {
    check(
        r#"
//- /counter/Cargo.toml
[package]
name = "counter"
version = "0.1.0"
[dependencies]
worker = "0.6"
//- /counter/wrangler.toml
name = "counter-rs"
main = "build/index.js"
compatibility_date = "2025-06-01"
[[durable_objects.bindings]]
name = "COUNTER"
class_name = "Counter"
[[durable_objects.bindings]]
name = "SPARE"
#      ^^^^^^^ DO111
class_name = "Counter"
[[migrations]]
tag = "v1"
new_sqlite_classes = ["Counter", "Ledger"]
#                                ^^^^^^^^ DO103
//- /counter/src/lib.rs
use worker::*;

#[durable_object]
pub struct Counter {
    state: State,
}

impl DurableObject for Counter {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
    async fn fetch(&self, _req: Request) -> Result<Response> {
        Response::ok("1")
    }
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    env.durable_object("COUNTER")?.get_by_name("a")?.fetch_with_request(req).await
}
//- /web/wrangler.toml
name = "web"
main = "src/index.ts"
compatibility_date = "2025-06-01"
[[durable_objects.bindings]]
name = "LEDGER"
class_name = "Ledgers"
#            ^^^^^^^^^ DO119
script_name = "counter-rs"
//- /web/src/index.ts
export default {
  async fetch(req: Request, env: Env): Promise<Response> {
    return env.LEDGER.getByName("a").fetch(req);
  },
};
"#,
    );
}

/// The literals the runtime checks, in the SDK's methods: a location hint
/// (DO501), a jurisdiction (DO502) and a hex ID (DO504); valid ones are
/// silent.
#[test]
fn rust_namespace_literals() {
    check(
        r#"
//- /Cargo.toml
[package]
name = "w"
version = "0.1.0"
[dependencies]
worker = "0.6"
//- /wrangler.toml
name = "w"
main = "build/index.js"
compatibility_date = "2025-06-01"
[[durable_objects.bindings]]
name = "ROOMS"
class_name = "Room"
[[migrations]]
tag = "v1"
new_sqlite_classes = ["Room"]
//- /src/lib.rs
use worker::*;

#[durable_object]
pub struct Room {
    state: State,
}

impl DurableObject for Room {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
    async fn fetch(&self, _req: Request) -> Result<Response> {
        Response::ok("1")
    }
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let ns = env.durable_object("ROOMS")?;
    let a = ns.get_by_name_with_location_hint("a", "mars")?;
//                                                 ^^^^^^ DO501
    let b = ns.id_from_name("b")?.get_stub_with_location_hint("weur")?;
    let c = ns.unique_id_with_jurisdiction("moon")?;
//                                         ^^^^^^ DO502
    let d = ns.id_from_string("abc")?;
//                            ^^^^^ DO504
    let e = ns.id_from_string("0000000000000000000000000000000000000000000000000000000000000000")?;
    let f = ns.unique_id_with_jurisdiction("eu")?;
    a.fetch_with_request(req).await
}
"#,
    );
}

/// A Python Durable Object that accepts a pair's server with the standard
/// API while it defines `webSocketMessage` (DO401), and one that accepts
/// and hibernates the same socket (DO406); hibernation alone, and the
/// standard API with listeners and no handler, are silent.
#[test]
fn python_websockets() {
    check(
        r#"
//- /wrangler.toml
name = "py"
main = "src/entry.py"
compatibility_date = "2025-06-01"
compatibility_flags = ["python_workers"]
[[durable_objects.bindings]]
name = "CHAT"
class_name = "Chat"
[[durable_objects.bindings]]
name = "GOOD"
class_name = "Good"
[[durable_objects.bindings]]
name = "PLAIN"
class_name = "Plain"
[[migrations]]
tag = "v1"
new_sqlite_classes = ["Chat", "Good", "Plain"]
//- /src/entry.py
from js import WebSocketPair
from workers import DurableObject, Response, WorkerEntrypoint


class Chat(DurableObject):
    async def fetch(self, request):
        if request.url.endswith("/both"):
            pair = WebSocketPair.new()
            client, server = pair
            server.accept()
#           ^^^^^^^^^^^^^^^ DO406
            self.ctx.acceptWebSocket(server)
            return Response(None, status=101, web_socket=client)
        client, server = WebSocketPair.new().object_values()
        server.accept()
#       ^^^^^^^^^^^^^^^ DO401
        return Response(None, status=101, web_socket=client)

    async def webSocketMessage(self, ws, message):
        ws.send(message)


class Good(DurableObject):
    async def fetch(self, request):
        client, server = WebSocketPair.new().object_values()
        self.ctx.acceptWebSocket(server)
        return Response(None, status=101, web_socket=client)

    async def webSocketMessage(self, ws, message):
        ws.send(message)


class Plain(DurableObject):
    async def fetch(self, request):
        client, server = WebSocketPair.new().object_values()
        server.accept()
        server.addEventListener("message", lambda e: server.send(e.data))
        return Response(None, status=101, web_socket=client)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await self.env.CHAT.getByName("a").fetch(request)
"#,
    );
}

/// DO201 in Python: an `__init__` that skips the base's, in a class that
/// reads `self.ctx`; silent when it calls it, sets the attributes itself,
/// or the class never reads them.
#[test]
fn python_init_without_super() {
    check(
        r#"
//- /wrangler.toml
name = "py"
main = "src/entry.py"
compatibility_date = "2025-06-01"
compatibility_flags = ["python_workers"]
[[durable_objects.bindings]]
name = "BAD"
class_name = "Bad"
[[durable_objects.bindings]]
name = "OWN"
class_name = "Own"
[[durable_objects.bindings]]
name = "QUIET"
class_name = "Quiet"
[[durable_objects.bindings]]
name = "OLD"
class_name = "Old"
[[migrations]]
tag = "v1"
new_sqlite_classes = ["Bad", "Own", "Quiet", "Old"]
//- /src/entry.py
from workers import DurableObject, Response, WorkerEntrypoint


class Bad(DurableObject):
    def __init__(self, ctx, env):
#       ^^^^^^^^ DO201
        self.count = 0

    async def fetch(self, request):
        await self.ctx.storage.put("n", self.count)
        return Response("ok")


class Own(DurableObject):
    def __init__(self, ctx, env):
        self.ctx = ctx
        self.env = env

    async def fetch(self, request):
        await self.ctx.storage.put("n", 1)
        return Response("ok")


class Quiet(DurableObject):
    def __init__(self, ctx, env):
        self.count = 0

    async def fetch(self, request):
        return Response(str(self.count))


class Old(DurableObject):
    def __init__(self, ctx, env):
        super(Old, self).__init__(ctx, env)

    async def fetch(self, request):
        await self.ctx.storage.put("n", 1)
        return Response("ok")


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await self.env.BAD.getByName("a").fetch(request)
"#,
    );
}
