import { z } from 'zod';

/** Priority classes, highest first. Rules map events onto one of these. */
export const PRIORITY_CLASSES = ['critical', 'transactional', 'normal', 'marketing'] as const;
export const PriorityClass = z.enum(PRIORITY_CLASSES).describe('Priority class: critical > transactional > normal > marketing');
export type PriorityClass = z.infer<typeof PriorityClass>;

/** Intake lanes: marketing traffic has its own topic so a flood never sits in front of a transactional event. */
export type IntakeLane = 'default' | 'bulk';
export function intakeLaneOf(priority: PriorityClass | undefined): IntakeLane {
  return priority === 'marketing' ? 'bulk' : 'default';
}
