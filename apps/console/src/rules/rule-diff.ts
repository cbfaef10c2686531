import { diffLines } from 'diff';

/** The parts of a rule a person edits, in the order the diff shows them. */
export interface EditableRule {
  name: string;
  enabled: boolean;
  order: number;
  definition: unknown;
}

export const pretty = (rule: EditableRule): string => `${JSON.stringify({ name: rule.name, enabled: rule.enabled, order: rule.order, definition: rule.definition }, null, 2)}\n`;

export interface DiffLine {
  kind: 'added' | 'removed' | 'same';
  text: string;
}

/** A line diff of two rules pretty-printed: what a save would change. */
export function ruleDiff(before: EditableRule | null, after: EditableRule): DiffLine[] {
  return diffLines(before ? pretty(before) : '', pretty(after)).flatMap((part) =>
    part.value
      .replace(/\n$/, '')
      .split('\n')
      .map((text): DiffLine => ({ kind: part.added ? 'added' : part.removed ? 'removed' : 'same', text })),
  );
}
