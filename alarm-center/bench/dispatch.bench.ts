// A call-out from the operator's click to the responder's phone and back, on a real PostgreSQL
// and the real HTTP and WebSocket stack: how long a dispatch takes to reach the responder's stream,
// and each step's round trip (dispatch, accept, arrived, done with the job sheet, which closes the
// alarm). Sequential call-outs, as a night shift makes them. Prints JSON lines.

import WebSocket from 'ws';
import {
  addResident,
  addResponder,
  addUser,
  createTestDatabase,
  loginClient,
  startTestPlatform,
} from '../src/testing/index.ts';

const CALL_OUTS = Number(process.env.BENCH_CALL_OUTS ?? 300);
const SHEET = {
  foundPlace: 'floor',
  foundPosition: 'sitting',
  leftAs: 'in_chair',
  doorLocked: true,
  othersPresent: false,
  refused: false,
  overrodeWishes: false,
};

const db = await createTestDatabase();
const platform = await startTestPlatform({ databaseUrl: db.url });
try {
  await addResident(platform, 'res-b', { district: 'Centrum' });
  await platform.provisioning.register({
    deviceId: 'pendant-b',
    deviceType: 'pendant',
    serial: 'PB',
    residentId: 'res-b',
    district: 'Centrum',
    heartbeatIntervalS: 60,
    rules: {},
  });
  for (let i = 0; i < 20; i++) await addResponder(platform, `r${i}`, { login: i === 0 });
  const o = await addUser(platform, 'bench-operator', 'operator');
  const operator = await loginClient(platform, o.username, o.password);
  const phone = await loginClient(platform, 'r0', 'pw-r0');
  const ws = new WebSocket(`ws://127.0.0.1:${platform.httpPort}/api/stream`, { headers: { cookie: phone.cookie } });
  // When each dispatch reached the phone's stream; the message may come before the POST answers.
  const seenAt = new Map<string, number>();
  let onSeen: (() => void) | null = null;
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as { type: string; dispatchId?: string; state?: string };
    if (msg.type === 'dispatch' && msg.state === 'dispatched') {
      seenAt.set(msg.dispatchId!, performance.now());
      onSeen?.();
    }
  });
  await new Promise((resolve) => ws.once('message', resolve)); // the hello

  const delivered: number[] = [];
  const steps: Record<'dispatch' | 'accept' | 'arrived' | 'done', number[]> = {
    dispatch: [],
    accept: [],
    arrived: [],
    done: [],
  };
  const timed = async (name: keyof typeof steps, call: () => Promise<{ status: number; body: unknown }>) => {
    const t0 = performance.now();
    const res = await call();
    steps[name].push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { dispatch: { id: string } };
  };

  for (let n = 0; n < CALL_OUTS; n++) {
    await platform.service.raiseAlone({
      deviceId: 'pendant-b',
      residentId: 'res-b',
      district: 'Centrum',
      kind: 'manual',
      at: Date.now(),
      sourceMessageId: null,
      details: {},
    });
    const alarm = (await platform.service.open()).find((a) => a.status === 'new')!;
    await operator.call('POST', `/api/alarms/${alarm.id}/acknowledge`);
    const t0 = performance.now();
    const { dispatch } = await timed('dispatch', () =>
      operator.call('POST', `/api/alarms/${alarm.id}/dispatches`, { responderId: 'r0' }),
    );
    const id = dispatch.id;
    while (!seenAt.has(id)) await new Promise<void>((resolve) => (onSeen = resolve));
    delivered.push(seenAt.get(id)! - t0);
    await timed('accept', () => phone.call('POST', `/api/dispatches/${id}/accept`, {}));
    await timed('arrived', () => phone.call('POST', `/api/dispatches/${id}/arrived`, {}));
    await timed('done', () => phone.call('POST', `/api/dispatches/${id}/done`, SHEET));
  }
  ws.close();

  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! * 100) / 100;
  };
  const line = (metric: string, value: number, unit: string) =>
    process.stdout.write(`${JSON.stringify({ bench: 'dispatch', metric, value, unit })}\n`);
  line('click_to_phone_p50', pct(delivered, 50), 'ms');
  line('click_to_phone_p99', pct(delivered, 99), 'ms');
  for (const [name, xs] of Object.entries(steps)) {
    line(`${name}_p50`, pct(xs, 50), 'ms');
    line(`${name}_p99`, pct(xs, 99), 'ms');
  }
  process.stdout.write(
    `# ${CALL_OUTS} call-outs: dispatch reaches the phone's stream p50 ${pct(delivered, 50)} ms, p99 ${pct(delivered, 99)} ms; ` +
      `done (job sheet + close) p50 ${pct(steps.done, 50)} ms\n`,
  );
} finally {
  await platform.close();
  await db.drop();
}
