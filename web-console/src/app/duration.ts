// Elapsed-time text for ages and acknowledge times: "0:42", "12:05", "3:07:15", "2 d 4:00:00".
// Pure so the queue's single ticker only has to pass "now".

export function elapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const s = total % 60;
  const m = Math.floor(total / 60) % 60;
  const h = Math.floor(total / 3600) % 24;
  const d = Math.floor(total / 86_400);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (d > 0) return `${d} d ${h}:${pad(m)}:${pad(s)}`;
  if (h > 0) return `${h}:${pad(m)}:${pad(s)}`;
  return `${m}:${pad(s)}`;
}
