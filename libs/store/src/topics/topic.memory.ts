import type { TopicRepository } from './topic.types';

export class MemoryTopicRepository implements TopicRepository {
  private readonly byTopic = new Map<string, Set<string>>();

  async subscribe(topic: string, userId: string): Promise<void> {
    const members = this.byTopic.get(topic) ?? new Set<string>();
    members.add(userId);
    this.byTopic.set(topic, members);
  }

  async unsubscribe(topic: string, userId: string): Promise<boolean> {
    return this.byTopic.get(topic)?.delete(userId) ?? false;
  }

  async members(topic: string, options: { after?: string; limit: number }): Promise<string[]> {
    return [...(this.byTopic.get(topic) ?? [])]
      .sort()
      .filter((userId) => options.after === undefined || userId > options.after)
      .slice(0, options.limit);
  }
}
