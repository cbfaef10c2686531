import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './wait';

const exec = promisify(execFile);
const npmInstallFlags = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

/** What a command run in the fresh project printed, and how it ended. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A script running in a fresh project. */
export interface RunningScript {
  /** Every complete line it printed on stdout so far. */
  readonly lines: string[];
  /** What it printed on stderr so far. */
  stderr(): string;
  /** Resolves with the first stdout line matching `pattern`; fails with its output when it exits or the time is up. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** A new npm project outside the repository, with packed tarballs installed from their files as an app would. */
export interface FreshProject {
  dir: string;
  /** Writes a file into the project (a consumer script, a tsconfig). */
  write(path: string, content: string): Promise<void>;
  /** Runs `node <file>` in the project; never throws: the result says how it ended. */
  node(file: string, options?: { args?: string[]; env?: Record<string, string>; timeoutMs?: number }): Promise<CommandResult>;
  /** Starts `node <file>` in the project and follows what it prints, line by line (a consumer that keeps running). */
  start(file: string, options?: { args?: string[]; env?: Record<string, string> }): RunningScript;
  /** Type-checks the project's .ts files with its own TypeScript against the installed packages' types. */
  typecheck(files: string[]): Promise<CommandResult>;
  remove(): Promise<void>;
}

/**
 * This process's environment for the installed package's scripts, without the colour switches: with
 * both NO_COLOR (set by CI) and FORCE_COLOR (set by the test runner) Node prints a warning on stderr,
 * and the scripts are judged by an empty stderr.
 */
function quietEnv(): NodeJS.ProcessEnv {
  const { NO_COLOR: _noColor, FORCE_COLOR: _forceColor, ...env } = process.env;
  return env;
}

async function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}, timeoutMs = 120_000): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await exec(command, args, { cwd, env: { ...quietEnv(), ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
  }
}

async function mustRun(command: string, args: string[], cwd: string, env?: Record<string, string>): Promise<string> {
  const result = await run(command, args, cwd, env);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.code}) in ${cwd}:\n${result.stderr || result.stdout}`);
  return result.stdout;
}

/**
 * Runs `npm pack` in a package directory (its prepack script builds it; or first `build`, then packs
 * the folder `from`, for a package staged in dist/) and answers the tarball's path, in a temporary
 * directory outside the repository.
 */
export async function packPackage(packageDir: string, { build, from = '.' }: { build?: string[]; from?: string } = {}): Promise<string> {
  if (build) await mustRun(build[0]!, build.slice(1), packageDir);
  const out = await mkdtemp(join(tmpdir(), 'notify-pack-'));
  try {
    // The tarball is the one file in a new directory: the build scripts npm runs print on the same stdout as `--json` would.
    await mustRun('npm', ['pack', from, '--pack-destination', out, '--loglevel=error'], packageDir);
    const [packed, ...more] = (await readdir(out)).filter((file) => file.endsWith('.tgz'));
    if (!packed || more.length > 0) throw new Error(`npm pack in ${packageDir} left ${[packed, ...more].join(', ') || 'no tarball'} in ${out}`);
    return join(out, packed);
  } catch (err) {
    await rm(out, { recursive: true, force: true });
    throw err;
  }
}

/** The version of a package this repository has installed, so the fresh project finds it in npm's cache. */
async function installedVersion(name: string): Promise<string> {
  const require = createRequire(import.meta.url);
  const manifest = JSON.parse(await readFile(require.resolve(`${name}/package.json`), 'utf8')) as { version: string };
  return manifest.version;
}

/**
 * Creates a fresh ESM project in a temporary directory outside the repository and installs the
 * tarballs there with npm (their dependencies come from the registry, as for any app), plus `also`:
 * other packages at the versions this repository uses (e.g. kafkajs, typescript).
 */
export async function freshProject(tarballs: string[], also: string[] = []): Promise<FreshProject> {
  const extras = await Promise.all(also.map(async (name) => `${name}@${await installedVersion(name)}`));
  const dir = await mkdtemp(join(tmpdir(), 'notify-consumer-'));
  try {
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }, null, 2));
    await mustRun('npm', ['install', ...npmInstallFlags, ...tarballs, ...extras], dir);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    dir,
    write: (path, content) => writeFile(join(dir, path), content),
    node: (file, options = {}) => run(process.execPath, [file, ...(options.args ?? [])], dir, options.env, options.timeoutMs ?? 60_000),
    typecheck: async (files) => {
      const tsconfig = { compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], lib: ['ES2023', 'DOM'] }, files };
      await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
      return run(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], dir);
    },
    start: (file, options = {}) => {
      const child = spawn(process.execPath, [file, ...(options.args ?? [])], { cwd: dir, env: { ...quietEnv(), ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      const lines: string[] = [];
      let partial = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        const parts = (partial + chunk.toString()).split('\n');
        partial = parts.pop()!;
        lines.push(...parts);
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      return {
        lines,
        stderr: () => stderr,
        waitForLine: (pattern, timeoutMs = 20_000) =>
          waitFor(`${file} to print ${pattern}`, () => {
            const line = lines.find((l) => pattern.test(l));
            if (!line && child.exitCode !== null) throw new Error(`${file} exited (${child.exitCode}): ${stderr || lines.join('\n')}`);
            return line;
          }, { timeoutMs, intervalMs: 20 }),
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      };
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
