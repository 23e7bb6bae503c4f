/**
 * Who holds a task: set by `task.claim` and `task.transfer`, dropped when the
 * task's state is left. Pure.
 */
import { z } from 'zod';

export const AssignmentSchema = z.object({ userId: z.string(), at: z.string(), by: z.string(), reason: z.string().optional() }).strict();
export type Assignment = z.infer<typeof AssignmentSchema>;
