import { DurableObject } from "cloudflare:workers";

export class Reminder extends DurableObject {
  async fetch(_request: Request): Promise<Response> {
    await this.ctx.storage.setAlarm(Date.now() + 60_000);
    return new Response("ok, alarm set\n");
  }

  async alarm(): Promise<void> {
    console.log("alarm");
  }
}

interface Env {
  REMINDER: DurableObjectNamespace<Reminder>;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    return env.REMINDER.getByName("a").fetch(request);
  },
};
