import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run dev` serves the app with hot reload and sends the API to a running host (ops/run.sh).
const api = process.env.CT_API ?? 'http://127.0.0.1:5080';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: { proxy: { '/api': api, '/dev': api } },
});
