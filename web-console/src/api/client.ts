// Thin fetch wrapper for the alarm center's JSON API: same-origin, cookie session, and errors
// surfaced as ApiError with the server's stable code so the UI can translate them.

import type { ErrorBody } from '@trygg/console-contract';

export class ApiError extends Error {
  readonly code: string;
  readonly statusCode: number;
  /** Seconds to wait before trying again, when the server said (AUTH_DELAYED). */
  readonly retryAfterS: number | null;
  constructor(code: string, statusCode: number, message: string, retryAfterS: number | null = null) {
    super(message);
    this.code = code;
    this.statusCode = statusCode;
    this.retryAfterS = retryAfterS;
  }
}

/** Called on any 401 so the app can return to the login page when the session has expired. */
let onUnauthorized: (() => void) | null = null;
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

export async function request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers:
        body === undefined
          ? { accept: 'application/json' }
          : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError('NETWORK', 0, err instanceof Error ? err.message : String(err));
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiError('BAD_RESPONSE', res.status, text.slice(0, 200));
    }
  }
  if (!res.ok) {
    const e = (json ?? {}) as Partial<ErrorBody>;
    if (res.status === 401 && path !== '/api/session') onUnauthorized?.();
    const retryAfterS = e.retryAfterS ?? (Number(res.headers.get('retry-after')) || null);
    throw new ApiError(e.code ?? `HTTP_${res.status}`, res.status, e.message ?? res.statusText, retryAfterS);
  }
  return json as T;
}
