import dns2 from "dns2";

// dns2's types lack RCODE.
const NXDOMAIN = 3;

/**
 * A DNS server on loopback that knows no name (NXDOMAIN for every question): the control plane's resolver in
 * tests that bring no zone of their own, so no test depends on this machine's DNS or on reaching the internet.
 * Unref'd: it never keeps a test process alive.
 */
export async function startEmptyDns(): Promise<{ address: string; close(): Promise<void> }> {
  const server = dns2.createUDPServer((request, send) => {
    const response = dns2.Packet.createResponseFromRequest(request);
    response.header.rcode = NXDOMAIN;
    send(response);
  });
  await server.listen(0, "127.0.0.1");
  server.unref();
  const { port } = server.address();
  return { address: `127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
