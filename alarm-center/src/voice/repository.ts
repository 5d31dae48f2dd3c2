// Owns the voice_calls table: a call offered for an alarm, moved along by the gateway's events.
// Every write takes the caller's client (the transaction is the caller's).

import type { VoiceCall } from '@trygg/console-contract';
import type { CallEvent, UnitAddress } from '@trygg/firmware-protocol';
import type { Queryable } from '../db/database.ts';

type Offered = Extract<CallEvent, { type: 'call.offered' }>;

/** Inserts an offered call; false when it was already there (a redelivered event). */
export async function offer(db: Queryable, deviceId: string, alarmId: string | null, event: Offered): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO voice_calls (call_id, alarm_id, device_id, direction, media, state, offered_at, deadline_at,
                              gateway_instance, unit_uri, unit_transport)
     VALUES ($1, $2, $3, $4, $5, 'offered', $6, $7, $8, $9, $10) ON CONFLICT (call_id) DO NOTHING`,
    [
      event.callId,
      alarmId,
      deviceId,
      event.direction,
      event.media,
      new Date(event.ts),
      new Date(event.deadlineTs),
      event.instance ?? null,
      event.unit?.uri ?? null,
      event.unit?.transport ?? null,
    ],
  );
  return rowCount === 1;
}

/** The gateway instance holding a call (null: it did not say, or the call is not known here). */
export async function instanceOf(db: Queryable, callId: string): Promise<string | null> {
  const { rows } = await db.query<{ gateway_instance: string | null }>(
    'SELECT gateway_instance FROM voice_calls WHERE call_id = $1',
    [callId],
  );
  return rows[0]?.gateway_instance ?? null;
}

/**
 * Where a SCAIP controller's unit was last reachable: the newest call of any of its devices
 * (`scaip-<cid>-...`, one loudspeaker per controller) that named the unit's address, and the
 * gateway instance that held that call. Null when none did.
 */
export async function lastUnitAddress(
  db: Queryable,
  controllerPrefix: string,
): Promise<{ unit: UnitAddress; instance: string | null } | null> {
  const { rows } = await db.query<{
    unit_uri: string;
    unit_transport: UnitAddress['transport'];
    gateway_instance: string | null;
  }>(
    `SELECT unit_uri, unit_transport, gateway_instance FROM voice_calls
     WHERE starts_with(device_id, $1) AND unit_uri IS NOT NULL
     ORDER BY offered_at DESC LIMIT 1`,
    [controllerPrefix],
  );
  const row = rows[0];
  return row ? { unit: { uri: row.unit_uri, transport: row.unit_transport }, instance: row.gateway_instance } : null;
}

/** The alarm a call belongs to (null when it was never offered here). */
export async function alarmOf(
  db: Queryable,
  callId: string,
): Promise<{ alarmId: string | null; state: string; answeredBy: string | null } | null> {
  const { rows } = await db.query<{ alarm_id: string | null; state: string; answered_by: string | null }>(
    'SELECT alarm_id, state, answered_by FROM voice_calls WHERE call_id = $1',
    [callId],
  );
  const row = rows[0];
  return row ? { alarmId: row.alarm_id, state: row.state, answeredBy: row.answered_by } : null;
}

/** Moves a call along; each update applies only from the states before it, so a redelivery changes nothing. */
export async function ringing(db: Queryable, callId: string, at: number, codec: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE voice_calls SET state = 'ringing', ringing_at = $2, codec = $3 WHERE call_id = $1 AND state = 'offered'`,
    [callId, new Date(at), codec],
  );
  return rowCount === 1;
}

export async function answered(db: Queryable, callId: string, at: number, by: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE voice_calls SET state = 'answered', answered_at = $2, answered_by = $3
     WHERE call_id = $1 AND state IN ('offered', 'ringing')`,
    [callId, new Date(at), by],
  );
  return rowCount === 1;
}

export async function ended(
  db: Queryable,
  callId: string,
  at: number,
  reason: string,
  durationS: number | null,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE voice_calls SET state = 'ended', ended_at = $2, end_reason = $3, duration_s = $4
     WHERE call_id = $1 AND state <> 'ended'`,
    [callId, new Date(at), reason, durationS],
  );
  return rowCount === 1;
}

interface CallRow {
  call_id: string;
  alarm_id: string | null;
  device_id: string;
  direction: VoiceCall['direction'];
  media: string;
  state: VoiceCall['state'];
  offered_at: Date | string;
  deadline_at: Date | string;
  ringing_at: Date | string | null;
  codec: string | null;
  answered_by: string | null;
  answered_at: Date | string | null;
  ended_at: Date | string | null;
  end_reason: string | null;
  duration_s: number | null;
}

// timestamps come back as text or Date depending on the pool's type parsers
const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export async function forAlarm(db: Queryable, alarmId: string): Promise<VoiceCall[]> {
  const { rows } = await db.query<CallRow>(
    'SELECT * FROM voice_calls WHERE alarm_id = $1 ORDER BY offered_at DESC, call_id',
    [alarmId],
  );
  return rows.map((r) => ({
    callId: r.call_id,
    alarmId: r.alarm_id,
    deviceId: r.device_id,
    direction: r.direction,
    media: r.media,
    state: r.state,
    offeredAt: iso(r.offered_at) as string,
    deadlineAt: iso(r.deadline_at) as string,
    ringingAt: iso(r.ringing_at),
    codec: r.codec,
    answeredBy: r.answered_by,
    answeredAt: iso(r.answered_at),
    endedAt: iso(r.ended_at),
    endReason: r.end_reason,
    durationS: r.duration_s,
  }));
}

/** A gateway instance said it is online or (its Last Will) offline. */
export async function setPresence(db: Queryable, instance: string, state: 'online' | 'offline', at: number) {
  await db.query(
    `INSERT INTO gateway_presence (instance, state, seen_at) VALUES ($1, $2, $3)
     ON CONFLICT (instance) DO UPDATE SET state = EXCLUDED.state, seen_at = EXCLUDED.seen_at`,
    [instance, state, new Date(at)],
  );
}

export interface LostCall {
  callId: string;
  alarmId: string | null;
  answeredBy: string | null;
  instance: string;
}

/**
 * Ends as failed every call not yet ended of the instances that are lost: said offline, or not
 * heard from since `silentSince`. Only instances that ever said their presence are judged (an
 * instance that never does is not known to be lost). The UPDATE decides, so of two nodes sweeping
 * at once each call is ended by exactly one.
 */
export async function failCallsOfLostInstances(db: Queryable, at: number, silentSince: number): Promise<LostCall[]> {
  const { rows } = await db.query<{
    call_id: string;
    alarm_id: string | null;
    answered_by: string | null;
    gateway_instance: string;
  }>(
    `UPDATE voice_calls v SET state = 'ended', ended_at = $1, end_reason = 'failed',
            duration_s = CASE WHEN v.answered_at IS NULL THEN NULL
                              ELSE GREATEST(0, EXTRACT(EPOCH FROM ($1::timestamptz - v.answered_at))) END
     FROM gateway_presence p
     WHERE v.gateway_instance = p.instance AND v.state <> 'ended'
       AND (p.state = 'offline' OR p.seen_at < $2)
     RETURNING v.call_id, v.alarm_id, v.answered_by, v.gateway_instance`,
    [new Date(at), new Date(silentSince)],
  );
  return rows.map((r) => ({
    callId: r.call_id,
    alarmId: r.alarm_id,
    answeredBy: r.answered_by,
    instance: r.gateway_instance,
  }));
}
