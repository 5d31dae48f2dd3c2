// The applicant's status page: with the reference and the token they were given, they see the
// decision, its justification in their language, and how far the installation has come. While a
// case worker has the application, the page says so and nothing else about who decides.

import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { useI18n } from '../i18n/i18n.tsx';
import { type ApplicationStatus, FieldErrors, grantsApi } from './api.ts';

export function StatusPage({ reference, token }: { reference: string | null; token: string | null }) {
  const { t, lang, locale } = useI18n();
  const [ref, setRef] = useState(reference ?? '');
  const [tok, setTok] = useState(token ?? '');
  const [status, setStatus] = useState<ApplicationStatus | null>(null);
  const [error, setError] = useState<string | null>(null);

  const look = useCallback(
    async (r: string, k: string) => {
      setError(null);
      try {
        setStatus(await grantsApi.status(r.trim(), k.trim()));
      } catch (err) {
        setStatus(null);
        const code = err instanceof FieldErrors ? err.code : 'UNKNOWN';
        setError(
          code === 'APPLICATION_NOT_FOUND' || code === 'VALIDATION'
            ? t('status.notFound')
            : t('apply.failed', { code }),
        );
      }
    },
    [t],
  );

  useEffect(() => {
    if (reference && token) void look(reference, token);
  }, [reference, token, look]);

  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    void look(ref, tok);
  };

  const decision = status?.decision;
  // The rules' hand-over to a case worker is recorded as an automatic decision, but it decides nothing.
  const final = decision && decision.decision !== 'manual' ? decision : null;
  const justification = decision ? (lang === 'en' && decision.justification.en) || decision.justification.sv : null;

  return (
    <section className="card register">
      <h2>{t('status.title')}</h2>
      <form onSubmit={submit} className="status-form">
        <div className="field">
          <label htmlFor="status-reference">{t('apply.reference')}</label>
          <input
            id="status-reference"
            data-testid="status-reference"
            value={ref}
            autoComplete="off"
            onChange={(e) => setRef(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="status-token">{t('apply.token')}</label>
          <input
            id="status-token"
            data-testid="status-token"
            value={tok}
            autoComplete="off"
            onChange={(e) => setTok(e.target.value)}
          />
        </div>
        <button type="submit" className="primary" data-testid="status-submit">
          {t('status.look')}
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {status && (
        <dl data-testid="status-result">
          <dt>{t('status.state')}</dt>
          <dd className="state" data-testid="status-state">
            {t(`apply.status.${status.status}`)}
          </dd>
          <dt>{t('status.received')}</dt>
          <dd>{new Date(status.receivedAt).toLocaleString(locale)}</dd>
          {final && (
            <>
              <dt>{t('status.decidedBy')}</dt>
              <dd data-testid="status-decided-by">
                {final.automatic ? t('status.automatic') : t('status.caseWorker')}
              </dd>
              <dt>{t('status.fee')}</dt>
              <dd>{t(`status.fee.${final.feeDecision}`)}</dd>
              <dt>{t('status.justification')}</dt>
              <dd data-testid="status-justification">{justification}</dd>
            </>
          )}
          {decision && !final && (
            <>
              <dt>{t('status.decider')}</dt>
              <dd data-testid="status-decided-by">{t('status.caseWorkerDecides')}</dd>
              <dt>{t('status.why')}</dt>
              <dd data-testid="status-justification">{justification}</dd>
            </>
          )}
          {status.installation && (
            <>
              <dt>{t('status.installation')}</dt>
              <dd data-testid="status-installation">
                {t(`order.status.${status.installation.status}`)}
                {status.installation.visitAt
                  ? ` · ${new Date(status.installation.visitAt).toLocaleString(locale)}`
                  : ''}
              </dd>
            </>
          )}
        </dl>
      )}
    </section>
  );
}
