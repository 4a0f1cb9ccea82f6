/** Where a service's traffic goes: its domains and the addresses of its healthy containers. */
export interface ServiceRoute {
  serviceId: string;
  domains: string[];
  /** `host:port` of each container that should receive traffic. */
  upstreams: string[];
}

/**
 * The edge proxy seam (Caddy now; Traefik configuration files in a later issue). `setRoute` must switch
 * traffic atomically and gracefully: requests in flight on the old upstreams finish.
 */
export interface Router {
  /** Makes sure the proxy runs and answers its admin interface (starting it if this agent manages it). */
  start(): Promise<void>;
  /** Creates or replaces the service's route. No upstreams: its domains answer 503. No domains: no route. */
  setRoute(route: ServiceRoute): Promise<void>;
  removeRoute(serviceId: string): Promise<void>;
  /** The routes currently configured, for reconciliation and tests. */
  routes(): Promise<ServiceRoute[]>;
  stop(): Promise<void>;
}
