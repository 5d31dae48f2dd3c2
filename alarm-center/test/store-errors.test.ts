// Which store failures are retried by the device (no PUBACK) and which are acknowledged as refused:
// a table over the errors node-postgres and PostgreSQL actually raise.

import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { classifyStoreFailure, storeErrorSummary } from '../src/db/store-errors.ts';

const pgError = (code: string, message = 'x', extra: Record<string, string> = {}) =>
  Object.assign(new Error(message), { code, ...extra });

describe('store failures: transient (device resends) or permanent (acknowledged, refused)', () => {
  const cases: [label: string, err: unknown, expected: 'transient' | 'permanent'][] = [
    [
      'connection refused',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      'transient',
    ],
    ['connection reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'transient'],
    ['server gone mid-query', new Error('Connection terminated unexpectedly'), 'transient'],
    ['pool exhausted', new Error('timeout exceeded when trying to connect'), 'transient'],
    ['08006 connection failure', pgError('08006'), 'transient'],
    ['53100 disk full', pgError('53100'), 'transient'],
    ['53300 too many connections', pgError('53300'), 'transient'],
    ['57P01 admin shutdown', pgError('57P01'), 'transient'],
    ['57014 statement timeout', pgError('57014'), 'transient'],
    ['40001 serialisation failure (after retries)', pgError('40001'), 'transient'],
    ['40P01 deadlock (after retries)', pgError('40P01'), 'transient'],
    ['42501 privilege revoked: not about this message', pgError('42501'), 'transient'],
    ['an unknown error', new Error('something odd'), 'transient'],
    ['22P05 NUL in jsonb', pgError('22P05', 'unsupported Unicode escape sequence'), 'permanent'],
    ['22021 invalid byte sequence', pgError('22021'), 'permanent'],
    ['22003 number out of range', pgError('22003'), 'permanent'],
    ['23505 unique violation', pgError('23505'), 'permanent'],
    ['23514 check violation', pgError('23514'), 'permanent'],
    ['54000 value too large', pgError('54000'), 'permanent'],
    ['our own code failing on the content', new TypeError('cannot read properties of undefined'), 'permanent'],
  ];
  for (const [label, err, expected] of cases) {
    it(`${label} is ${expected}`, () => assert.equal(classifyStoreFailure(err), expected));
  }

  it('the log summary of a data error names codes and schema objects, never the refused value', () => {
    const err = pgError('22P02', 'invalid input syntax for type integer: "Anna Andersson"', {
      detail: 'Token "Anna" is invalid.',
      where: 'JSON data, line 1: {"detail": "Anna...',
      table: 'device_messages',
      column: 'body',
    });
    const summary = storeErrorSummary(err);
    assert.deepEqual(summary, {
      failure: 'permanent',
      sqlstate: '22P02',
      table: 'device_messages',
      column: 'body',
      name: 'Error',
    });
    assert.doesNotMatch(JSON.stringify(summary), /Anna/);
  });

  it('a connection failure is logged with its message; an unknown error without it', () => {
    assert.equal(
      storeErrorSummary(new Error('Connection terminated unexpectedly')).message,
      'Connection terminated unexpectedly',
    );
    const unknown = storeErrorSummary(new Error('could not handle "Anna Andersson"'));
    assert.equal(unknown.failure, 'transient');
    assert.equal(unknown.message, undefined);
  });
});
