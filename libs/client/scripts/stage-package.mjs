// Completes dist/ as the package to publish (`npm pack ./dist`, `npm publish ./dist`): its
// package.json points at the built files, and the README and examples are copied in. The workspace's
// own package.json keeps pointing at the TypeScript source, which the services' tests import.
import { cp, readFile, writeFile } from 'node:fs/promises';

const root = new URL('../', import.meta.url);
const dist = new URL('dist/', root);
const source = JSON.parse(await readFile(new URL('package.json', root), 'utf8'));
const published = {
  name: source.name,
  version: source.version,
  description: source.description,
  license: source.license,
  keywords: source.keywords,
  type: 'module',
  main: './index.cjs',
  module: './index.js',
  types: './index.d.ts',
  exports: {
    '.': {
      import: { types: './index.d.ts', default: './index.js' },
      require: { types: './index.d.cts', default: './index.cjs' },
    },
    './browser': './browser/notify-client.js',
    './package.json': './package.json',
  },
  files: ['*.js', '*.cjs', '*.d.ts', '*.d.cts', '*.map', 'browser', 'examples', 'README.md'],
  sideEffects: false,
  engines: source.engines,
  dependencies: Object.fromEntries(Object.entries(source.dependencies ?? {}).filter(([name]) => !name.startsWith('@notify/'))),
};
await writeFile(new URL('package.json', dist), `${JSON.stringify(published, null, 2)}\n`);
await cp(new URL('README.md', root), new URL('README.md', dist));
await cp(new URL('examples/', root), new URL('examples/', dist), { recursive: true });
