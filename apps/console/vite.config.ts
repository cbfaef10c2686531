import { defineConfig } from 'vite';

// Served by the router under /console; JSX compiles to Preact without a Babel preset.
export default defineConfig({
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
