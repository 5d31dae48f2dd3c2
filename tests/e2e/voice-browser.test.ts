// The operator's browser in the unit's call: SIPp plays the unit (G.711 from a recording,
// echoing what it receives), Chromium with a fake microphone joins over WebRTC (DTLS-SRTP) and
// the gateway's werift bridge carries the audio both ways without transcoding. Asserted from the
// outside: the browser's inbound-rtp stats show packets and a non-zero audio level, and SIPp
// echoes the browser's audio back from the unit's media port.

import assert from 'node:assert/strict';
import { type Gateway, openBridge, startGateway } from '@trygg/gateway';
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
  const controllers = new Set(['4600301']);

  beforeAll(async () => {
    gateway = await startGateway({
      host: '127.0.0.1',
      udpPort: 0,
      tcpPort: 0,
      controllers: { isKnown: (cid) => controllers.has(cid) },
      publish: async () => {},
      logger: silentLogger,
      voice: { publishCall: async () => {} },
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
});
