// A short two-tone chime for new alarms, synthesised with WebAudio (no audio files to load).
// Browsers only allow audio after a user gesture; the login click provides one.

let ctx: AudioContext | null = null;

function audio(): AudioContext | null {
  if (typeof AudioContext === 'undefined') return null;
  ctx ??= new AudioContext();
  if (ctx.state === 'suspended') void ctx.resume();
  return ctx;
}

/** Call from a click or key handler so later chimes are allowed to play. */
export function unlockAudio(): void {
  audio();
}

export function playChime(): void {
  const ac = audio();
  if (!ac) return;
  const start = ac.currentTime + 0.01;
  for (const [i, freq] of [880, 660].entries()) {
    const osc = ac.createOscillator();
    const gain = ac.createGain();
    osc.type = 'sine';
    osc.frequency.value = freq;
    const t0 = start + i * 0.22;
    gain.gain.setValueAtTime(0.0001, t0);
    gain.gain.exponentialRampToValueAtTime(0.35, t0 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.2);
    osc.connect(gain).connect(ac.destination);
    osc.start(t0);
    osc.stop(t0 + 0.22);
  }
}
