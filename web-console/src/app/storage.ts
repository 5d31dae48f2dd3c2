// Small persisted operator preferences (mute). Storage may be disabled by policy: fall back quietly
// to the in-memory default, which is "sound on" — the safe choice for a night shift.

export function readFlag(key: string, fallback: boolean): boolean {
  try {
    const v = localStorage.getItem(key);
    return v === null ? fallback : v === '1';
  } catch {
    return fallback;
  }
}

export function writeFlag(key: string, value: boolean): void {
  try {
    localStorage.setItem(key, value ? '1' : '0');
  } catch {
    // Not persisted; the setting still holds for this session.
  }
}
