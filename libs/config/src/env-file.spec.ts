import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commonSettings, infrastructureSettings } from './common';
import { environment, readEnvFile, workspaceRoot } from './env-file';
import { ConfigError, loadConfig } from './setting';

const made: string[] = [];
/** A workspace of its own: a package.json with workspaces, a project folder, and the given .env. */
function workspace(dotEnv?: string): string {
  const root = mkdtempSync(join(tmpdir(), 'env-file-'));
  made.push(root);
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'w', workspaces: ['services/*'] }));
  mkdirSync(join(root, 'services', 'router', 'src'), { recursive: true });
  writeFileSync(join(root, 'services', 'router', 'package.json'), JSON.stringify({ name: 'router' }));
  if (dotEnv !== undefined) writeFileSync(join(root, '.env'), dotEnv);
  return root;
}
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const DOT_ENV = [
  '# the local infrastructure',
  'KAFKA_BROKERS=127.0.0.1:9092',
  'MONGO_URL="mongodb://127.0.0.1:27017/notify"',
  'export LOG_LEVEL=warn',
  'INTAKE_TOKENS=demo:change-me-intake-secret:events:write+events:read  # a comment',
  '',
].join('\n');

describe('workspaceRoot', () => {
  it('is the nearest folder above whose package.json declares workspaces, not a project’s', () => {
    const root = workspace();
    expect(workspaceRoot(join(root, 'services', 'router', 'src'))).toBe(root);
  });

  it('is this checkout’s root by default, where .env.example is', () => {
    const root = workspaceRoot();
    expect(root).toBeDefined();
    expect(readEnvFile(join(root!, '.env.example')).KAFKA_BROKERS).toBe('127.0.0.1:9092');
  });
});

describe('environment', () => {
  it('reads .env at the workspace root, with the environment winning, even with an empty value', () => {
    const root = workspace(DOT_ENV);
    const env = environment({ LOG_LEVEL: 'debug', MONGO_URL: '' }, root);
    expect(env.KAFKA_BROKERS).toBe('127.0.0.1:9092');
    expect(env.INTAKE_TOKENS).toBe('demo:change-me-intake-secret:events:write+events:read');
    expect(env.LOG_LEVEL).toBe('debug');
    expect(env.MONGO_URL).toBe('');
  });

  it('is the environment alone without a .env', () => {
    const root = workspace();
    expect(environment({ PORT: '1' }, root)).toEqual({ PORT: '1' });
    expect(environment({ PORT: '1' }, undefined)).toEqual({ PORT: '1' });
  });

  it('reads ENV_FILE instead, relative to the workspace root; /dev/null reads none', () => {
    const root = workspace('PORT=1\n');
    writeFileSync(join(root, 'staging.env'), 'PORT=2\n');
    expect(environment({ ENV_FILE: 'staging.env' }, root).PORT).toBe('2');
    expect(environment({ ENV_FILE: join(root, 'staging.env') }, root).PORT).toBe('2');
    expect(environment({ ENV_FILE: devNull }, root).PORT).toBeUndefined();
  });

  it('stops start-up naming ENV_FILE when the file it names is missing', () => {
    const root = workspace();
    expect(() => environment({ ENV_FILE: 'nowhere.env' }, root)).toThrow(ConfigError);
    expect(() => environment({ ENV_FILE: 'nowhere.env' }, root)).toThrow(/ENV_FILE: cannot read the settings file .*nowhere\.env: no such file/);
  });

  it('feeds loadConfig, which still names a bad or missing setting, whichever side it came from', () => {
    const root = workspace('KAFKA_BROKERS=127.0.0.1:9092\nLOG_LEVEL=loud\n');
    const settings = { ...commonSettings, ...infrastructureSettings };
    expect(() => loadConfig(settings, environment({}, root))).toThrow(/LOG_LEVEL: must be one of .*\(got "loud"\)\n {2}MONGO_URL: required but not set/);
    const config = loadConfig(settings, environment({ MONGO_URL: 'mongodb://127.0.0.1:27017/x', LOG_LEVEL: 'warn' }, root));
    expect(config.kafkaBrokers).toEqual(['127.0.0.1:9092']);
    expect(config.logLevel).toBe('warn');
  });
});
