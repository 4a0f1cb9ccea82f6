/** This control plane's release (interface contracts 4.3: which agents it serves). `SYNTRA_TEST_VERSION` overrides it in tests. */
export const CONTROL_PLANE_VERSION = "0.2.0";
