import { defineConfig } from 'tsup';

/**
 * The published package, staged in dist/ (scripts/stage-package.mjs writes its package.json):
 * ESM and CommonJS for bundlers, Node and React Native, with socket.io-client as a dependency and one
 * .d.ts with the contracts' types bundled in; and one self-contained ESM file for browsers
 * (<script type="module">), socket.io-client included.
 */
export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    platform: 'neutral',
    target: 'es2020',
    dts: true,
    sourcemap: true,
    external: ['socket.io-client'],
    tsconfig: 'tsconfig.build.json',
  },
  {
    entry: { 'notify-client': 'src/index.ts' },
    outDir: 'dist/browser',
    format: ['esm'],
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: true,
    noExternal: [/.*/],
    tsconfig: 'tsconfig.build.json',
  },
]);
