import { defineConfig } from 'tsup';

/**
 * How every service and the embedded app are compiled for production: `src/main.ts` of the project
 * being built becomes one ES module, `dist/main.js`, which `node` runs without tsx. The workspace's
 * own libraries (`@notify/*`, which export their TypeScript sources) are bundled in; every package
 * from npm stays an import, resolved from the production `node_modules` at run time, so native and
 * file-reading packages (node-apn, firebase-admin, swagger-ui's assets) work as installed.
 * Each project's `build` script runs `tsup --config ../../tsup.services.config.ts` in its own folder.
 */
export default defineConfig({
  entry: { main: 'src/main.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node24',
  outDir: 'dist',
  clean: true,
  sourcemap: true,
  dts: false,
  splitting: false,
  tsconfig: 'tsconfig.lib.json',
  noExternal: [/^@notify\//],
  // Any bare specifier that is not one of ours: an npm package, left to node_modules.
  external: [/^(?!@notify\/)[^./]/],
});
