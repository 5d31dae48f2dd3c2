// @vitest-environment happy-dom
// The voice panel of a SCAIP alarm as its holder meets it: "Ring upp" when the unit never called
// (or its call ended, or is still awaited), exactly the request it sends, "Ringer upp larmet …"
// while the gateway calls, a way to cancel that, and a refusal said in words. Others see no button.

import assert from 'node:assert/strict';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { VoiceCall } from '@trygg/console-contract';
import { describe, test } from 'vitest';
import { VoiceCallPanel } from '../../src/alarm/VoiceCallPanel.tsx';
import sv from '../../src/i18n/sv.json';
import { HelpOverlay } from '../../src/keyboard/HelpOverlay.tsx';
import { ALARM_KEYS, QUEUE_KEYS, VOICE_KEYS } from '../../src/keyboard/keys.ts';
import { alarm, at, fakeAlarmCenter, freshConsoleEachTest, operator, renderInConsole } from './harness.tsx';

const HELD = alarm('a-9', { deviceId: 'scaip-4600123-1', status: 'acknowledged', acknowledgedBy: operator.username });
const CALLS = '/api/alarms/a-9/calls';

const callBack = (over: Partial<VoiceCall>): VoiceCall => ({
  callId: 'call-00000009',
  alarmId: 'a-9',
  deviceId: HELD.deviceId,
  direction: 'receiver-calls-back',
  media: 'duplex',
  state: 'offered',
  // now, on the wall clock the panel reads: a call-back past its window is one its gateway forgot
  offeredAt: new Date().toISOString(),
  deadlineAt: new Date(Date.now() + 60_000).toISOString(),
  ringingAt: null,
  codec: null,
  answeredBy: null,
  answeredAt: null,
  endedAt: null,
  endReason: null,
  durationS: null,
  ...over,
});

describe('the voice panel: Ring upp', () => {
  freshConsoleEachTest();

  test('the holder rings up a unit that never called; the panel says it is calling; the call-back can be cancelled', async () => {
    let calls: VoiceCall[] = [];
    const center = fakeAlarmCenter({
      [`GET ${CALLS}`]: () => ({ body: { calls } }),
      'POST /api/alarms/a-9/callback': () => {
        calls = [callBack({})];
        return { body: { callId: 'call-00000009' } };
      },
      [`POST ${CALLS}/call-00000009/control`]: { body: { ok: true } },
    });
    renderInConsole(<VoiceCallPanel alarm={HELD} user={operator} />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: sv['voice.callBack'] }));
    assert.equal(center.to('POST', '/api/alarms/a-9/callback').length, 1);
    await waitFor(() =>
      assert.equal(screen.getByTestId('voice-call-status').textContent, sv['voice.state.callingUnit']),
    );
    assert.equal(
      screen.queryByRole('button', { name: sv['voice.callBack'] }),
      null,
      'no second call-back while one is placed',
    );
    await user.click(screen.getByTestId('voice-cancel-callback'));
    assert.deepEqual(
      center.to('POST', `${CALLS}/call-00000009/control`).map((r) => r.body),
      [{ action: 'hangup' }],
    );
  });

  test('after a call-back the unit refused, the history reason shows and Ring upp is offered again', async () => {
    fakeAlarmCenter({
      [`GET ${CALLS}`]: {
        body: { calls: [callBack({ state: 'ended', endReason: 'no-voice-contact', endedAt: at(1) })] },
      },
    });
    renderInConsole(<VoiceCallPanel alarm={HELD} user={operator} />);
    assert.ok(await screen.findByRole('button', { name: sv['voice.callBack'] }));
    assert.match(screen.getByTestId('voice-call-status').textContent ?? '', new RegExp(sv['voice.noContact']));
  });

  test('a refusal is said in words', async () => {
    fakeAlarmCenter({
      [`GET ${CALLS}`]: { body: { calls: [] } },
      'POST /api/alarms/a-9/callback': {
        status: 409,
        body: { code: 'CALLBACK_NOT_POSSIBLE', message: 'x', statusCode: 409 },
      },
    });
    renderInConsole(<VoiceCallPanel alarm={HELD} user={operator} />);
    await userEvent.setup().click(await screen.findByRole('button', { name: sv['voice.callBack'] }));
    assert.ok(await screen.findByText(sv['error.CALLBACK_NOT_POSSIBLE']));
  });

  test('an operator who does not hold the alarm, or an MQTT unit that never had a call, gets no Ring upp', async () => {
    const center = fakeAlarmCenter({ [`GET ${CALLS}`]: { body: { calls: [] } } });
    const { unmount } = renderInConsole(
      <VoiceCallPanel alarm={{ ...HELD, acknowledgedBy: 'someone-else' }} user={operator} />,
    );
    await waitFor(() => assert.equal(center.to('GET', CALLS).length, 1));
    assert.equal(screen.queryByRole('button', { name: sv['voice.callBack'] }), null);
    unmount();
    renderInConsole(<VoiceCallPanel alarm={{ ...HELD, deviceId: 'pendant-a-9' }} user={operator} />);
    await waitFor(() => assert.equal(center.to('GET', CALLS).length, 2));
    assert.equal(screen.queryByRole('button', { name: sv['voice.callBack'] }), null);
  });

  test('our own MQTT unit whose call on this alarm ended gets Ring upp (it is told to call again); not while that call is awaited', async () => {
    const own = { ...HELD, deviceId: 'pendant-a-9' };
    const unitCall = (over: Partial<VoiceCall>) =>
      callBack({ deviceId: own.deviceId, direction: 'unit-calls', ...over });
    let calls: VoiceCall[] = [unitCall({ state: 'offered' })];
    const center = fakeAlarmCenter({
      [`GET ${CALLS}`]: () => ({ body: { calls } }),
      'POST /api/alarms/a-9/callback': { body: { callId: 'call-00000010' } },
    });
    const { unmount } = renderInConsole(<VoiceCallPanel alarm={own} user={operator} />);
    await waitFor(() => assert.equal(center.to('GET', CALLS).length, 1));
    assert.equal(screen.queryByRole('button', { name: sv['voice.callBack'] }), null, 'its own call is still awaited');
    unmount();
    calls = [unitCall({ state: 'ended', endReason: 'operator-hung-up', endedAt: at(1) })];
    renderInConsole(<VoiceCallPanel alarm={own} user={operator} />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: sv['voice.callBack'] }));
    assert.equal(center.to('POST', '/api/alarms/a-9/callback').length, 1);
  });

  test('r rings up, as the button does; listed in the ? help; no key of the alarm view means two things', async () => {
    let calls: VoiceCall[] = [];
    const center = fakeAlarmCenter({
      [`GET ${CALLS}`]: () => ({ body: { calls } }),
      'POST /api/alarms/a-9/callback': () => {
        calls = [callBack({})];
        return { body: { callId: 'call-00000009' } };
      },
    });
    renderInConsole(<VoiceCallPanel alarm={HELD} user={operator} />);
    await screen.findByRole('button', { name: sv['voice.callBack'] });
    const user = userEvent.setup();
    await user.keyboard('r');
    await waitFor(() => assert.equal(center.to('POST', '/api/alarms/a-9/callback').length, 1));
    await waitFor(() =>
      assert.equal(screen.getByTestId('voice-call-status').textContent, sv['voice.state.callingUnit']),
    );
    await user.keyboard('r'); // a call-back is being placed: no second one
    assert.equal(center.to('POST', '/api/alarms/a-9/callback').length, 1);

    const alarmView = [...Object.keys(ALARM_KEYS), ...Object.keys(VOICE_KEYS)];
    assert.equal(new Set(alarmView).size, alarmView.length, 'voice keys clash with the alarm view');
    assert.ok(!('r' in QUEUE_KEYS) && !('?' in VOICE_KEYS));
    renderInConsole(<HelpOverlay onClose={() => {}} />);
    const help = screen.getByTestId('help-overlay');
    const row = [...help.querySelectorAll('tr')].find((tr) => tr.textContent?.includes(sv['help.voiceCallBack']));
    assert.ok(row, 'Ring upp is in the help');
    assert.equal(row.querySelector('td')?.textContent, 'r');
  });

  test('r does nothing for an operator who does not hold the alarm', async () => {
    const center = fakeAlarmCenter({ [`GET ${CALLS}`]: { body: { calls: [] } } });
    renderInConsole(<VoiceCallPanel alarm={{ ...HELD, acknowledgedBy: 'someone-else' }} user={operator} />);
    await waitFor(() => assert.equal(center.to('GET', CALLS).length, 1));
    await userEvent.setup().keyboard('r');
    assert.equal(center.to('POST', '/api/alarms/a-9/callback').length, 0);
  });

  test('a call-back whose gateway went silent past its window offers Ring upp again ("Ingen röstkontakt")', async () => {
    // offered 10 minutes ago, window 1 minute: its gateway stopped before saying how it ended
    const stale = callBack({
      offeredAt: new Date(Date.now() - 600_000).toISOString(),
      deadlineAt: new Date(Date.now() - 540_000).toISOString(),
    });
    let calls = [callBack({})];
    fakeAlarmCenter({ [`GET ${CALLS}`]: () => ({ body: { calls } }) });
    const { unmount } = renderInConsole(<VoiceCallPanel alarm={HELD} user={operator} />);
    await waitFor(() =>
      assert.equal(screen.getByTestId('voice-call-status').textContent, sv['voice.state.callingUnit']),
    );
    assert.equal(screen.queryByRole('button', { name: sv['voice.callBack'] }), null);
    unmount();
    calls = [stale];
    renderInConsole(<VoiceCallPanel alarm={HELD} user={operator} />);
    assert.ok(await screen.findByRole('button', { name: sv['voice.callBack'] }));
    assert.equal(screen.getByTestId('voice-call-status').textContent, sv['voice.noContact']);
    assert.equal(screen.queryByTestId('voice-cancel-callback'), null);
  });
});

describe('the voice panel: the recording policy', () => {
  freshConsoleEachTest();

  test('a call being recorded says "Samtalet spelas in"; one that is not says nothing of it', async () => {
    let calls: VoiceCall[] = [
      callBack({ state: 'ringing', ringingAt: new Date().toISOString(), recording: 'recording' }),
    ];
    fakeAlarmCenter({ [`GET ${CALLS}`]: () => ({ body: { calls } }) });
    const { unmount } = renderInConsole(<VoiceCallPanel alarm={HELD} user={operator} />);
    assert.equal((await screen.findByTestId('voice-recorded')).textContent, sv['voice.recorded']);
    assert.equal(sv['voice.recorded'], 'Samtalet spelas in');
    unmount();
    calls = [callBack({ state: 'ringing', ringingAt: new Date().toISOString() })];
    renderInConsole(<VoiceCallPanel alarm={HELD} user={operator} />);
    await screen.findByTestId('voice-answer');
    assert.equal(screen.queryByTestId('voice-recorded'), null);
  });
});
