// The operator's browser in the unit's call: SIPp plays the unit (G.711 from a recording,
// echoing what it receives), Chromium with a fake microphone joins over WebRTC (DTLS-SRTP) and
// the gateway's werift bridge carries the audio both ways without transcoding. Asserted from the
// outside: the browser's inbound-rtp stats show packets and a non-zero audio level, and SIPp
// echoes the browser's audio back from the unit's media port.

import assert from 'node:assert/strict';
import { createGatewayMetrics, type Gateway, openBridge, startGateway } from '@trygg/gateway';
import { alarmFields, mrq, runSipp, silentLogger } from '@trygg/gateway/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { FAKE_MEDIA_ARGS, launchBrowser, type TestBrowser } from '../src/browser.ts';
import { browserOffer, PCAP, RTP_ECHO, servePage, type TestPage } from '../src/voice-rig.ts';

async function until<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the operator’s browser joins the unit’s call over WebRTC', () => {
  let gateway: Gateway;
  let browser: TestBrowser;
  let page: TestPage;
  const controllers = new Set(['4600301', '4600302', '4600303']);
  const metrics = createGatewayMetrics();
  const ended: { callId: string; reason: string }[] = [];

  beforeAll(async () => {
    gateway = await startGateway({
      host: '127.0.0.1',
      udpPort: 0,
      tcpPort: 0,
      controllers: { isKnown: (cid) => controllers.has(cid) },
      publish: async () => {},
      logger: silentLogger,
      metrics,
      voice: {
        publishCall: async (_device, event) => {
          if (event.type === 'call.ended') ended.push({ callId: event.callId, reason: event.reason });
        },
      },
    });
    // a page on 127.0.0.1 is a secure context, where getUserMedia and WebRTC are allowed
    page = await servePage(
      '<!doctype html><title>call</title><audio id="out" autoplay></audio>' +
        // the operator's click (Svara in the console) is the user gesture that lets audio play
        '<button id="play" onclick="document.getElementById(\'out\').play()">play</button>',
    );
    browser = await launchBrowser({ extraArgs: [...FAKE_MEDIA_ARGS, '--disable-audio-output'] });
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await page?.close();
  });

  it('audio flows both ways: the unit’s recording is heard in the browser, the browser’s microphone reaches the unit', async () => {
    const cid = '4600301';
    const sipp = runSipp('voice-call.xml', gateway.udpPort, {
      keys: { body: mrq({ ...alarmFields(cid, 'B0001'), crd: 'sip:unit@127.0.0.1' }), cid, pcap: PCAP },
      sets: { hangup: 'receiver' },
      extraArgs: RTP_ECHO,
      timeoutS: 60,
    });
    const voice = gateway.voice;
    assert.ok(voice);
    const callId = await until(() => voice.book.current(cid)?.state === 'active' && voice.book.current(cid)?.callId);
    const call = voice.dialogs.call(callId);
    assert.ok(call);

    const tab = await browser.newPage();
    await tab.goto(page.url);
    const offer = await browserOffer(tab, { playOnTrack: true });
    const bridge = await openBridge(call, offer);
    assert.match(bridge.answer, /a=fingerprint:sha-256/i, 'DTLS-SRTP towards the browser');
    await tab.evaluate(async (sdp) => {
      await (window as unknown as { pc: RTCPeerConnection }).pc.setRemoteDescription({ type: 'answer', sdp });
    }, bridge.answer);
    await bridge.connected();
    await tab.click('#play');

    let last: unknown;
    const inbound = await until(async () => {
      const s = await tab.evaluate(async () => {
        const report = await (window as unknown as { pc: RTCPeerConnection }).pc.getStats();
        let found: { packetsReceived: number; audioLevel: number; codec?: string; samples?: number } | undefined;
        report.forEach((r) => {
          if (r.type === 'inbound-rtp' && r.kind === 'audio') {
            const codec = r.codecId ? report.get(r.codecId)?.mimeType : undefined;
            found = {
              packetsReceived: r.packetsReceived ?? 0,
              audioLevel: r.audioLevel ?? 0,
              codec,
              samples: r.totalSamplesReceived,
            };
          }
        });
        return found;
      });
      last = {
        ...s,
        paused: await tab.evaluate(() => (document.getElementById('out') as HTMLAudioElement).paused),
      };
      return s && s.packetsReceived > 20 && s.audioLevel > 0 ? s : undefined;
    }, 15_000).catch((err) => {
      throw new Error(`${(err as Error).message}: ${JSON.stringify(last)} ${JSON.stringify(bridge.stats())}`);
    });
    assert.ok(inbound.packetsReceived > 20);
    assert.ok(inbound.audioLevel > 0, 'the unit’s voice is audible, not silence');
    await until(() => bridge.stats().toUnit > 20);
    const sentToUnit = voice.dialogs.rtpStats()[callId]?.packetsOut ?? 0;
    assert.ok(sentToUnit > 20, 'the browser’s microphone went out to the unit');

    assert.equal(await voice.dialogs.hangUp(callId), true);
    const run = await sipp;
    assert.equal(run.code, 0, run.stdout + run.stderr);
    // what the gateway sent the unit came back from SIPp's rtp_echo at the unit's media port
    const echoed = voice.dialogs.rtpStats()[callId]?.ownEchoed ?? 0;
    assert.ok(echoed > 20, `the unit echoed ${echoed} packets of the browser's audio`);
    await bridge.close();
    await tab.close();
  });

  /** The browser's inbound audio: packets and level, once more than 20 packets came. */
  async function hearsTheUnit(tab: Awaited<ReturnType<TestBrowser['newPage']>>) {
    return until(async () => {
      const s = await tab.evaluate(async () => {
        const report = await (window as unknown as { pc: RTCPeerConnection }).pc.getStats();
        let found: { packetsReceived: number; audioLevel: number } | undefined;
        report.forEach((r) => {
          if (r.type === 'inbound-rtp' && r.kind === 'audio')
            found = { packetsReceived: r.packetsReceived ?? 0, audioLevel: r.audioLevel ?? 0 };
        });
        return found;
      });
      return s && s.packetsReceived > 20 && s.audioLevel > 0 ? s : undefined;
    }, 15_000);
  }

  async function joinedCall(cid: string, hangup: 'receiver' | 'unit') {
    const sipp = runSipp('voice-call.xml', gateway.udpPort, {
      keys: { body: mrq({ ...alarmFields(cid, 'B0001'), crd: 'sip:unit@127.0.0.1' }), cid, pcap: PCAP },
      sets: { hangup },
      extraArgs: RTP_ECHO,
      timeoutS: 60,
    });
    const voice = gateway.voice;
    assert.ok(voice);
    const callId = await until(() => voice.book.current(cid)?.state === 'active' && voice.book.current(cid)?.callId);
    const tab = await browser.newPage();
    await tab.goto(page.url);
    const offer = await browserOffer(tab, { playOnTrack: true });
    const joined = await voice.join(callId, offer, 'operator-1');
    assert.ok(joined, 'joined through the bridge worker');
    await tab.evaluate(async (sdp) => {
      await (window as unknown as { pc: RTCPeerConnection }).pc.setRemoteDescription({ type: 'answer', sdp });
    }, joined.answer);
    await tab.click('#play');
    return { sipp, callId, tab, voice };
  }

  it('the bridge worker dying mid-call ends the call as failed with a BYE to the unit, is counted, and the next call is bridged by a new worker', async () => {
    const first = await joinedCall('4600302', 'receiver');
    const worker = first.voice.bridgeWorker();
    assert.ok(worker, 'the bridges run in a worker thread');
    assert.ok((await hearsTheUnit(first.tab)).audioLevel > 0, 'the unit is heard through the worker');
    await until(() => (first.voice.dialogs.rtpStats()[first.callId]?.packetsOut ?? 0) > 20);

    await worker.terminate();
    // SIPp's unit gets our BYE (its scenario waits for the receiver's) and exits cleanly
    const run = await first.sipp;
    assert.equal(run.code, 0, run.stdout + run.stderr);
    await until(() => ended.find((e) => e.callId === first.callId));
    assert.deepEqual(
      ended.find((e) => e.callId === first.callId),
      { callId: first.callId, reason: 'failed' },
    );
    const text = await metrics.registry.metrics();
    assert.match(text, /^voice_bridge_worker_crashes_total 1$/m);
    assert.match(text, /^voice_bridge_calls_lost_total 1$/m);
    await first.tab.close();

    const second = await joinedCall('4600303', 'receiver');
    assert.notEqual(second.voice.bridgeWorker(), worker, 'a new worker was started');
    assert.ok((await hearsTheUnit(second.tab)).audioLevel > 0, 'the next call is heard');
    assert.equal(await second.voice.hangUp(second.callId), true);
    assert.equal((await second.sipp).code, 0);
    await second.tab.close();
  });
});
