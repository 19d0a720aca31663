import { DurableObject } from "cloudflare:workers";

// Not re-exported by src/index.ts: `export *` would bring it along, but the
// entry names only ChatRoom.
export class Presence extends DurableObject {
  async fetch(): Promise<Response> {
    return Response.json({ online: this.ctx.getWebSockets().length });
  }
}
