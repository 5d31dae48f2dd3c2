// The provider's one page, in Swedish: choose a demo identity and sign in, with what the e-service
// receives said beside the button. Light, large and high-contrast like the e-service (WCAG 2.1 AA).

import type { DemoIdentity } from './identities.ts';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `
  body { margin: 0; font: 1.25rem/1.5 system-ui, sans-serif; color: #111; background: #fff; }
  main { max-width: 36rem; margin: 0 auto; padding: 1.5rem 1rem; }
  h1 { font-size: 1.75rem; margin: 0 0 1rem; }
  fieldset { border: 2px solid #444; border-radius: 0.5rem; padding: 1rem; margin: 0 0 1rem; }
  legend { font-weight: 700; padding: 0 0.25rem; }
  label { display: flex; gap: 0.75rem; align-items: center; min-height: 3rem; cursor: pointer; }
  input[type=radio] { width: 1.5rem; height: 1.5rem; flex: none; }
  button { font: inherit; font-weight: 700; min-height: 3rem; padding: 0.5rem 1.5rem; border-radius: 0.5rem;
    border: 2px solid #0b3d91; background: #0b3d91; color: #fff; cursor: pointer; }
  button.secondary { background: #fff; color: #0b3d91; margin-left: 0.75rem; }
  button:focus-visible, input:focus-visible { outline: 3px solid #b35900; outline-offset: 2px; }
  .error { color: #a00000; font-weight: 700; }
  .note { color: #333; }`;

export function signInPage(p: {
  title: string;
  action?: string;
  identities?: readonly DemoIdentity[];
  error?: string;
}): string {
  const choices = (p.identities ?? [])
    .map(
      (i, n) => `
        <label><input type="radio" name="identity" value="${escapeHtml(i.personalNumber)}"${n === 0 ? ' required' : ''}
          data-testid="idp-identity-${escapeHtml(i.personalNumber)}">
          ${escapeHtml(`${i.givenName} ${i.familyName}`)}, ${escapeHtml(i.personalNumber)}</label>`,
    )
    .join('');
  const form = p.action
    ? `<form method="post" action="${escapeHtml(p.action)}">
        <fieldset><legend>Vem är du? (demoidentiteter)</legend>${choices}</fieldset>
        <p class="note">E-tjänsten Trygghetslarm får ditt namn och ditt personnummer när du loggar in.</p>
        <button type="submit" data-testid="idp-sign-in">Logga in</button>
        <button type="submit" class="secondary" formaction="${escapeHtml(p.action.replace(/\/login$/, '/abort'))}"
          formnovalidate data-testid="idp-cancel">Avbryt</button>
      </form>`
    : '<p>Gå tillbaka till e-tjänsten och försök igen.</p>';
  return `<!DOCTYPE html>
<html lang="sv">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(p.title)} – demo-e-legitimation</title>
  <style>${STYLE}</style>
</head>
<body>
  <main>
    <h1>${escapeHtml(p.title)}</h1>
    ${p.error ? `<p class="error" role="alert">${escapeHtml(p.error)}</p>` : ''}
    ${form}
  </main>
</body>
</html>`;
}
