/**
 * Who holds a task: set by `task.claim` and `task.transfer`, dropped when the
 * task's state is left. Pure.
 */
import { z } from 'zod';
import { DelegationSchema } from './sign-state.js';

export const AssignmentSchema = z.object({ userId: z.string(), at: z.string(), by: z.string(), reason: z.string().optional(),
  /** 委派: handed to this person, who acts and hands it back (the holder stays `userId`). */
  delegatedTo: DelegationSchema.optional() }).strict();
export type Assignment = z.infer<typeof AssignmentSchema>;
