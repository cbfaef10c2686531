/** The deployment prefix lets environments (or test runs) share one cluster without sharing topics. */
export function physicalTopicName(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

/**
 * A Kafka consumer group spans every topic its members subscribe to; the bus's contract is one group
 * per (topic, group id), as the in-process bus keeps it. Scoping the Kafka group by topic (and by the
 * deployment prefix) keeps two subscriptions that share a group id on different topics from starving
 * each other in one group's partition assignment.
 */
export function physicalGroupId(prefix: string, groupId: string, topic: string): string {
  return `${prefix ? `${prefix}.` : ''}${groupId}.${topic}`;
}
