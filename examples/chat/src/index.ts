export { ChatRoom } from "./rooms";
export { History } from "./history";

export interface Env {
  ROOMS: DurableObjectNamespace;
  PRESENCE: DurableObjectNamespace;
  HISTORY: DurableObjectNamespace;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const room = url.searchParams.get("room") ?? "lobby";
    if (url.pathname === "/history") {
      return env.HISTORY.getByName(room).fetch(request);
    }
    if (url.pathname === "/presence") {
      return env.PRESENCE.getByName(room).fetch(request);
    }
    return env.ROOM.getByName(room).fetch(request);
  },
};
