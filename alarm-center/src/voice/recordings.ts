// The municipality's call-recording policy (VOICE_RECORDING_RETENTION_DAYS; unset: nothing is
// recorded). The voice service asks the gateway to record when an operator joins; at the call's
// end the gateway's WAV is fetched once and kept encrypted with the PII key; a sweep on the
// deadline scheduler's tick deletes each recording at its expiry; every playback is audit-logged.

import type pg from 'pg';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/service.ts';
import type { Queryable } from '../db/database.ts';
import type { Metrics } from '../metrics.ts';
import type { PiiCipher } from '../privacy/pii.ts';
import { VoiceError } from './errors.ts';

const DAY_MS = 86_400_000;
/** How often the retention sweep runs (the scheduler's tick asks; this is the spacing). */
const SWEEP_EVERY_MS = 60_000;

export interface RecordingPolicy {
  retentionDays: number;
}

export class VoiceRecordings {
  #nextSweep = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly pii: PiiCipher,
    private readonly audit: AuditLog,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    readonly policy: RecordingPolicy,
    private readonly now: () => number,
  ) {}

  /** The operator joined a call the gateway records: the row says a recording is owed until it came. */
  async started(callId: string, alarmId: string, residentId: string | null, db: Queryable = this.pool): Promise<void> {
    const at = this.now();
    await db.query(
      `INSERT INTO voice_recordings (call_id, alarm_id, resident_id, started_at, expires_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (call_id) DO NOTHING`,
      [callId, alarmId, residentId, new Date(at), new Date(at + this.policy.retentionDays * DAY_MS)],
    );
  }

  /**
   * The call ended: its WAV from the gateway (fetched once; the gateway then forgets it), stored
   * encrypted. A recording owed but not delivered is counted and logged, never silently lost.
   */
  async collect(callId: string, fetchWav: () => Promise<Buffer | null>): Promise<boolean> {
    const { rows } = await this.pool.query<{ call_id: string }>(
      'SELECT call_id FROM voice_recordings WHERE call_id = $1 AND audio_enc IS NULL',
      [callId],
    );
    if (rows.length === 0) return false;
    let wav: Buffer | null;
    try {
      wav = await fetchWav();
    } catch (err) {
      wav = null;
      this.logger.error({ callId, err: (err as Error).message }, 'call recording not fetched');
    }
    if (!wav) {
      this.metrics.voiceRecordings.inc({ outcome: 'missing' });
      this.logger.error({ callId }, 'the gateway had no recording of a recorded call');
      return false;
    }
    await this.pool.query('UPDATE voice_recordings SET audio_enc = $2, stored_at = $3 WHERE call_id = $1', [
      callId,
      this.pii.encryptBytes(wav),
      new Date(this.now()),
    ]);
    this.metrics.voiceRecordings.inc({ outcome: 'stored' });
    return true;
  }

  /** The alarm's recorded calls: being recorded, or stored (for the console's panel and call history). */
  async ofAlarm(alarmId: string): Promise<Map<string, 'recording' | 'stored'>> {
    const { rows } = await this.pool.query<{ call_id: string; stored: boolean }>(
      'SELECT call_id, audio_enc IS NOT NULL AS stored FROM voice_recordings WHERE alarm_id = $1',
      [alarmId],
    );
    return new Map(rows.map((r) => [r.call_id, r.stored ? 'stored' : 'recording'] as const));
  }

  /**
   * The decrypted WAV for a supervisor, logged first (who, which call, which resident, why), as a
   * door code is logged before it is read. The caller has checked the role.
   */
  async play(alarmId: string, callId: string, actor: string, reason: string): Promise<Buffer> {
    const { rows } = await this.pool.query<{ resident_id: string | null; audio_enc: Buffer | null }>(
      'SELECT resident_id, audio_enc FROM voice_recordings WHERE call_id = $1 AND alarm_id = $2',
      [callId, alarmId],
    );
    const row = rows[0];
    if (!row?.audio_enc) throw new VoiceError('RECORDING_NOT_FOUND');
    await this.audit.record({
      actor,
      action: 'play_voice_recording',
      subjectType: row.resident_id ? 'resident' : 'alarm',
      subjectId: row.resident_id ?? alarmId,
      reason: `alarm ${alarmId}, call ${callId}: ${reason}`,
    });
    this.metrics.voiceRecordings.inc({ outcome: 'played' });
    return this.pii.decryptBytes(row.audio_enc);
  }

  /** Deletes every recording whose retention has passed by `now`; returns how many. */
  async sweep(now: number): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM voice_recordings WHERE expires_at <= $1', [new Date(now)]);
    const deleted = rowCount ?? 0;
    if (deleted > 0) {
      this.metrics.voiceRecordings.inc({ outcome: 'deleted' }, deleted);
      this.logger.info({ deleted }, 'call recordings past their retention deleted');
    }
    return deleted;
  }

  // the deadline scheduler's source interface: the sweep runs on its tick, once a minute
  nextDue(): number {
    return this.#nextSweep;
  }

  async runDue(now: number): Promise<void> {
    await this.sweep(now);
    this.#nextSweep = now + SWEEP_EVERY_MS;
  }
}
