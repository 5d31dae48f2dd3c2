import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import {
  DEVICE_EVENT_TYPE_NAMES,
  DEVICE_TYPES,
  type DeviceEventType,
  type DeviceType,
  eventAllowedFor,
  isScaipDeviceType,
  isScaipStatusCode,
  SCAIP_DEVICE_TYPE_MAP,
  SCAIP_DEVICE_TYPES,
  SCAIP_MESSAGE_TYPES,
  SCAIP_RESPONSE_STATUS,
  SCAIP_STATUS_CODES,
  SCAIP_STATUS_MAP,
  type ScaipStatusCode,
  scaipCodesFor,
} from '../src/index.ts';

const INHERITED = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

/** Every (device type, status code, event type) triple of SCAIP_STATUS_MAP. */
function statusMappings(): [DeviceType, ScaipStatusCode, DeviceEventType][] {
  const rows: [DeviceType, ScaipStatusCode, DeviceEventType][] = [];
  for (const deviceType of DEVICE_TYPES) {
    const row = SCAIP_STATUS_MAP[deviceType];
    if (!row) continue;
    for (const [code, eventType] of Object.entries(row)) {
      if (eventType) rows.push([deviceType, code as ScaipStatusCode, eventType]);
    }
  }
  return rows;
}

describe('SCAIP code tables', () => {
  it('uses 4-digit codes', () => {
    for (const code of Object.keys(SCAIP_DEVICE_TYPES)) assert.match(code, /^\d{4}$/);
    for (const code of Object.keys(SCAIP_STATUS_CODES)) assert.match(code, /^\d{4}$/);
  });

  it('maps every SCAIP device type code to one of our device types', () => {
    const ours = new Set<string>(DEVICE_TYPES);
    assert.deepEqual(Object.keys(SCAIP_DEVICE_TYPE_MAP).sort(), Object.keys(SCAIP_DEVICE_TYPES).sort());
    for (const code of Object.keys(SCAIP_DEVICE_TYPES)) {
      assert.ok(isScaipDeviceType(code));
      const deviceType = SCAIP_DEVICE_TYPE_MAP[code];
      assert.ok(ours.has(deviceType), `${code} → ${deviceType}`);
    }
  });

  it('maps the named SCAIP device types as documented', () => {
    assert.equal(SCAIP_DEVICE_TYPE_MAP['0003'], 'pendant');
    assert.equal(SCAIP_DEVICE_TYPE_MAP['0005'], 'fall');
    assert.equal(SCAIP_DEVICE_TYPE_MAP['0011'], 'dispenser');
    assert.equal(SCAIP_DEVICE_TYPE_MAP['0014'], 'door');
    assert.equal(SCAIP_DEVICE_TYPE_MAP['0051'], 'mobile_pendant');
  });

  it('has a status row for every device type a SCAIP device can map to', () => {
    for (const deviceType of new Set(Object.values(SCAIP_DEVICE_TYPE_MAP))) {
      assert.ok(SCAIP_STATUS_MAP[deviceType], `no status row for ${deviceType}`);
    }
  });

  it('only uses known status codes and known event types in the status map', () => {
    const events = new Set<string>(DEVICE_EVENT_TYPE_NAMES);
    const rows = statusMappings();
    assert.ok(rows.length > 0);
    for (const [deviceType, code, eventType] of rows) {
      assert.ok(isScaipStatusCode(code), `${deviceType}: unknown status code ${code}`);
      assert.ok(events.has(eventType), `${deviceType}/${code}: unknown event type ${eventType}`);
    }
  });

  it('maps every status only to events the device type may send', () => {
    for (const [deviceType, code, eventType] of statusMappings()) {
      assert.ok(eventAllowedFor(deviceType, eventType), `${deviceType} may not send ${eventType} (status ${code})`);
    }
  });

  it('maps battery low (0016) to battery.low for every SCAIP-reachable device type', () => {
    for (const deviceType of new Set(Object.values(SCAIP_DEVICE_TYPE_MAP))) {
      assert.equal(SCAIP_STATUS_MAP[deviceType]?.['0016'], 'battery.low', deviceType);
    }
  });

  it('lists the message types and response status numbers', () => {
    assert.deepEqual([...SCAIP_MESSAGE_TYPES], ['ME', 'RE', 'IN', 'PI']);
    assert.equal(SCAIP_RESPONSE_STATUS.OK, 0);
    assert.equal(SCAIP_RESPONSE_STATUS.WRONG_CONTENT, 3);
    assert.equal(new Set(Object.values(SCAIP_RESPONSE_STATUS)).size, Object.keys(SCAIP_RESPONSE_STATUS).length);
  });
});

describe('scaipCodesFor', () => {
  it('round-trips every mapped (device type, status) pair', () => {
    for (const [deviceType, code, eventType] of statusMappings()) {
      const back = scaipCodesFor(deviceType, eventType);
      assert.ok(back, `${deviceType} ${eventType}: no code`);
      assert.equal(SCAIP_STATUS_MAP[deviceType]?.[back], eventType, `${deviceType} ${code} → ${eventType} → ${back}`);
    }
  });

  it('returns the code itself when only one code maps to the event', () => {
    assert.equal(scaipCodesFor('pendant', 'alarm.manual'), '0010');
    assert.equal(scaipCodesFor('pendant', 'alarm.cancel'), '0094');
    assert.equal(scaipCodesFor('door', 'door.open'), '0076');
    assert.equal(scaipCodesFor('dispenser', 'dose.taken'), '0083');
    assert.equal(scaipCodesFor('bed', 'bed.in'), '0117');
  });

  it('returns one of the codes when several map to the same event', () => {
    const code = scaipCodesFor('fall', 'fall.detected');
    assert.ok(code === '0009' || code === '0010', String(code));
  });

  it('returns null for events or device types without a SCAIP code', () => {
    assert.equal(scaipCodesFor('camera', 'camera.snapshot'), null);
    assert.equal(scaipCodesFor('camera', 'battery.low'), null);
    assert.equal(scaipCodesFor('door', 'door.passage'), null);
    assert.equal(scaipCodesFor('pendant', 'door.open'), null);
    assert.equal(scaipCodesFor('dispenser', 'dose.schedule'), null);
  });

  it('never returns a code whose mapping differs, for any device type and event type', () => {
    for (const deviceType of DEVICE_TYPES) {
      for (const eventType of DEVICE_EVENT_TYPE_NAMES) {
        const code = scaipCodesFor(deviceType, eventType);
        if (code !== null) assert.equal(SCAIP_STATUS_MAP[deviceType]?.[code], eventType, `${deviceType} ${eventType}`);
      }
    }
  });
});

describe('isScaipDeviceType / isScaipStatusCode', () => {
  it('accept the listed codes', () => {
    for (const code of Object.keys(SCAIP_DEVICE_TYPES)) assert.equal(isScaipDeviceType(code), true, code);
    for (const code of Object.keys(SCAIP_STATUS_CODES)) assert.equal(isScaipStatusCode(code), true, code);
  });

  it('refuse unknown codes and near misses', () => {
    for (const code of ['', '0000', '0001', '9999', '3', '003', '00003', ' 0003', '0003 ', '0x03', 'ME']) {
      assert.equal(isScaipDeviceType(code), false, JSON.stringify(code));
    }
    for (const code of ['', '0000', '0011', '10', '010', '00010', '0010\n', 'PI']) {
      assert.equal(isScaipStatusCode(code), false, JSON.stringify(code));
    }
  });

  it('refuse inherited property names', () => {
    for (const name of INHERITED) {
      assert.equal(isScaipDeviceType(name), false, name);
      assert.equal(isScaipStatusCode(name), false, name);
    }
  });

  it('do not confuse the two tables', () => {
    assert.equal(isScaipStatusCode('0003'), false);
    assert.equal(isScaipDeviceType('0010'), false);
  });
});
