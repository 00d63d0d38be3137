// Child process of the alert benchmark: the village's phones, each a Dashboard 2 client on the
// gateway's websocket, in a process of their own (as they are on their own devices) so that their
// work does not count as the gateway's. Prints "connected" once all are, and on SIGTERM the number
// of dashboard messages they received.
import { io, type Socket } from "socket.io-client";

const [base, countArg] = process.argv.slice(2);
const sockets: Socket[] = [];
let received = 0;
for (let i = 0; i < Number(countArg); i++) {
  const socket = io(base, { path: "/dashboard/socket.io", transports: ["websocket"], extraHeaders: { origin: base }, reconnection: false });
  socket.onAny(() => received++);
  await new Promise<void>((resolve, reject) => (socket.once("connect", () => resolve()), socket.once("connect_error", reject)));
  sockets.push(socket);
}
process.stdout.write("connected\n");
process.once("SIGTERM", () => {
  for (const s of sockets) s.close();
  process.stdout.write(`${received}\n`);
  process.exit(0);
});
