// A loopback TCP proxy in front of the real PostgreSQL server that can "black-hole": stop forwarding
// in both directions without closing anything, which is what a network partition or a hung server
// looks like to the gateway (no RST, no FIN, just silence). resume() forwards what was held back.
// The shared server itself is never stopped.
import net from "node:net";

export interface TcpProxy {
  /** postgres://… URL of `targetUrl`, pointing at the proxy instead. */
  url: string;
  blackHole(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port || 5432);
  let silent = false;
  const sockets = new Set<net.Socket>();
  /** Connections accepted while black-holed: not connected upstream until resume(). */
  const held: Array<() => void> = [];

  const forward = (from: net.Socket, to: net.Socket) => {
    from.on("data", (chunk) => to.write(chunk));
    from.on("end", () => to.end());
    from.on("error", () => to.destroy());
    from.on("close", () => to.destroy());
  };

  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    const connect = () => {
      const upstream = net.connect(targetPort, target.hostname);
      sockets.add(upstream);
      upstream.on("close", () => sockets.delete(upstream));
      forward(client, upstream);
      forward(upstream, client);
      if (silent) {
        client.pause();
        upstream.pause();
      }
    };
    if (silent) {
      client.pause();
      held.push(connect);
    } else connect();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(targetUrl);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as net.AddressInfo).port);

  return {
    url: url.toString(),
    blackHole() {
      silent = true;
      for (const socket of sockets) socket.pause();
    },
    resume() {
      silent = false;
      for (const connect of held.splice(0)) connect(); // listeners first, so no held-back byte is dropped
      for (const socket of sockets) socket.resume();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
