// Staff display names for the console: the server records who did what by username; people read
// "Nina Nattpatrull". Fetched once per page load and shared; an unknown username shows as itself.

import type { User } from '@trygg/console-contract';
import { useEffect, useState } from 'react';
import { request } from '../api/client.ts';

let pending: Promise<Map<string, string>> | null = null;

function load(): Promise<Map<string, string>> {
  pending ??= request<{ staff: User[] }>('GET', '/api/staff').then(
    (r) => new Map(r.staff.map((u) => [u.username, u.displayName])),
    (err) => {
      pending = null; // asked again next time rather than remembering a failure
      throw err;
    },
  );
  return pending;
}

/** A function from username to display name (the username until the directory has loaded). */
export function useStaffName(): (username: string | null | undefined) => string {
  const [names, setNames] = useState<Map<string, string> | null>(null);
  useEffect(() => {
    let live = true;
    load().then(
      (m) => live && setNames(m),
      () => {}, // usernames are shown instead; nothing else depends on the names
    );
    return () => {
      live = false;
    };
  }, []);
  return (username) => (username ? (names?.get(username) ?? username) : '');
}
