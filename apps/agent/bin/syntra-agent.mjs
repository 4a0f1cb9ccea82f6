#!/usr/bin/env -S node --import tsx
// `syntra-agent` from a checkout (runs the TypeScript source). Servers run the bundle that
// <control plane>/install/agent.sh installs, built from the same source.
import "../src/main.ts";
