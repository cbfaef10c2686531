import type { SASLOptions } from 'kafkajs';
import type { KafkaSecurity } from '@notify/config';

/** kafkajs's SASL options for the configured mechanism (its types list each mechanism apart). */
export function saslOf(sasl: NonNullable<KafkaSecurity['sasl']>): SASLOptions {
  const { username, password } = sasl;
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}
