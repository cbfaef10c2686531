/** A priority rule as stored. The store keeps `definition` opaque: the router owns and validates its shape. */
export interface Rule {
  ruleId: string;
  name: string;
  enabled: boolean;
  /** Lower first when several rules match. */
  order: number;
  definition: Record<string, unknown>;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: string;
}

export type RuleAction = 'created' | 'updated' | 'deleted' | 'rolled_back';

/** One entry of a rule's history: who changed what, when, and the rule as it was afterwards. */
export interface RuleVersion {
  ruleId: string;
  revision: number;
  action: RuleAction;
  /** The rule after the change; null once deleted. */
  snapshot: Rule | null;
  actor: string;
  at: Date;
}

export interface NewRule {
  ruleId?: string;
  name: string;
  enabled?: boolean;
  order?: number;
  definition: Record<string, unknown>;
}

export type RulePatch = Partial<Pick<Rule, 'name' | 'enabled' | 'order' | 'definition'>>;

export class RuleNotFoundError extends Error {
  constructor(readonly ruleId: string) {
    super(`rule ${ruleId} does not exist`);
    this.name = 'RuleNotFoundError';
  }
}

export class RuleExistsError extends Error {
  constructor(readonly ruleId: string) {
    super(`rule ${ruleId} already exists`);
    this.name = 'RuleExistsError';
  }
}

/** Someone else changed the rule since it was read: re-read and try again. */
export class RevisionConflictError extends Error {
  constructor(
    readonly ruleId: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`rule ${ruleId} is at revision ${actual}, not ${expected}`);
    this.name = 'RevisionConflictError';
  }
}

export interface RuleRepository {
  /** Current rules, by `order` then ruleId. */
  list(): Promise<Rule[]>;
  get(ruleId: string): Promise<Rule | null>;
  create(input: NewRule, actor: string): Promise<Rule>;
  /** With `expectedRevision`, fails with RevisionConflictError when the rule moved on. */
  update(ruleId: string, patch: RulePatch, actor: string, expectedRevision?: number): Promise<Rule>;
  delete(ruleId: string, actor: string, expectedRevision?: number): Promise<void>;
  /** Oldest first. */
  history(ruleId: string): Promise<RuleVersion[]>;
  /** Writes a new revision equal to `toRevision`'s snapshot; works for deleted rules too. */
  rollback(ruleId: string, toRevision: number, actor: string): Promise<Rule>;
}
