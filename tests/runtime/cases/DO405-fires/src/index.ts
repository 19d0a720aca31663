import { DurableObject } from "cloudflare:workers";

export class Room extends DurableObject {
  async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade") !== "websocket") {
      return new Response("expected a WebSocket upgrade\n", { status: 426 });
    }
    const [client, server] = Object.values(new WebSocketPair());
    // DO405: eleven tags (the limit is 10).
    this.ctx.acceptWebSocket(server, [
      "lobby", "news", "sports", "music", "films", "games",
      "books", "travel", "food", "tech", "science",
    ]);
    return new Response(null, { status: 101, webSocket: client });
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    ws.send(message);
  }
}

interface Env {
  ROOM: DurableObjectNamespace<Room>;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    return env.ROOM.getByName("a").fetch(request);
  },
};
