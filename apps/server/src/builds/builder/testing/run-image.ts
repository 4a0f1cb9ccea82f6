import type Dockerode from "dockerode";

/**
 * Starts a container of the image with its port published on a free loopback port, waits until it answers
 * HTTP at `urlPath`, and returns the body. The container is removed afterwards.
 */
export async function fetchFromImage(
  docker: Dockerode,
  image: string,
  containerPort: number,
  urlPath = "/",
  timeoutMs = 20_000,
): Promise<string> {
  const container = await docker.createContainer({
    Image: image,
    Labels: { "dev.syntra.test": "builder" },
    ExposedPorts: { [`${containerPort}/tcp`]: {} },
    HostConfig: { PortBindings: { [`${containerPort}/tcp`]: [{ HostIp: "127.0.0.1", HostPort: "" }] } },
  });
  try {
    await container.start();
    const info = await container.inspect();
    const hostPort = info.NetworkSettings.Ports[`${containerPort}/tcp`]?.[0]?.HostPort;
    if (!hostPort) throw new Error("no published port");
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`http://127.0.0.1:${hostPort}${urlPath}`, { signal: AbortSignal.timeout(2000) });
        return await res.text();
      } catch (err) {
        last = err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const logs = await container.logs({ stdout: true, stderr: true });
    throw new Error(`${image} did not answer on ${containerPort}: ${String(last)}\n${logs.toString()}`);
  } finally {
    await container.remove({ force: true });
  }
}

/** Removes every image carrying this label value (the tests label what they build), untagging all names. */
export async function removeImagesLabelled(docker: Dockerode, label: string): Promise<void> {
  const images = await docker.listImages({ filters: { label: [label] } });
  for (const img of images)
    await docker
      .getImage(img.Id)
      .remove({ force: true })
      .catch(() => undefined);
}
