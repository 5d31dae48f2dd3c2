// Fixtures for driving the gateway as a SCAIP controller would, shared by the gateway's own tests
// and the cross-package end-to-end suite (imported as @trygg/gateway/testing): `mrq` bodies, a
// silent logger, and SIPp run as the controller. Test-only: nothing in the gateway imports it.

import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import pino from 'pino';

export const SIPP = process.env.SIPP ?? '/usr/bin/sipp';
/** The SIPp scenarios live with the gateway's tests; this module is their one door. */
export const SCENARIO_DIR = fileURLToPath(new URL('../test/sipp/', import.meta.url));
export const silentLogger = pino({ level: 'silent' });

export interface MrqFields {
  ref?: string;
  cid?: string;
  mty?: string;
  dty?: string;
  did?: string;
  stc?: string;
  dco?: string;
  pri?: string;
  lco?: string;
  hbi?: string;
  lge?: string;
  /** How the unit can be called (`sip:...`, `tel:...`, `no-voice:`) and who calls (`cha`). */
  crd?: string;
  cha?: string;
}

/** An `mrq` body; a field set to undefined is left out, so tests can drop mandatory tags. */
export function mrq(fields: MrqFields): string {
  const order = ['ref', 'cid', 'mty', 'dty', 'did', 'dco', 'stc', 'pri', 'lco', 'hbi', 'lge', 'crd', 'cha'] as const;
  const tags = order
    .filter((tag) => fields[tag] !== undefined)
    .map((tag) => `<${tag}>${fields[tag]}</${tag}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><mrq>${tags}</mrq>`;
}

export function alarmFields(cid: string, ref: string): MrqFields {
  return { ref, cid, mty: 'ME', dty: '0003', did: '1', stc: '0010', pri: '1' };
}

export interface SippRun {
  /** SIPp's exit code: 0 when every call succeeded. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one SIPp UAC call against the gateway on 127.0.0.1. `keys` become SIPp keywords
 * (`-key body ...` → `[body]` in the scenario), `sets` global variables (`-set expected 0`).
 */
export function runSipp(
  scenario: string,
  port: number,
  options: {
    keys?: Record<string, string>;
    sets?: Record<string, string>;
    transport?: 'u1' | 't1';
    /** Digest credentials for `[authentication]` in the scenario (`-au`/`-ap`). */
    auth?: { username: string; password: string };
    /** More SIPp options (`-rtp_echo`, `-mp 0`, `-nr` for no UDP retransmissions, ...). */
    extraArgs?: string[];
    /** SIPp's own limit on the whole run (the call fails after it); default 10 s. */
    timeoutS?: number;
  } = {},
): Promise<SippRun> {
  const args = [
    `127.0.0.1:${port}`,
    '-sf',
    `${SCENARIO_DIR}${scenario}`,
    '-m',
    '1',
    '-t',
    options.transport ?? 'u1',
    '-i',
    '127.0.0.1',
    '-p',
    '0',
    '-timeout',
    `${options.timeoutS ?? 10}s`,
    '-timeout_error',
    '-nostdin',
  ];
  for (const [key, value] of Object.entries(options.keys ?? {})) args.push('-key', key, value);
  for (const [name, value] of Object.entries(options.sets ?? {})) args.push('-set', name, value);
  if (options.auth) args.push('-au', options.auth.username, '-ap', options.auth.password);
  args.push(...(options.extraArgs ?? []));
  return new Promise((resolve) => {
    execFile(
      SIPP,
      args,
      { timeout: ((options.timeoutS ?? 10) + 10) * 1000, cwd: tmpdir() },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A UDP port free on 127.0.0.1 now, for SIPp to listen on as the unit. */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/**
 * Runs SIPp as the unit's user agent server on 127.0.0.1:`port` for one call: the unit that the
 * receiver calls back (its `crd` names this port). Options as for runSipp.
 */
export function runSippUnit(
  scenario: string,
  port: number,
  options: { keys?: Record<string, string>; extraArgs?: string[]; timeoutS?: number } = {},
): Promise<SippRun> {
  const args = [
    '-sf',
    `${SCENARIO_DIR}${scenario}`,
    '-m',
    '1',
    '-t',
    'u1',
    '-i',
    '127.0.0.1',
    '-p',
    String(port),
    '-timeout',
    `${options.timeoutS ?? 15}s`,
    '-timeout_error',
    '-nostdin',
  ];
  for (const [key, value] of Object.entries(options.keys ?? {})) args.push('-key', key, value);
  args.push(...(options.extraArgs ?? []));
  return new Promise((resolve) => {
    execFile(
      SIPP,
      args,
      { timeout: ((options.timeoutS ?? 15) + 10) * 1000, cwd: tmpdir() },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
