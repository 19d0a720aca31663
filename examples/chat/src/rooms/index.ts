export { ChatRoom } from "./chat-room.js";
export { Presence } from "./presence.js";
