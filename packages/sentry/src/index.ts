// Sentry's ingest protocol, read into Syntra's contracts. Pure functions (no I/O), so the control plane's endpoints
// and an agent receiving envelopes next to the app can share them.
export * from "./auth";
export * from "./convert";
export * from "./decompress";
export * from "./envelope";
export * from "./event";
export * from "./telemetry";
export * from "./values";
