import { DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
  started = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    // DO201: super is called without env.
    super(ctx);
    this.started = Date.now();
  }

  async fetch(_request: Request): Promise<Response> {
    return new Response(`ok, started ${this.started}\n`);
  }
}

interface Env {
  COUNTER: DurableObjectNamespace<Counter>;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    return env.COUNTER.getByName("a").fetch(request);
  },
};
