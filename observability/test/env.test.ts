// The environment vocabulary the broker, the gateway and the alarm center parse their
// configuration with: one meaning for a port, a flag, a list and the metrics variables everywhere.

import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { z } from 'zod';
import { envFlag, envList, envLogLevel, envPort, metricsEnv } from '../src/env.ts';

describe('environment variables', () => {
  test('a list is comma-separated with spaces trimmed and empty entries dropped; unset is empty', () => {
    assert.deepEqual(envList.parse(' a, b,,c '), ['a', 'b', 'c']);
    assert.deepEqual(envList.parse(undefined), []);
  });

  test('a flag is true/false, 1/0 or yes/no, and nothing else', () => {
    assert.deepEqual(
      ['true', '1', 'yes', 'false', '0', 'no'].map((v) => envFlag.parse(v)),
      [true, true, true, false, false, false],
    );
    assert.equal(envFlag.safeParse('on').success, false);
  });

  test('a port is 0..65535 given as text; the log level defaults to info', () => {
    assert.equal(envPort.parse('8080'), 8080);
    assert.equal(envPort.safeParse('65536').success, false);
    assert.equal(envLogLevel.parse(undefined), 'info');
    assert.equal(envLogLevel.safeParse('verbose').success, false);
  });

  test('the metrics endpoint is on loopback unless set; an empty host or a short token is refused', () => {
    const schema = z.object(metricsEnv(9464));
    assert.deepEqual(schema.parse({}), { METRICS_HOST: '127.0.0.1', METRICS_PORT: 9464 });
    assert.equal(schema.safeParse({ METRICS_HOST: '' }).success, false, 'an empty host would listen everywhere');
    const short = schema.safeParse({ METRICS_TOKEN: 'short' });
    assert.equal(short.success, false);
    assert.match(short.error?.issues[0]?.message ?? '', /METRICS_TOKEN must be at least 16 characters/);
  });
});
