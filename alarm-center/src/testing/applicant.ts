// Signing in as an applicant over real HTTP, as a browser would: to the alarm center's sign-in,
// through the local identity provider's page (a demo identity chosen), back at the callback.
// A small cookie jar per origin stands in for the browser's.

import type { Platform } from '../platform.ts';

type Jar = Map<string, Map<string, string>>;

function remember(jar: Jar, url: URL, res: Response): void {
  const cookies = jar.get(url.origin) ?? new Map<string, string>();
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const i = pair!.indexOf('=');
    const name = pair!.slice(0, i).trim();
    const value = pair!.slice(i + 1).trim();
    if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) cookies.delete(name);
    else cookies.set(name, value);
  }
  jar.set(url.origin, cookies);
}

const cookieHeader = (jar: Jar, url: URL) =>
  [...(jar.get(url.origin) ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`).join('; ');

export interface BrowserStep {
  url: URL;
  status: number;
  location: URL | null;
  body: string;
}

/** A fetch that keeps cookies per origin and does not follow redirects. */
export function cookieBrowser() {
  const jar: Jar = new Map();
  const step = async (target: string | URL, init: { method?: string; form?: Record<string, string> } = {}) => {
    const url = new URL(target);
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: {
        cookie: cookieHeader(jar, url),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    remember(jar, url, res);
    const location = res.headers.get('location');
    return { url, status: res.status, location: location ? new URL(location, url) : null, body: await res.text() };
  };
  /** Follows redirects until `stop` says so or a page that is not a redirect answers. */
  const follow = async (start: BrowserStep, stop: (s: BrowserStep) => boolean = () => false) => {
    let current = start;
    for (let hops = 0; hops < 10 && current.location && !stop(current); hops += 1) {
      current = await step(current.location);
    }
    return current;
  };
  return { jar, step, follow, cookieFor: (origin: string) => cookieHeader(jar, new URL(origin)) };
}

const isCallback = (s: BrowserStep) => s.location?.pathname === '/api/public/sign-in/callback';

/**
 * Signs in as the demo identity with this identity number; returns the applicant's cookie for the
 * alarm center, and the callback URL the provider sent (to replay it).
 */
export async function signInApplicant(platform: Platform, personalNumber: string) {
  const base = `http://127.0.0.1:${platform.httpPort}`;
  const browser = cookieBrowser();
  const atProvider = await browser.follow(await browser.step(`${base}/api/public/sign-in`));
  const action = /<form method="post" action="([^"]+)"/.exec(atProvider.body)?.[1];
  if (atProvider.status !== 200 || !action) {
    throw new Error(`no sign-in page at the provider: ${atProvider.status} ${atProvider.body.slice(0, 200)}`);
  }
  const submitted = await browser.step(new URL(action, atProvider.url), {
    method: 'POST',
    form: { identity: personalNumber },
  });
  const beforeCallback = await browser.follow(submitted, isCallback);
  if (!beforeCallback.location || !isCallback(beforeCallback)) {
    throw new Error(`the provider did not send us back: ${beforeCallback.status} ${beforeCallback.body.slice(0, 200)}`);
  }
  const callback = beforeCallback.location;
  const landed = await browser.step(callback);
  const cookie = browser.cookieFor(base);
  return { cookie, callback, landed, browser, base };
}

/** A signed-in applicant's JSON calls to the alarm center. */
export async function applicantClient(platform: Platform, personalNumber: string) {
  const { cookie, base, landed } = await signInApplicant(platform, personalNumber);
  if (!cookie.includes('applicant_sid=')) throw new Error(`sign-in failed: ${landed.location?.toString()}`);
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
  return { cookie, base, call };
}
