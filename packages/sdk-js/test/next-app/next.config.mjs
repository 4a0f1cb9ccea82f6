/** A test app: built into .next beside this file, no telemetry, no image optimization. */
const config = { images: { unoptimized: true }, typescript: { ignoreBuildErrors: true } };
export default config;
