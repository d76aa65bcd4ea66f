/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { cspPlugin } from './scripts/build/csp.ts';
import { precachePlugin } from './scripts/build/precache.ts';

// Relative base: the built site works from any sub-path of any static HTTPS host.
export default defineConfig({
  base: './',
  // Build only: the Content-Security-Policy meta, and sw.js with its precache manifest (offline use).
  plugins: [react(), cspPlugin(), precachePlugin()],
  build: { target: 'es2022', sourcemap: true },
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Two cores: GPU tests share the software adapter, so run files one at a time.
    fileParallelism: false,
    globalSetup: ['tests/setup/global.ts'],
  },
});
