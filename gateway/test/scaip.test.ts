// The mrq parser: what it accepts, and the snu it refuses everything else with.

import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { mapScaipRequest } from '../src/map.ts';
import { MAX_MRQ_BYTES, mrsXml, parseMrq } from '../src/scaip.ts';
import { alarmFields, fixture, mrq, REAL_UNIT_FIXTURES, type RealUnitFixture, XML_BOMB, XXE } from './helpers.ts';

function snuOf(body: string): number | 'ok' {
  const result = parseMrq(body);
  return result.ok ? 'ok' : result.snu;
}

describe('parseMrq', () => {
  test('reads a complete alarm with position', () => {
    const result = parseMrq(
      mrq({
        ...alarmFields('C100', 'ref-1'),
        dco: '2',
        lco: 'Kitchen',
        lge: '<lat>57.7089</lat><lon>11.9746</lon><acc>12</acc>',
      }),
    );
    assert.deepEqual(result, {
      ok: true,
      message: {
        ref: 'ref-1',
        cid: 'C100',
        mty: 'ME',
        dty: '0003',
        did: '1',
        stc: '0010',
        dco: '2',
        pri: 1,
        lco: 'Kitchen',
        geo: { lat: 57.7089, lon: 11.9746, accuracyM: 12 },
      },
    });
  });

  test('a request after a malformed, a too deeply nested and a truncated one is read in full', () => {
    // one parser serves every request: one that stopped half-way must leave nothing behind
    const valid = mrq(alarmFields('C7', 'after-1'));
    for (const broken of [
      '<mrq><ref>x</ref><cid>C7</cid',
      mrq({ ...alarmFields('C7', 'deep'), lge: '<lat><a><b>1</b></a></lat>' }),
      valid.slice(0, valid.length - 10),
    ]) {
      assert.equal(parseMrq(broken).ok, false);
      const result = parseMrq(valid);
      assert.ok(result.ok);
      assert.deepEqual(result.message, {
        ref: 'after-1',
        cid: 'C7',
        mty: 'ME',
        dty: '0003',
        did: '1',
        stc: '0010',
        pri: 1,
      });
    }
  });

  test('a heartbeat needs no status code', () => {
    const result = parseMrq(mrq({ ref: 'p1', cid: 'C1', mty: 'PI', dty: '0003', did: '1', hbi: '90' }));
    assert.ok(result.ok);
    assert.equal(result.message.hbi, 90);
    assert.equal(result.message.stc, undefined);
  });

  for (const tag of ['ref', 'cid', 'mty', 'dty', 'did', 'stc'] as const) {
    test(`a message without <${tag}> is snu 7 (mandatory tag missing)`, () => {
      assert.equal(snuOf(mrq({ ...alarmFields('C1', 'r1'), [tag]: undefined })), 7);
    });
  }

  test('an empty mandatory element counts as missing', () => {
    assert.equal(snuOf(mrq({ ...alarmFields('C1', 'r1'), did: '' })), 7);
  });

  test('the ref of a refused request is kept for the mrs', () => {
    const result = parseMrq(mrq({ ...alarmFields('C1', 'keep-me'), stc: undefined }));
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.ref, 'keep-me');
  });

  test('unknown device type, status code or message type is snu 3 (wrong content)', () => {
    assert.equal(snuOf(mrq({ ...alarmFields('C1', 'r1'), dty: '9999' })), 3);
    assert.equal(snuOf(mrq({ ...alarmFields('C1', 'r1'), stc: '4242' })), 3);
    assert.equal(snuOf(mrq({ ...alarmFields('C1', 'r1'), mty: 'XX' })), 3);
  });

  test('malformed values are snu 2 (invalid format)', () => {
    assert.equal(snuOf(mrq({ ...alarmFields('C1', 'r1'), dty: '3' })), 2);
    assert.equal(snuOf(mrq({ ...alarmFields('C-1', 'r1') })), 2);
    assert.equal(snuOf(mrq({ ...alarmFields('C1', 'r 1') })), 2);
    assert.equal(snuOf(mrq({ ...alarmFields('C1', 'r1'), pri: 'high' })), 2);
    assert.equal(snuOf(mrq({ ...alarmFields('C1', 'r1'), lge: '<lat>91</lat><lon>11</lon>' })), 2);
    assert.equal(snuOf(mrq({ ...alarmFields('C1', 'r1'), lge: '<lat>57</lat>' })), 2);
  });

  for (const name of Object.keys(REAL_UNIT_FIXTURES) as RealUnitFixture[]) {
    test(`a real unit's message is accepted and mapped: ${name}`, () => {
      const expected = REAL_UNIT_FIXTURES[name];
      const parsed = parseMrq(fixture(name, '4600123'));
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.detail);
      assert.equal(parsed.message.cid, '4600123');
      assert.equal(parsed.message.did, expected.did);
      const mapped = mapScaipRequest(parsed.message, { now: 1_800_000_000_000 });
      assert.ok(mapped.ok, mapped.ok ? '' : mapped.detail);
      assert.equal(mapped.channel, expected.channel);
      if (mapped.channel === 'event') assert.equal(mapped.message.type, expected.type);
    });
  }

  test('the SS 91100 version, call-back and unit time are read; a position may come as text', () => {
    const parsed = parseMrq(fixture('telealarm-mobile-press-lge.xml', 'C1'));
    assert.ok(parsed.ok);
    assert.equal(parsed.message.ver, '01.00');
    assert.equal(parsed.message.crd, 'gsm:+46701234567');
    assert.equal(parsed.message.cha, 1);
    assert.deepEqual(parsed.message.geo, { lat: 57.70887, lon: 11.97456, accuracyM: 25 });
    assert.deepEqual(parsed.message.ignored, ['mreq', 'tav']);
  });

  test('a <ver> element alone no longer makes a good alarm invalid', () => {
    const good = mrq(alarmFields('C1', 'r1')).replace('<mrq>', '<mrq><ver>01.00</ver>');
    assert.equal(snuOf(good), 'ok');
  });

  test('unknown optional elements are ignored, not refused', () => {
    const good = mrq(alarmFields('C1', 'r1'));
    assert.equal(snuOf(good.replace('</mrq>', '<xyz>1</xyz></mrq>')), 'ok');
    assert.equal(snuOf(good.replace('</mrq>', '<xyz><a>1</a></xyz><xyz>2</xyz></mrq>')), 'ok');
  });

  test('a known element with a malformed value is still snu 2', () => {
    const good = mrq(alarmFields('C1', 'r1'));
    assert.equal(snuOf(good.replace('<mrq>', '<mrq><ver>one</ver>')), 2);
    assert.equal(snuOf(good.replace('<mrq>', '<mrq><crd>http://x</crd>')), 2);
    assert.equal(snuOf(good.replace('<mrq>', '<mrq><lge>57.7</lge>')), 2);
  });

  test('structure is strict: repeated or nested known elements, deep nesting and other roots are snu 2', () => {
    const good = mrq(alarmFields('C1', 'r1'));
    assert.equal(snuOf(good.replace('</mrq>', '<xyz><a><b>1</b></a></xyz></mrq>')), 2);
    assert.equal(snuOf(good.replace('</mrq>', '<did>2</did></mrq>')), 2);
    assert.equal(snuOf(good.replace('<did>1</did>', '<did><x>1</x></did>')), 2);
    assert.equal(snuOf(good.replace(/mrq>/g, 'mrs>')), 2);
    assert.equal(snuOf(`${good}<mrq></mrq>`), 2);
    assert.equal(snuOf('not xml at all'), 2);
    assert.equal(snuOf(good.slice(0, -3)), 2);
  });

  test('a predefined entity is read as its character, which no element allows (A&amp;B is snu 2)', () => {
    assert.equal(snuOf(mrq({ ...alarmFields('C1', 'r1'), lco: 'A&amp;B' })), 2);
  });

  test('a character reference is the character it names, as XML says (K&#246;k is the location Kök)', () => {
    const result = parseMrq(mrq({ ...alarmFields('C1', 'r1'), lco: 'K&#246;k' }));
    assert.ok(result.ok);
    assert.equal(result.message.lco, 'Kök');
  });

  test('an entity no DTD declared is not well-formed (snu 2), never guessed at', () => {
    assert.equal(snuOf(mrq({ ...alarmFields('C1', 'r1'), lco: 'K&ouml;k' })), 2);
  });

  test('a vendor element named __proto__ is one more ignored element, and touches no prototype', () => {
    const result = parseMrq(
      mrq({ ...alarmFields('C1', 'r1') }).replace('</mrq>', '<__proto__><x>1</x></__proto__></mrq>'),
    );
    assert.ok(result.ok);
    assert.deepEqual(result.message.ignored, ['__proto__']);
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });

  // The timeout is a hang guard: an expanded bomb would take minutes and gigabytes, not fail fast.
  test('an XML bomb (billion laughs) is refused as invalid format, never expanded', { timeout: 5_000 }, () => {
    assert.equal(snuOf(XML_BOMB), 2);
  });

  test('an external entity (XXE) is refused as invalid format', () => {
    assert.equal(snuOf(XXE), 2);
    assert.equal(snuOf(XXE.replace('<!DOCTYPE', '<!doctype')), 2);
  });

  test('a body over the size limit is snu 1 (too long), with its ref', () => {
    const body = mrq({ ...alarmFields('C1', 'big-1'), lco: 'x'.repeat(MAX_MRQ_BYTES) });
    const result = parseMrq(body);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.snu, 1);
    assert.equal(!result.ok && result.ref, 'big-1');
  });

  test('the size limit counts bytes, not characters', () => {
    const body = mrq({ ...alarmFields('C1', 'r1') }).replace('</mrq>', `<!--${'å'.repeat(2100)}--></mrq>`);
    assert.ok(body.length < MAX_MRQ_BYTES);
    assert.equal(snuOf(body), 1);
  });
});

describe('mrsXml', () => {
  test('carries ref, snu and hbi', () => {
    assert.equal(
      mrsXml('r1', 0, 300),
      '<?xml version="1.0" encoding="UTF-8"?><mrs><ref>r1</ref><snu>0</snu><hbi>300</hbi></mrs>',
    );
  });

  test('leaves out a ref that could inject markup', () => {
    assert.equal(mrsXml('</ref><x>', 2), '<?xml version="1.0" encoding="UTF-8"?><mrs><snu>2</snu></mrs>');
  });

  test('without a readable ref carries only the snu', () => {
    assert.match(mrsXml(undefined, 7), /<mrs><snu>7<\/snu><\/mrs>$/);
  });
});
