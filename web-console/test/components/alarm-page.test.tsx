// @vitest-environment happy-dom
// One alarm as the operator handles it, with the real page and its real actions: what is shown,
// and exactly what each action sends to the alarm center (acknowledge, note a call, dispatch,
// close with an outcome), by mouse and by key; a refusal is said in words.

import assert from 'node:assert/strict';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { AlarmDetail, AlarmSummary } from '@trygg/console-contract';
import { afterEach, beforeEach, describe, test } from 'vitest';
import { AlarmPage } from '../../src/alarm/AlarmPage.tsx';
import sv from '../../src/i18n/sv.json';
import {
  alarm,
  alarmPanelRoutes,
  at,
  fakeAlarmCenter,
  freshConsoleEachTest,
  operator,
  type Reply,
  type Routes,
  renderInConsole,
  useSnapshotQueue,
} from './harness.tsx';

const FALL = alarm('a-17', { kind: 'fall', priority: 1, openedAt: at(-3), deviceType: 'fall' });
const PATH = '/api/alarms/a-17';

function detail(a: AlarmSummary): AlarmDetail {
  return {
    alarm: a,
    history: [{ at: a.openedAt, type: 'opened', actor: null, note: null }],
    resident: {
      id: 'res-a-17',
      name: 'Brukare a-17',
      address: 'Storgatan 1',
      district: 'Centrum',
      access: 'Nyckelgömma vid dörren',
      doorCode: '1234',
      contacts: [{ name: 'Eva', relation: 'dotter', phone: '070-000 00 00' }],
      notes: '',
    },
    details: {},
    recentEvents: [],
  };
}

const changed = (over: Partial<AlarmSummary>) => ({ body: { alarm: { ...FALL, ...over } } });

function Page({ notify }: { notify: (m: string) => void }) {
  const live = useSnapshotQueue([FALL]);
  return <AlarmPage id="a-17" live={live} user={operator} notify={notify} keysEnabled onBack={() => {}} />;
}

let center: ReturnType<typeof fakeAlarmCenter> | null = null;

/** The center as the page meets it: the alarm reads back as the last accepted action left it. */
function open(routes: Routes) {
  let current = FALL;
  const remembering: Routes = {};
  for (const [route, reply] of Object.entries(routes)) {
    remembering[route] = (body, path) => {
      const r = typeof reply === 'function' ? reply(body, path) : reply;
      const changedAlarm = r !== 'no-answer' && (r.body as { alarm?: AlarmSummary } | undefined)?.alarm;
      if (changedAlarm && (r as Reply).status === undefined) current = changedAlarm;
      return r;
    };
  }
  const c = fakeAlarmCenter({
    ...alarmPanelRoutes(FALL),
    [`GET ${PATH}`]: () => ({ body: detail(current) }),
    ...remembering,
  });
  center = c;
  const notices: string[] = [];
  renderInConsole(<Page notify={(m) => notices.push(m)} />);
  return { center: c, notices, user: userEvent.setup() };
}

describe('the alarm page', () => {
  freshConsoleEachTest();
  beforeEach(() => {
    location.hash = `#/alarm/a-17`;
    center = null;
  });
  // Every panel of the page (call-out, voice call, staff names) is answered as the server would.
  afterEach(() => assert.deepEqual(center?.unrouted ?? [], []));

  test('shows the alarm, its priority and the resident card with the door code', async () => {
    open({});
    const view = await screen.findByTestId('alarm-view');
    assert.equal(view.getAttribute('data-status'), 'new');
    assert.equal(view.querySelector('.alarm-head .prio-pill')?.textContent, '1');
    assert.equal(view.querySelector('.alarm-head h2')?.textContent, `1${sv['kind.fall']}`);
    assert.ok(screen.getByText('1234'));
    assert.ok(screen.getByText('Nyckelgömma vid dörren'));
  });

  test('acknowledge, note a call and dispatch send what the operator typed, trimmed, and confirm it', async () => {
    const { center, notices, user } = open({
      [`POST ${PATH}/acknowledge`]: changed({ status: 'acknowledged', acknowledgedBy: 'olga' }),
      [`POST ${PATH}/notes`]: changed({ status: 'acknowledged', acknowledgedBy: 'olga' }),
      [`POST ${PATH}/dispatch`]: changed({ status: 'dispatched', acknowledgedBy: 'olga' }),
    });
    await user.click(await screen.findByTestId('action-ack'));
    await waitFor(() => assert.equal(center.to('POST', `${PATH}/acknowledge`).length, 1));
    await waitFor(() => assert.equal(screen.getByTestId('alarm-view').getAttribute('data-status'), 'acknowledged'));
    // Taken, the alarm can be called out: the call-out panel offers the patrol in the resident's district.
    assert.ok(await screen.findByTestId('suggestion-patrol-2'));

    const noteButton = screen.getByTestId('action-note');
    assert.equal((noteButton as HTMLButtonElement).disabled, true, 'an empty note cannot be saved');
    await user.type(screen.getByPlaceholderText(sv['actions.notePlaceholder']), '  Brukaren har ramlat i hallen  ');
    await user.click(noteButton);
    await waitFor(() =>
      assert.deepEqual(
        center.to('POST', `${PATH}/notes`).map((r) => r.body),
        [{ text: 'Brukaren har ramlat i hallen' }],
      ),
    );

    await user.type(screen.getByPlaceholderText(sv['actions.responderPlaceholder']), 'Nattpatrull 2{Enter}');
    await waitFor(() =>
      assert.deepEqual(
        center.to('POST', `${PATH}/dispatch`).map((r) => r.body),
        [{ responder: 'Nattpatrull 2' }],
      ),
    );
    await waitFor(() =>
      assert.deepEqual(notices, [
        sv['notice.acknowledged'].replace('{kind}', sv['kind.fall']),
        sv['notice.noted'],
        sv['notice.dispatched'],
      ]),
    );
  });

  test('c opens the close form with the outcome focused; closing needs an outcome, sends it and returns to the queue', async () => {
    const { center, notices, user } = open({
      [`POST ${PATH}/close`]: changed({ status: 'closed', outcome: 'false_alarm' }),
    });
    await screen.findByTestId('alarm-view');
    await user.keyboard('c');
    const outcome = await screen.findByTestId('close-outcome');
    assert.equal(document.activeElement, outcome);
    assert.equal((screen.getByTestId('close-confirm') as HTMLButtonElement).disabled, true);
    await user.selectOptions(outcome, 'false_alarm');
    await user.type(screen.getByTestId('close-note'), 'Tryckte av misstag');
    await user.click(screen.getByTestId('close-confirm'));
    await waitFor(() =>
      assert.deepEqual(
        center.to('POST', `${PATH}/close`).map((r) => r.body),
        [{ outcome: 'false_alarm', note: 'Tryckte av misstag' }],
      ),
    );
    await waitFor(() => assert.equal(location.hash, '#/'));
    assert.deepEqual(notices, [sv['notice.closed']]);
  });

  test('a closed-elsewhere alarm: the refusal is said in words and nothing is shown as done', async () => {
    const { notices, user } = open({
      [`POST ${PATH}/acknowledge`]: {
        status: 409,
        body: { code: 'ALARM_CLOSED', message: 'closed', statusCode: 409 },
      },
    });
    await user.click(await screen.findByTestId('action-ack'));
    await waitFor(() => assert.deepEqual(notices, [sv['error.ALARM_CLOSED']]));
    assert.equal(screen.getByTestId('alarm-view').getAttribute('data-status'), 'new');
  });

  test('an alarm the center cannot find shows the translated error, not a blank page', async () => {
    fakeAlarmCenter({
      [`GET ${PATH}`]: { status: 404, body: { code: 'ALARM_NOT_FOUND', message: 'no such alarm', statusCode: 404 } },
    });
    renderInConsole(<Page notify={() => {}} />);
    assert.equal((await screen.findByRole('alert')).textContent, sv['error.ALARM_NOT_FOUND']);
  });
});
