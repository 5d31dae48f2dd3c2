// Closed alarms, searched and read: resident, period, kind and outcome filters, paged on the
// server (a night's alarms for a whole municipality do not belong in the browser). A row opens
// the alarm with its history, as in the queue.

import { useState } from 'react';
import { nightShift } from '../api/endpoints.ts';
import { KINDS, OUTCOME_LIST } from '../api/enums.ts';
import { hrefOf } from '../app/route.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useLoad } from './useLoad.ts';

const PAGE_SIZE = 25;

interface Filters {
  resident: string;
  from: string;
  to: string;
  kind: string;
  outcome: string;
}

const empty: Filters = { resident: '', from: '', to: '', kind: '', outcome: '' };

/** A date input's day as the start of that local day, in ISO form; `nextDay` for an end bound. */
function dayBound(day: string, nextDay: boolean): string {
  const d = new Date(`${day}T00:00:00`);
  if (nextDay) d.setDate(d.getDate() + 1);
  return d.toISOString();
}

export function ClosedAlarmsPage() {
  const { t, locale } = useI18n();
  const [draft, setDraft] = useState<Filters>(empty);
  const [filters, setFilters] = useState<Filters>(empty);
  const [page, setPage] = useState(1);
  const { data, error } = useLoad(() => {
    const q: Record<string, string> = { page: String(page), pageSize: String(PAGE_SIZE) };
    if (filters.resident.trim()) q.resident = filters.resident.trim();
    if (filters.from) q.from = dayBound(filters.from, false);
    if (filters.to) q.to = dayBound(filters.to, true);
    if (filters.kind) q.kind = filters.kind;
    if (filters.outcome) q.outcome = filters.outcome;
    return nightShift.closed(q);
  }, JSON.stringify({ filters, page }));
  const pages = data ? Math.max(1, Math.ceil(data.total / PAGE_SIZE)) : 1;
  const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString(locale) : '');

  return (
    <section className="closed-alarms" data-testid="closed-alarms">
      <h2>{t('nightshift.closedTitle')}</h2>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setPage(1);
          setFilters(draft);
        }}
      >
        <label>
          {t('nightshift.filterResident')}
          <input
            data-testid="closed-resident"
            value={draft.resident}
            onChange={(e) => setDraft({ ...draft, resident: e.target.value })}
          />
        </label>
        <label>
          {t('nightshift.filterFrom')}
          <input type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        </label>
        <label>
          {t('nightshift.filterTo')}
          <input type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        </label>
        <label>
          {t('queue.filterKind')}
          <select
            data-testid="closed-kind"
            value={draft.kind}
            onChange={(e) => setDraft({ ...draft, kind: e.target.value })}
          >
            <option value="">{t('queue.allKinds')}</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`kind.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('nightshift.filterOutcome')}
          <select
            data-testid="closed-outcome"
            value={draft.outcome}
            onChange={(e) => setDraft({ ...draft, outcome: e.target.value })}
          >
            <option value="">{t('nightshift.allOutcomes')}</option>
            {OUTCOME_LIST.map((o) => (
              <option key={o} value={o}>
                {t(`outcome.${o}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" data-testid="closed-search">
          {t('nightshift.search')}
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {data && (
        <>
          <p data-testid="closed-total">{t('nightshift.closedTotal', { count: data.total })}</p>
          <table className="alarms">
            <thead>
              <tr>
                <th>{t('queue.col.kind')}</th>
                <th>{t('queue.col.resident')}</th>
                <th>{t('queue.col.district')}</th>
                <th>{t('nightshift.col.received')}</th>
                <th>{t('nightshift.col.closed')}</th>
                <th>{t('nightshift.col.outcome')}</th>
              </tr>
            </thead>
            <tbody>
              {data.alarms.map((a) => (
                <tr key={a.id} data-testid="closed-row" data-alarm-id={a.id}>
                  <td>
                    <a href={hrefOf({ page: 'alarm', id: a.id })}>{t(`kind.${a.kind}`)}</a>
                  </td>
                  <td>{a.resident?.name ?? t('queue.noResident')}</td>
                  <td>{a.district}</td>
                  <td>{when(a.openedAt)}</td>
                  <td>{when(a.closedAt)}</td>
                  <td>{a.outcome ? t(`outcome.${a.outcome}`) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="pager">
            <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
              {t('nightshift.prev')}
            </button>
            <span data-testid="closed-page">{t('nightshift.pageOf', { page, pages })}</span>
            <button type="button" data-testid="closed-next" disabled={page >= pages} onClick={() => setPage(page + 1)}>
              {t('nightshift.next')}
            </button>
          </div>
        </>
      )}
    </section>
  );
}
