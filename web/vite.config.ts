import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// `npm run dev` serves the client on 127.0.0.1:5173 and sends the API to a local `wc run`.
const api = process.env.WC_API_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: {
      // rehype-katex turns KaTeX's HTML into a tree with this helper; its browser build parses
      // through <template>.innerHTML, whose style attributes the platform's Content-Security-Policy
      // reports as inline styles. Its portable build parses with parse5: no DOM, no violation.
      "hast-util-from-html-isomorphic": fileURLToPath(
        new URL("./node_modules/hast-util-from-html-isomorphic/lib/index.js", import.meta.url),
      ),
    },
  },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  server: {
    host: "127.0.0.1",
    proxy: { "/api": { target: api, changeOrigin: false } },
  },
});
