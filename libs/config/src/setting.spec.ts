import { describe, expect, it } from 'vitest';
import { commonSettings, infrastructureSettings } from './common';
import { ConfigError, describeSettings, loadConfig, setting } from './setting';
import { env } from './types';

const settings = { ...commonSettings, ...infrastructureSettings, port: setting('PORT', env.port(3000), 'HTTP port') };

describe('loadConfig', () => {
  it('applies defaults and parses lists', () => {
    const config = loadConfig(settings, { KAFKA_BROKERS: 'a:9092, b:9092', MONGO_URL: 'mongodb://127.0.0.1:27017/x' });
    expect(config.kafkaBrokers).toEqual(['a:9092', 'b:9092']);
    expect(config.port).toBe(3000);
    expect(config.logLevel).toBe('info');
    expect(config.topicPrefix).toBe('');
  });

  it('names every bad or missing variable at once', () => {
    let error: unknown;
    try {
      loadConfig(settings, { PORT: 'eighty', LOG_LEVEL: 'loud', MONGO_URL: 'postgres://x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.variable).sort();
    expect(problems).toEqual(['KAFKA_BROKERS', 'LOG_LEVEL', 'MONGO_URL', 'PORT']);
    expect((error as Error).message).toContain('KAFKA_BROKERS: required but not set');
    expect((error as Error).message).toContain('PORT:');
    expect((error as Error).message).toContain('"eighty"');
  });

  it('rejects an out-of-range port', () => {
    expect(() => loadConfig({ port: settings.port }, { PORT: '70000' })).toThrow(/PORT: must be a port number/);
  });
});

describe('describeSettings', () => {
  it('documents defaults and required settings', () => {
    const rows = describeSettings(settings);
    expect(rows.find((r) => r.variable === 'PORT')?.defaultValue).toBe('3000');
    expect(rows.find((r) => r.variable === 'KAFKA_BROKERS')?.defaultValue).toBe('required');
    expect(rows.find((r) => r.variable === 'KAFKA_CLIENT_ID')?.defaultValue).toBe('(unset)');
  });
});
