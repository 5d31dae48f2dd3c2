// Builds the operator console into web-console/dist, which the alarm center serves in production.
// In development `vite` proxies the API and the live WebSocket to a locally running alarm center.

import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const alarmCenter = 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { '/api': { target: alarmCenter, ws: true, changeOrigin: false } },
  },
  preview: {
    proxy: { '/api': { target: alarmCenter, ws: true, changeOrigin: false } },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
});
