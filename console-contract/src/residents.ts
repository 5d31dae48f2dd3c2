// The residents part of the console contract: the search used wherever a resident is chosen
// (supervision plans, the camera log, device registration). A hit carries only what is needed to
// tell residents apart; door codes and identity numbers are never part of it.

import { z } from 'zod';

export const residentSearchQuerySchema = z.object({
  q: z.string().trim().min(2, 'type at least 2 characters').max(100),
  limit: z.coerce.number().int().min(1).max(20).default(10),
});

export const residentHitSchema = z.object({
  id: z.string(),
  name: z.string(),
  address: z.string(),
  district: z.string(),
});
export type ResidentHit = z.infer<typeof residentHitSchema>;

export const residentSearchReplySchema = z.object({ residents: z.array(residentHitSchema) });
