import { DurableObject } from "cloudflare:workers";

export class History extends DurableObject {
  async fetch(): Promise<Response> {
    const rows = this.ctx.storage.sql.exec("SELECT author, text FROM messages ORDER BY id DESC LIMIT 50").toArray();
    return Response.json(rows);
  }
}
