import net from "node:net";

/** A free TCP port on loopback (the kernel's pick; free when this returns). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `count` different free TCP ports on loopback, none of them in `avoid` (ports picked earlier and released,
 * which the kernel may hand out again). All are held at once while they are picked so none repeats.
 */
export async function freePorts(count: number, avoid: number[] = []): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count + avoid.length },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports.filter((p) => !avoid.includes(p)).slice(0, count);
}
