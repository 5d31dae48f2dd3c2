// The console's settings from the alarm center (map tiles, "open in map" links), fetched once per
// page load and shared by every component that needs them.

import type { ConsoleSettings } from '@trygg/console-contract';
import { useEffect, useState } from 'react';
import { request } from '../api/client.ts';

let pending: Promise<ConsoleSettings> | null = null;

function load(): Promise<ConsoleSettings> {
  pending ??= request<ConsoleSettings>('GET', '/api/console-settings').catch((err) => {
    pending = null; // asked again next time rather than remembering a failure
    throw err;
  });
  return pending;
}

/** The settings, or null while they load (or if the centre cannot be reached). */
export function useConsoleSettings(): ConsoleSettings | null {
  const [settings, setSettings] = useState<ConsoleSettings | null>(null);
  useEffect(() => {
    let live = true;
    load().then(
      (s) => live && setSettings(s),
      () => {}, // without settings the map shows its coordinates fallback; the page says nothing more
    );
    return () => {
      live = false;
    };
  }, []);
  return settings;
}

/** Fills {lat} and {lon} of a link template. */
export function mapLink(template: string, lat: number, lon: number): string {
  return template.replaceAll('{lat}', lat.toFixed(6)).replaceAll('{lon}', lon.toFixed(6));
}
