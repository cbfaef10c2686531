// This folder's package.json points at the TypeScript source, for the workspace's own services and
// tests. The package apps install is built into dist/: pack or publish that one.
console.error('@notify/client: pack or publish the built package instead: npm run build -w @notify/client && npm publish ./libs/client/dist');
process.exit(1);
