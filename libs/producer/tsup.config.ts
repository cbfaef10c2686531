import { defineConfig } from 'tsup';

/**
 * The published package: ESM and CommonJS with one .d.ts each. The contracts it needs are bundled
 * into both (code and types), so it depends on no private package; zod stays a dependency and
 * kafkajs an optional peer, loaded only by the Kafka transport.
 */
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  platform: 'node',
  target: 'node20',
  dts: true,
  clean: true,
  sourcemap: true,
  noExternal: ['@notify/contracts'],
  external: ['kafkajs', 'zod'],
  tsconfig: 'tsconfig.build.json',
});
