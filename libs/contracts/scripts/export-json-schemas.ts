/**
 * Writes docs/schemas/*.schema.json from the zod contracts.
 * With --check it writes nothing and exits 1 when the checked-in files are stale.
 */
import { mkdir, readdir, readFile, writeFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { topicJsonSchemas } from '../src/json-schema';

const outDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../docs/schemas');
const check = process.argv.includes('--check');
const wanted = topicJsonSchemas();

await mkdir(outDir, { recursive: true });
const present = (await readdir(outDir)).filter((f) => f.endsWith('.schema.json'));
const stale: string[] = [];
for (const [file, content] of wanted) {
  const current = await readFile(join(outDir, file), 'utf8').catch(() => undefined);
  if (current === content) continue;
  stale.push(file);
  if (!check) await writeFile(join(outDir, file), content);
}
for (const file of present.filter((f) => !wanted.has(f))) {
  stale.push(`${file} (no longer a topic)`);
  if (!check) await rm(join(outDir, file));
}
if (check && stale.length > 0) {
  console.error(`docs/schemas is stale: ${stale.join(', ')}. Run \`npm run schemas\` and commit the result.`);
  process.exit(1);
}
console.log(check ? `docs/schemas is up to date (${wanted.size} topics)` : `wrote ${stale.length} of ${wanted.size} schema files to docs/schemas`);
