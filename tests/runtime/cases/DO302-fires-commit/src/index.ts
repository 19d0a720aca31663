import { DurableObject } from "cloudflare:workers";

export class Ledger extends DurableObject {
  async fetch(_request: Request): Promise<Response> {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, balance INTEGER)");
    sql.exec("INSERT OR IGNORE INTO accounts VALUES ('alice', 10), ('bob', 0)");
    // DO302: COMMIT through sql.exec (no BEGIN before it).
    sql.exec("UPDATE accounts SET balance = balance - 1 WHERE id = ?", "alice");
    sql.exec("UPDATE accounts SET balance = balance + 1 WHERE id = ?", "bob");
    sql.exec("COMMIT");
    return new Response("ok, transferred\n");
  }
}

interface Env {
  LEDGER: DurableObjectNamespace<Ledger>;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    return env.LEDGER.getByName("a").fetch(request);
  },
};
