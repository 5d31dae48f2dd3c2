// The SCAIP bench's load client, a process of its own so the gateway's CPU is measured apart from
// the load's: it reads {port, window, bodies} as JSON on stdin, sends every request over one UDP
// socket, at most `window` unanswered at a time, waits for a 200 OK carrying snu 0 for each
// (unanswered requests are retransmitted unchanged, as a controller would) and prints the outcome,
// with the CPU it used itself, as one JSON line.

import dgram from 'node:dgram';

/** A request unanswered this long is sent again with the same ref, as a controller would. */
const RETRANSMIT_MS = 2000;
const MAX_ATTEMPTS = 4;

export function sipMessage(port: number, localPort: number, callId: string, body: string): Buffer {
  return Buffer.from(
    [
      `MESSAGE sip:scaip@127.0.0.1:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${localPort};branch=z9hG4bK-${callId}`,
      `From: <sip:controller@127.0.0.1:${localPort}>;tag=${callId}`,
      `To: <sip:scaip@127.0.0.1:${port}>`,
      `Call-ID: ${callId}`,
      'CSeq: 1 MESSAGE',
      'Max-Forwards: 70',
      'Content-Type: application/scaip+xml',
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n'),
  );
}

export interface Outcome {
  ok: number;
  refused: number;
  timedOut: number;
  retransmissions: number;
  latenciesMs: number[];
}

/**
 * Sends every request over one UDP socket, at most `window` unanswered at a time, and waits for a
 * 200 OK carrying snu 0 for each. Unanswered requests are retransmitted unchanged.
 */
async function drive(port: number, window: number, bodies: { callId: string; body: string }[]): Promise<Outcome> {
  const socket = dgram.createSocket('udp4');
  socket.on('error', (err) => process.stderr.write(`load client socket: ${err.message}\n`));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.setRecvBufferSize(4 * 1024 * 1024);
  socket.setSendBufferSize(4 * 1024 * 1024);
  const localPort = socket.address().port;
  const outcome: Outcome = { ok: 0, refused: 0, timedOut: 0, retransmissions: 0, latenciesMs: [] };
  const pending = new Map<string, { packet: Buffer; firstSentAt: number; sentAt: number; attempts: number }>();
  let next = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));

  const fill = () => {
    while (pending.size < window && next < bodies.length) {
      const { callId, body } = bodies[next++]!;
      const packet = sipMessage(port, localPort, callId, body);
      const now = performance.now();
      pending.set(callId, { packet, firstSentAt: now, sentAt: now, attempts: 1 });
      socket.send(packet, port, '127.0.0.1');
    }
    if (pending.size === 0 && next >= bodies.length) finish();
  };

  socket.on('message', (data) => {
    const text = data.toString('utf8');
    const callId = /\r\nCall-ID: *([^\r\n]+)/i.exec(text)?.[1]?.trim();
    const request = callId === undefined ? undefined : pending.get(callId);
    if (!callId || !request) return; // an answer to a retransmission already answered
    pending.delete(callId);
    if (text.startsWith('SIP/2.0 200 ') && /<snu>0<\/snu>/.test(text)) {
      outcome.ok++;
      outcome.latenciesMs.push(performance.now() - request.firstSentAt);
    } else {
      outcome.refused++;
      process.stderr.write(`refused: ${text.split('\r\n')[0]} ${/<snu>\d+<\/snu>/.exec(text)?.[0] ?? ''}\n`);
    }
    fill();
  });

  const retransmit = setInterval(() => {
    const now = performance.now();
    for (const [callId, request] of pending) {
      if (now - request.sentAt < RETRANSMIT_MS) continue;
      if (request.attempts >= MAX_ATTEMPTS) {
        pending.delete(callId);
        outcome.timedOut++;
        continue;
      }
      request.attempts++;
      request.sentAt = now;
      outcome.retransmissions++;
      socket.send(request.packet, port, '127.0.0.1');
    }
    fill();
  }, 250);

  fill();
  await done;
  clearInterval(retransmit);
  socket.close();
  return outcome;
}

let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
const { port, window, bodies } = JSON.parse(input) as {
  port: number;
  window: number;
  bodies: { callId: string; body: string }[];
};
const cpu0 = process.cpuUsage();
const started = performance.now();
const outcome = await drive(port, window, bodies);
const elapsedS = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`${JSON.stringify({ ...outcome, elapsedS, cpuS: (cpu.user + cpu.system) / 1e6 })}\n`);
