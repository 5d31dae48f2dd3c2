// Headless Chromium for end-to-end tests: Debian's /usr/bin/chromium driven by playwright-core,
// with a fresh profile per launch and the flags this closed network needs. Screenshots go to
// artifacts/ (ignored by git) so a person can look at what the tests saw.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const ARTIFACTS = resolve(fileURLToPath(new URL('../../artifacts/screenshots', import.meta.url)));

export interface TestBrowser {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Chromium flags for a call: a fake microphone (a beep) and media permission granted without a prompt. */
export const FAKE_MEDIA_ARGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

export interface BrowserOptions {
  /** Defaults to a desktop 1400x900; e.g. { width: 390, height: 844 } for a phone. */
  viewport?: { width: number; height: number };
  isMobile?: boolean;
  /** More Chromium flags, e.g. FAKE_MEDIA_ARGS. */
  extraArgs?: string[];
}

export async function launchBrowser(options: BrowserOptions = {}): Promise<TestBrowser> {
  const extraArgs = options.extraArgs ?? [];
  const profile = mkdtempSync(join(tmpdir(), 'trygg-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
    viewport: options.viewport ?? { width: 1400, height: 900 },
    ...(options.isMobile ? { isMobile: true, hasTouch: true } : {}),
  });
  return {
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

export async function login(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(baseUrl);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}
