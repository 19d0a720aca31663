import { DurableObject } from "cloudflare:workers";

export class Notes extends DurableObject {
  async fetch(_request: Request): Promise<Response> {
    // DO301 when wrangler.jsonc creates Notes with new_classes (KV-backed).
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS notes (text TEXT)");
    this.ctx.storage.sql.exec("INSERT INTO notes (text) VALUES (?)", "hello");
    return new Response("ok, note added\n");
  }
}

interface Env {
  NOTES: DurableObjectNamespace<Notes>;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    return env.NOTES.getByName("a").fetch(request);
  },
};
