/** Named groups of users an event can address (`"to": {"topic": "followers:42"}`), e.g. followers of an account. */
export interface TopicRepository {
  /** Idempotent: subscribing twice is one membership. */
  subscribe(topic: string, userId: string): Promise<void>;
  unsubscribe(topic: string, userId: string): Promise<boolean>;
  /** Members in user-id order, a page at a time: pass the last user id of a page to get the next. */
  members(topic: string, options: { after?: string; limit: number }): Promise<string[]>;
}
