// The public e-service's sign-in in Chromium: from the e-service's sign-in card to the local
// identity provider's page, a demo identity chosen, back on the form signed in.

import type { Page } from 'playwright-core';

/** The demo identities of @trygg/identity-provider the e-service tests sign in as. */
export const IDENTITY = {
  /** Greta Andersson, 86: applies for herself. */
  greta: '19400312-2381',
  /** Karl Lindqvist, 93. */
  karl: '19330920-1188',
  /** Anna Svensson, 41: a relative applying for someone else. */
  anna: '19850621-2466',
} as const;

/**
 * Signs in at the provider from the e-service's sign-in card (the page must show it); `atProvider`
 * runs on the provider's page before the identity is chosen (e.g. an accessibility check).
 */
export async function signInToEService(
  page: Page,
  personalNumber: string,
  atProvider?: (page: Page) => Promise<void>,
): Promise<void> {
  await page.getByTestId('apply-sign-in-button').click();
  await page.getByTestId('idp-sign-in').waitFor();
  await atProvider?.(page);
  await page.getByTestId(`idp-identity-${personalNumber}`).check();
  await page.getByTestId('idp-sign-in').click();
  await page.getByTestId('apply-signed-in').waitFor();
}

/** Opens the e-service's form, signing in as `personalNumber` first if this browser is not signed in. */
export async function openSignedIn(page: Page, base: string, personalNumber: string): Promise<void> {
  await page.goto(`${base}/#/apply`);
  const form = page.getByTestId('apply-submit');
  const signIn = page.getByTestId('apply-sign-in-button');
  await form.or(signIn).first().waitFor();
  if (await signIn.isVisible()) await signInToEService(page, personalNumber);
  await form.waitFor();
}
