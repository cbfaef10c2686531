/**
 * Builds the ops console before `npm start` when its build is missing or older than its sources, so
 * the embedded app serves /console at once; an up-to-date build costs a directory walk, not a build.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const app = path.resolve(import.meta.dirname, '../apps/console');
const built = path.join(app, 'dist/index.html');

function newest(file: string): number {
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(file).map((entry) => newest(path.join(file, entry))));
}

const sources = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((entry) => path.join(app, entry));
const stale = !existsSync(built) || Math.max(...sources.map(newest)) > statSync(built).mtimeMs;
if (stale) {
  console.log('building the console (apps/console) …');
  execFileSync(process.execPath, [path.resolve(import.meta.dirname, '../node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: app, stdio: 'inherit' });
}
