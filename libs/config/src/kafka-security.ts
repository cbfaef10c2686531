import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, setting } from './setting';
import { env } from './types';

export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/** How a process reaches a secured Kafka (managed services require TLS, most also SASL). */
export const kafkaSecuritySettings = {
  kafkaSsl: setting('KAFKA_SSL', env.boolean(false), 'Connect to Kafka over TLS; on by itself when KAFKA_SASL_MECHANISM or a KAFKA_SSL_*_FILE is set'),
  kafkaSslCaFile: setting('KAFKA_SSL_CA_FILE', env.optionalString(), 'PEM file of the certificate authorities that sign the brokers’ certificates (unset: the system’s)'),
  kafkaSslCertFile: setting('KAFKA_SSL_CERT_FILE', env.optionalString(), 'PEM client certificate, for brokers that require mutual TLS (with KAFKA_SSL_KEY_FILE)'),
  kafkaSslKeyFile: setting('KAFKA_SSL_KEY_FILE', env.optionalString(), 'PEM private key of KAFKA_SSL_CERT_FILE'),
  kafkaSslRejectUnauthorized: setting('KAFKA_SSL_REJECT_UNAUTHORIZED', env.boolean(true), 'Refuse a broker whose certificate does not verify; turn off only to diagnose'),
  kafkaSaslMechanism: setting('KAFKA_SASL_MECHANISM', z.enum(KAFKA_SASL_MECHANISMS, { error: `must be one of ${KAFKA_SASL_MECHANISMS.join(', ')}` }).optional(), 'SASL mechanism: plain, scram-sha-256 or scram-sha-512 (unset: no SASL)'),
  kafkaSaslUsername: setting('KAFKA_SASL_USERNAME', env.optionalString(), 'SASL user name (with KAFKA_SASL_MECHANISM)'),
  kafkaSaslPassword: setting('KAFKA_SASL_PASSWORD', env.optionalString(), 'SASL password (with KAFKA_SASL_MECHANISM); never logged', { secret: true }),
};

export interface KafkaSecurityConfig {
  kafkaSsl?: boolean | undefined;
  kafkaSslCaFile?: string | undefined;
  kafkaSslCertFile?: string | undefined;
  kafkaSslKeyFile?: string | undefined;
  kafkaSslRejectUnauthorized?: boolean | undefined;
  kafkaSaslMechanism?: KafkaSaslMechanism | undefined;
  kafkaSaslUsername?: string | undefined;
  kafkaSaslPassword?: string | undefined;
}

/** What the Kafka client is given: TLS options with the files' contents, SASL credentials. */
export interface KafkaSecurity {
  ssl?: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
  sasl?: { mechanism: KafkaSaslMechanism; username: string; password: string };
}

/**
 * The Kafka security settings checked together and their files read: a problem stops start-up
 * naming the variable (a file by its path, a password never). Undefined when none is set.
 */
export function kafkaSecurityOf(config: KafkaSecurityConfig): KafkaSecurity | undefined {
  const problems: Array<{ variable: string; message: string }> = [];
  const read = (variable: string, path: string | undefined): string | undefined => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      problems.push({ variable, message: `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
      return undefined;
    }
  };
  const ca = read('KAFKA_SSL_CA_FILE', config.kafkaSslCaFile);
  const cert = read('KAFKA_SSL_CERT_FILE', config.kafkaSslCertFile);
  const key = read('KAFKA_SSL_KEY_FILE', config.kafkaSslKeyFile);
  if (config.kafkaSslCertFile && !config.kafkaSslKeyFile) problems.push({ variable: 'KAFKA_SSL_KEY_FILE', message: 'required with KAFKA_SSL_CERT_FILE' });
  if (config.kafkaSslKeyFile && !config.kafkaSslCertFile) problems.push({ variable: 'KAFKA_SSL_CERT_FILE', message: 'required with KAFKA_SSL_KEY_FILE' });
  const mechanism = config.kafkaSaslMechanism;
  if (mechanism) {
    if (!config.kafkaSaslUsername) problems.push({ variable: 'KAFKA_SASL_USERNAME', message: `required with KAFKA_SASL_MECHANISM=${mechanism}` });
    if (!config.kafkaSaslPassword) problems.push({ variable: 'KAFKA_SASL_PASSWORD', message: `required with KAFKA_SASL_MECHANISM=${mechanism}` });
  } else if (config.kafkaSaslUsername || config.kafkaSaslPassword) {
    problems.push({ variable: 'KAFKA_SASL_MECHANISM', message: 'required with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (plain, scram-sha-256 or scram-sha-512)' });
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const tls = Boolean(config.kafkaSsl || ca || cert || mechanism);
  // SASL without TLS would send the password in the clear: SASL always goes over TLS here.
  if (!tls) return undefined;
  return {
    ssl: { rejectUnauthorized: config.kafkaSslRejectUnauthorized ?? true, ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) },
    ...(mechanism ? { sasl: { mechanism, username: config.kafkaSaslUsername!, password: config.kafkaSaslPassword! } } : {}),
  };
}
