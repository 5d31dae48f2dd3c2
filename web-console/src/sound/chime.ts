// A short two-tone chime for new alarms, synthesised with WebAudio (no audio files to load).
// Browsers only allow audio after a user gesture; the login click provides one, and after a
// reload the console asks for one (nightshift/SoundPrompt.tsx).

let ctx: AudioContext | null = null;

function audio(): AudioContext | null {
  if (typeof AudioContext === 'undefined') return null;
  ctx ??= new AudioContext();
  if (ctx.state === 'suspended') void ctx.resume();
  return ctx;
}

/**
 * Whether the browser still blocks audio: no click or key press on this page since it loaded
 * (a reload keeps the session but not the permission), and no running audio yet.
 */
export function audioBlocked(): boolean {
  if (ctx?.state === 'running') return false;
  const activation = (navigator as Navigator & { userActivation?: { hasBeenActive: boolean } }).userActivation;
  return activation ? !activation.hasBeenActive : true;
}

let chimes = 0;

/** Call from a click or key handler so later chimes are allowed to play. */
export function unlockAudio(): void {
  audio();
}

export function playChime(): void {
  // Counted on the page, so an end-to-end test can hear that the console chimed (and again).
  chimes++;
  document.documentElement.dataset.chimes = String(chimes);
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
