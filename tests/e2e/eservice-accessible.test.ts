// The public e-service as a citizen over 75 meets it, in headless Chromium at a desktop's and a
// phone's size: light and WCAG 2.1 AA clean (axe-core) empty, with errors and after sending; each
// radio and checkbox beside its label; errors in Swedish under their field; a visible count of the
// message's characters that refuses instead of cutting; a status page that says one thing about who
// decides; the sign-in card and the identity provider's sign-in page AA clean too.

import assert from 'node:assert/strict';
import type { Platform } from '@trygg/alarm-center';
import { createTestDatabase, startTestPlatform, type TestDatabase } from '@trygg/alarm-center/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { wcagViolations } from '../src/axe.ts';
import { launchBrowser, screenshot, type TestBrowser } from '../src/browser.ts';
import { buildConsole } from '../src/console.ts';
import { IDENTITY, openSignedIn, signInToEService } from '../src/eservice.ts';

const DESKTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };

// Name and identity number come from the sign-in; these are what the form asks.
const APPLICANT = {
  phone: '031-12 34 56',
  street: 'Storgatan 5',
  postalCode: '411 38',
  city: 'Göteborg',
};

const text = async (page: Page, testId: string) => ((await page.getByTestId(testId).textContent()) ?? '').trim();

async function assertNoViolations(page: Page, where: string): Promise<void> {
  const violations = await wcagViolations(page);
  assert.deepEqual(violations, [], `${where}: ${JSON.stringify(violations, null, 1)}`);
}

async function fill(page: Page, values: Record<string, string>): Promise<void> {
  for (const [field, value] of Object.entries(values)) await page.getByTestId(`apply-${field}`).fill(value);
}

describe('the public e-service is usable by an applicant over 75', () => {
  let db: TestDatabase;
  let platform: Platform;
  let base: string;
  let browser: TestBrowser;

  beforeAll(async () => {
    const consoleDist = await buildConsole();
    db = await createTestDatabase();
    platform = await startTestPlatform({ databaseUrl: db.url, consoleDist });
    base = `http://127.0.0.1:${platform.httpPort}`;
    await platform.grants.setDistrict('Centrum', true, 'test');
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.close();
    await db?.drop();
  });

  /** The form, signed in (as Greta unless this browser already is). */
  async function applyPage(size: { width: number; height: number }): Promise<Page> {
    const page = await browser.newPage();
    await page.setViewportSize(size);
    await openSignedIn(page, base, IDENTITY.greta);
    return page;
  }

  it('the sign-in card and the identity provider’s sign-in page are AA clean, light and in Swedish', async () => {
    const fresh = await launchBrowser();
    try {
      const page = await fresh.newPage();
      await page.setViewportSize(PHONE);
      await page.goto(`${base}/#/apply`);
      await page.getByTestId('apply-sign-in-button').waitFor();
      assert.equal(await page.getByTestId('apply-submit').count(), 0, 'no form before signing in');
      await screenshot(page, 'eservice-phone-sign-in');
      await assertNoViolations(page, 'sign-in card');
      await signInToEService(page, IDENTITY.greta, async (provider) => {
        await screenshot(provider, 'eservice-phone-provider');
        assert.equal(await provider.getAttribute('html', 'lang'), 'sv');
        await assertNoViolations(provider, 'the identity provider’s sign-in page');
        const rgb = await provider.evaluate(() =>
          getComputedStyle(document.body).backgroundColor.match(/\d+/g)!.map(Number),
        );
        assert.ok(Math.min(...rgb.slice(0, 3)) >= 240, `light provider page, got ${rgb}`);
      });
      await assertNoViolations(page, 'the form, signed in');
    } finally {
      await fresh.close();
    }
  });

  for (const [device, size] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    it(`on a ${device} the empty form has no WCAG 2.1 AA violations, a light page and targets of 44 px`, async () => {
      const page = await applyPage(size);
      await screenshot(page, `eservice-${device}-empty`);
      assert.match(await page.title(), /^Trygghetslarm/, 'the browser tab names the e-service');
      await assertNoViolations(page, `empty form on a ${device}`);
      const looks = await page.evaluate(() => {
        const rgb = getComputedStyle(document.documentElement).backgroundColor.match(/\d+/g)!.map(Number);
        const small = [
          ...document.querySelectorAll<HTMLElement>(
            'main input, main select, main textarea, main button, header a, header button',
          ),
        ]
          .map((el) => {
            // A radio or checkbox is hit through its whole label.
            const target = el.matches('[type=radio], [type=checkbox]') ? (el.closest('label') ?? el) : el;
            const box = target.getBoundingClientRect();
            return { what: el.dataset.testid ?? el.textContent, height: box.height, width: box.width };
          })
          .filter((t) => t.height < 44 || t.width < 44);
        const title = document.querySelector('h1')!.getBoundingClientRect();
        return {
          background: rgb,
          small,
          titleLeft: title.left,
          titleRight: innerWidth - title.right,
          scrollsSideways: document.documentElement.scrollWidth > innerWidth,
        };
      });
      assert.ok(Math.min(...looks.background.slice(0, 3)) >= 240, `light background, got ${looks.background}`);
      assert.deepEqual(looks.small, [], 'every control is at least 44 x 44 px');
      assert.ok(
        looks.titleLeft >= 12 && looks.titleRight >= 0,
        `the title keeps off the edge: ${JSON.stringify(looks)}`,
      );
      assert.equal(looks.scrollsSideways, false, 'nothing scrolls sideways');
      await page.close();
    });
  }

  it('the operator console keeps its night theme', async () => {
    const page = await browser.newPage();
    await page.goto(base);
    await page.getByTestId('login-username').waitFor();
    const rgb = await page.evaluate(() =>
      getComputedStyle(document.documentElement).backgroundColor.match(/\d+/g)!.map(Number),
    );
    assert.ok(Math.max(...rgb.slice(0, 3)) < 60, `dark background, got ${rgb}`);
    await page.close();
  });

  it('on a desktop the form is a readable column in the middle of the page', async () => {
    const page = await applyPage(DESKTOP);
    const form = await page.locator('form').boundingBox();
    assert.ok(form, 'the form is shown');
    assert.ok(form.width >= 560 && form.width <= 800, `form width ${form.width}`);
    const leftGap = form.x;
    const rightGap = DESKTOP.width - form.x - form.width;
    assert.ok(Math.abs(leftGap - rightGap) < 40, `centred: ${leftGap} / ${rightGap}`);
    await page.close();
  });

  for (const [device, size] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    it(`on a ${device} every radio and checkbox sits beside its label, on the label's first line`, async () => {
      const page = await applyPage(size);
      // The needs-assessed application adds its health questions, each answered Ja or Nej.
      await page.getByTestId('apply-basis-sol_4_1').check();
      await page.getByTestId('apply-fallRisk-yes').waitFor();
      await screenshot(page, `eservice-${device}-health-questions`);
      await assertNoViolations(page, `form with health questions on a ${device}`);
      const misplaced = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLInputElement>('input[type=radio], input[type=checkbox]')].flatMap((box) => {
          const label = box.closest('label')!;
          const words = [...label.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim());
          const range = document.createRange();
          range.selectNodeContents(words ?? label);
          const line = range.getClientRects()[0]!;
          const b = box.getBoundingClientRect();
          const middle = b.top + b.height / 2;
          const beside = b.right <= line.left + 1 && middle >= line.top && middle <= line.bottom;
          return beside ? [] : [{ box: box.dataset.testid, b: b.toJSON(), line: line.toJSON() }];
        }),
      );
      assert.deepEqual(misplaced, []);
      await page.close();
    });
  }

  it('a wrong identity number is explained in Swedish under its field, and the page stays AA clean', async () => {
    const page = await applyPage(PHONE);
    // Only someone applying for another person types an identity number: that person's.
    await page.getByTestId('apply-for-other').check();
    await fill(page, { ...APPLICANT, subjectName: 'Karl Lindqvist', subjectPersonalNumber: '1940-03-12' });
    await page.getByTestId('apply-submit').click();
    const error = page.getByTestId('apply-error-subjectPersonalNumber');
    await error.waitFor();
    const said = await text(page, 'apply-error-subjectPersonalNumber');
    assert.match(said, /ÅÅÅÅMMDD-XXXX/);
    assert.doesNotMatch(said, /format|YYYY|required|Kontrollera:/);
    const input = (await page.getByTestId('apply-subjectPersonalNumber').boundingBox())!;
    const box = (await error.boundingBox())!;
    assert.ok(box.y >= input.y + input.height - 1, 'the message is under the field');
    assert.equal(
      await page.getByTestId('apply-subjectPersonalNumber').getAttribute('aria-describedby'),
      await error.getAttribute('id'),
      'a screen reader reads the message with the field',
    );
    await screenshot(page, 'eservice-phone-bad-number');

    await fill(page, { subjectPersonalNumber: '19450230-1234' });
    await page.getByTestId('apply-submit').click();
    await page.getByText('Datumet i personnumret finns inte').waitFor();
    await fill(page, { subjectPersonalNumber: IDENTITY.karl.replace(/\d$/, (d) => String((Number(d) + 1) % 10)) });
    await page.getByTestId('apply-submit').click();
    await page.getByText('Kontrollsiffran (sista siffran) stämmer inte').waitFor();

    // Everything missing: each field says in Swedish what to write.
    await page.goto(`${base}/#/apply`);
    await page.reload();
    await page.getByTestId('apply-submit').waitFor();
    await page.getByTestId('apply-submit').click();
    await page.getByTestId('apply-error-phone').waitFor();
    assert.equal(await text(page, 'apply-error-phone'), 'Fyll i ditt telefonnummer.');
    assert.equal(await text(page, 'apply-error-district'), 'Välj din stadsdel i listan.');
    assert.match(await text(page, 'apply-error-postalCode'), /fem siffror/);
    await screenshot(page, 'eservice-phone-missing');
    await assertNoViolations(page, 'form with errors');
    await page.setViewportSize(DESKTOP);
    await screenshot(page, 'eservice-desktop-missing');
    await assertNoViolations(page, 'form with errors on a desktop');

    await page.getByRole('button', { name: 'English' }).click();
    await page.getByTestId('apply-submit').click();
    await page.getByText('Enter your phone number.').waitFor();
    await page.getByRole('button', { name: 'Svenska' }).click();
    await page.close();
  });

  it('the message field counts its characters and refuses (never cuts) more than 2,000', async () => {
    const page = await applyPage(PHONE);
    const message = page.getByTestId('apply-message');
    assert.equal(await message.getAttribute('maxlength'), null, 'the browser does not cut what is pasted');
    assert.equal(await text(page, 'apply-message-count'), '0 av 2000 tecken');
    await message.fill('Jag bor ensam.');
    assert.equal(await text(page, 'apply-message-count'), '14 av 2000 tecken');
    await message.fill('x'.repeat(2000));
    assert.match(await text(page, 'apply-message-count'), /^2000 av 2000 tecken/);
    assert.match(await text(page, 'apply-message-count'), /fullt/);
    assert.equal(
      await message.getAttribute('aria-describedby'),
      await page.getByTestId('apply-message-count').getAttribute('id'),
    );
    await message.fill('x'.repeat(2005));
    assert.equal(await text(page, 'apply-message-count'), '2005 av 2000 tecken – 5 tecken för mycket');
    await fill(page, APPLICANT);
    await page.getByTestId('apply-district').selectOption('Centrum');
    await page.getByTestId('apply-submit').click();
    await page.getByTestId('apply-error-message').waitFor();
    assert.equal(await text(page, 'apply-error-message'), 'Texten är för lång: högst 2000 tecken.');
    assert.equal((await message.inputValue()).length, 2005, 'the text is kept as written');
    assert.equal(await page.getByTestId('apply-done').count(), 0, 'nothing was sent as if it fitted');
    await page.close();
  });

  it('the receipt and the status page of a granted application are AA clean and say who decided', async () => {
    const page = await applyPage(PHONE);
    await fill(page, APPLICANT);
    await page.getByTestId('apply-district').selectOption('Centrum');
    await page.getByTestId('apply-maxFeeConsent').check();
    await page.getByTestId('apply-submit').click();
    await page.getByTestId('apply-done').waitFor();
    await screenshot(page, 'eservice-phone-receipt');
    await assertNoViolations(page, 'receipt');
    const token = await page.getByTestId('apply-token').evaluate((el) => ({
      overflows: el.scrollWidth > el.clientWidth,
      right: el.getBoundingClientRect().right,
    }));
    assert.ok(!token.overflows && token.right <= PHONE.width, `the long status code wraps: ${JSON.stringify(token)}`);
    await page.getByTestId('apply-see-status').click();
    await page.getByTestId('status-state').waitFor();
    assert.equal(await text(page, 'status-state'), 'Beviljad');
    assert.match(await text(page, 'status-decided-by'), /Automatiskt enligt kommunens regler/);
    await screenshot(page, 'eservice-phone-status-granted');
    await assertNoViolations(page, 'status page, granted');
    await page.close();
  });

  it('an application the rules hand to a case worker is not also called decided automatically', async () => {
    // Karl, in a browser of his own: Greta already has an open application.
    const karlsBrowser = await launchBrowser();
    const page = await karlsBrowser.newPage();
    await page.setViewportSize(DESKTOP);
    await openSignedIn(page, base, IDENTITY.karl);
    await fill(page, APPLICANT);
    await page.getByTestId('apply-district').selectOption('Centrum');
    await page.getByTestId('apply-intervention-home_care').check();
    await page.getByTestId('apply-submit').click();
    await page.getByTestId('apply-done').waitFor();
    assert.equal(await text(page, 'apply-decision'), 'Hos handläggare');
    await page.getByTestId('apply-see-status').click();
    await page.getByTestId('status-state').waitFor();
    assert.equal(await text(page, 'status-state'), 'Hos handläggare');
    const body = (await page.locator('main').textContent()) ?? '';
    assert.doesNotMatch(body, /Beslutad|[Aa]utomatiskt/, body);
    assert.match(await text(page, 'status-decided-by'), /En handläggare fattar beslutet/);
    await screenshot(page, 'eservice-desktop-status-manual');
    await assertNoViolations(page, 'status page, with a case worker');
    await page.setViewportSize(PHONE);
    await screenshot(page, 'eservice-phone-status-manual');
    await karlsBrowser.close();
  });
});
