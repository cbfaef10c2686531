import type { SendTimeProfile, SendTimeRepository } from './send-time.types';

export class MemorySendTimeRepository implements SendTimeRepository {
  private readonly byUser = new Map<string, SendTimeProfile>();

  async get(userId: string): Promise<SendTimeProfile | null> {
    const profile = this.byUser.get(userId);
    return profile ? structuredClone(profile) : null;
  }

  async getMany(userIds: readonly string[]): Promise<Map<string, SendTimeProfile>> {
    const found = new Map<string, SendTimeProfile>();
    for (const userId of userIds) {
      const profile = this.byUser.get(userId);
      if (profile) found.set(userId, structuredClone(profile));
    }
    return found;
  }

  async putMany(profiles: readonly SendTimeProfile[]): Promise<void> {
    for (const profile of profiles) this.byUser.set(profile.userId, structuredClone(profile));
  }

  async sweepUpdatedBefore(cutoff: Date): Promise<number> {
    let removed = 0;
    for (const [userId, profile] of this.byUser) {
      if (profile.updatedAt < cutoff) {
        this.byUser.delete(userId);
        removed++;
      }
    }
    return removed;
  }
}
