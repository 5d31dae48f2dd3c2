// A key cap. Key names (a, n, Esc) are the same in every language, so they are not translated.

export function Kbd({ k }: { k: string }) {
  return <kbd>{k}</kbd>;
}
