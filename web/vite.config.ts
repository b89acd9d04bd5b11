import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev` serves the client on 127.0.0.1:5173 and sends the API to a local `wc run`.
const api = process.env.WC_API_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  server: {
    host: "127.0.0.1",
    proxy: { "/api": { target: api, changeOrigin: false } },
  },
});
