/** The body that creates an image service (`registry.local:5000/acme/web:v1` on port 8080) on a server. */
export function imageServiceBody(name: string, serverId: string) {
  return {
    name,
    server_id: serverId,
    source_type: "image",
    source_config: { image: "registry.local:5000/acme/web", tag: "v1" },
    port: 8080,
  };
}
