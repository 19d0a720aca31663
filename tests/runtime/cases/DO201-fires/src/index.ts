import { DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
  started = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    // DO201: the constructor never calls super(ctx, env).
    console.log("Counter starting");
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
