// The residents search, typed by the console contract: wherever a resident is chosen.

import type { ResidentHit } from '@trygg/console-contract';
import { request } from '../api/client.ts';

export type { ResidentHit };

/** The server refuses shorter queries (VALIDATION); the picker waits until there are this many. */
export const MIN_QUERY = 2;

export const residentsApi = {
  search: (q: string) =>
    request<{ residents: ResidentHit[] }>('GET', `/api/residents?${new URLSearchParams({ q }).toString()}`),
};
