import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The control plane serves the build (apps/server/src/web); `npm run dev -w @syntra/web` proxies the API to a
// control plane on the default port.
export default defineConfig({
  plugins: [react(), tailwindcss()],
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 500 },
  server: { proxy: { "/api": "http://127.0.0.1:3000" } },
});
