import { DurableObject } from "cloudflare:workers";

export class Store extends DurableObject {
  async fetch(_request: Request): Promise<Response> {
    this.ctx.storage.sql.exec("CREATE TABLE cf_foo (x)");
    return new Response("ok, table created\n");
  }
}

interface Env {
  STORE: DurableObjectNamespace<Store>;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    return env.STORE.getByName("a").fetch(request);
  },
};
