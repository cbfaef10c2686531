/** The deployment prefix lets environments (or test runs) share one cluster without sharing topics. */
export function physicalTopicName(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}
