// @vitest-environment happy-dom
// The alarm queue as the operator uses it, with its real components: the most urgent alarm on
// top with its priority shown, keyboard-only selection, acknowledging from the row or with `a`,
// `g` to the next unacknowledged alarm, and what a refused acknowledgement says.

import assert from 'node:assert/strict';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { AlarmSummary, User } from '@trygg/console-contract';
import { useState } from 'react';
import { beforeEach, describe, test } from 'vitest';
import en from '../../src/i18n/en.json';
import sv from '../../src/i18n/sv.json';
import { QueuePage } from '../../src/queue/QueuePage.tsx';
import {
  alarm,
  at,
  fakeAlarmCenter,
  freshConsoleEachTest,
  operator,
  renderInConsole,
  technician,
  useSnapshotQueue,
} from './harness.tsx';

function Queue({ alarms, user, notify }: { alarms: AlarmSummary[]; user: User; notify: (m: string) => void }) {
  const live = useSnapshotQueue(alarms);
  const [selected, setSelected] = useState<string | null>(null);
  return <QueuePage live={live} user={user} selectedId={selected} onSelect={setSelected} notify={notify} keysEnabled />;
}

const NIGHT = [
  alarm('battery', { kind: 'battery_low', priority: 4, audience: 'technician', openedAt: at(-90) }),
  alarm('press-new', { kind: 'manual', priority: 2, openedAt: at(-1) }),
  alarm('fall', { kind: 'fall', priority: 1, openedAt: at(-2) }),
  alarm('press-old', { kind: 'manual', priority: 2, openedAt: at(-30) }),
];

const rowIds = () => screen.getAllByTestId('alarm-row').map((r) => r.getAttribute('data-alarm-id'));
const selectedRow = () =>
  screen
    .getAllByTestId('alarm-row')
    .find((r) => r.getAttribute('aria-selected') === 'true')
    ?.getAttribute('data-alarm-id');

describe('the alarm queue', () => {
  freshConsoleEachTest();
  beforeEach(() => {
    location.hash = '#/';
  });

  test('the fall (priority 1) is on top, then presses oldest first, the battery alarm last; each row shows its priority', () => {
    fakeAlarmCenter({});
    renderInConsole(<Queue alarms={NIGHT} user={operator} notify={() => {}} />);
    assert.deepEqual(rowIds(), ['fall', 'press-old', 'press-new', 'battery']);
    const pills = screen.getAllByTestId('alarm-row').map((r) => r.querySelector('.prio-pill')?.textContent);
    assert.deepEqual(pills, ['1', '2', '2', '4']);
    const fall = screen.getAllByTestId('alarm-row')[0]!;
    assert.ok(within(fall).getByText(sv['kind.fall']));
    assert.ok(within(fall).getByText(sv['status.new']));
    assert.ok(screen.getByText(sv['queue.title'].replace('{count}', '4')));
  });

  test('j and k move the selection, Enter opens the selected alarm, a acknowledges it', async () => {
    const center = fakeAlarmCenter({
      'POST /api/alarms/press-old/acknowledge': {
        body: {
          alarm: alarm('press-old', {
            openedAt: at(-30),
            status: 'acknowledged',
            acknowledgedBy: 'olga',
            acknowledgedAt: at(0),
          }),
        },
      },
    });
    const notices: string[] = [];
    renderInConsole(<Queue alarms={NIGHT} user={operator} notify={(m) => notices.push(m)} />);
    const user = userEvent.setup();
    await user.keyboard('j');
    assert.equal(selectedRow(), 'fall');
    await user.keyboard('jjk');
    assert.equal(selectedRow(), 'press-old');

    await user.keyboard('a');
    await waitFor(() => assert.equal(center.to('POST', '/api/alarms/press-old/acknowledge').length, 1));
    await waitFor(() => assert.deepEqual(notices, [sv['notice.acknowledged'].replace('{kind}', sv['kind.manual'])]));
    const row = screen.getAllByTestId('alarm-row').find((r) => r.getAttribute('data-alarm-id') === 'press-old')!;
    await waitFor(() => assert.equal(row.getAttribute('data-status'), 'acknowledged'));
    assert.equal(within(row).queryByTestId('alarm-ack'), null, 'no acknowledge button on an acknowledged alarm');

    await user.keyboard('{Enter}');
    assert.equal(location.hash, '#/alarm/press-old');
  });

  test('g jumps to the most urgent unacknowledged alarm, and says so when there is none', async () => {
    fakeAlarmCenter({});
    const notices: string[] = [];
    const acknowledged = { status: 'acknowledged' as const, acknowledgedBy: 'olga', acknowledgedAt: at(0) };
    const alarms = [
      alarm('fall', { kind: 'fall', priority: 1, openedAt: at(-2), ...acknowledged }),
      alarm('press', { priority: 2, openedAt: at(-5) }),
    ];
    const { unmount } = renderInConsole(<Queue alarms={alarms} user={operator} notify={(m) => notices.push(m)} />);
    const user = userEvent.setup();
    await user.keyboard('g');
    assert.equal(selectedRow(), 'press');
    unmount();

    renderInConsole(<Queue alarms={[alarms[0]!]} user={operator} notify={(m) => notices.push(m)} />);
    await user.keyboard('g');
    assert.equal(selectedRow(), undefined);
    assert.deepEqual(notices, [sv['queue.noneUnacknowledged']]);
  });

  test('an alarm someone else acknowledged first: the operator is told so in words, and the row stays', async () => {
    fakeAlarmCenter({
      'POST /api/alarms/fall/acknowledge': {
        status: 409,
        body: { code: 'ALARM_ALREADY_ACKNOWLEDGED', message: 'already acknowledged', statusCode: 409 },
      },
    });
    const notices: string[] = [];
    renderInConsole(<Queue alarms={NIGHT} user={operator} notify={(m) => notices.push(m)} />);
    const fall = screen.getAllByTestId('alarm-row')[0]!;
    await userEvent.setup().click(within(fall).getByTestId('alarm-ack'));
    await waitFor(() => assert.deepEqual(notices, [sv['error.ALARM_ALREADY_ACKNOWLEDGED']]));
    assert.equal(rowIds().length, 4);
  });

  test('a technician sees the queue but no acknowledge buttons, in English when chosen', () => {
    localStorage.setItem('trygg.lang', 'en');
    fakeAlarmCenter({});
    renderInConsole(<Queue alarms={NIGHT} user={technician} notify={() => {}} />);
    assert.equal(screen.queryAllByTestId('alarm-ack').length, 0);
    assert.ok(within(screen.getAllByTestId('alarm-row')[0]!).getByText(en['kind.fall']));
  });
});
