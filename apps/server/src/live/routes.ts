import { liveEventsRoute } from "./events-route";
import { serviceLogStreamRoute } from "./log-stream-route";

/** The real-time streams of the dashboard and the CLI. */
export const liveRoutes = [liveEventsRoute, serviceLogStreamRoute];
