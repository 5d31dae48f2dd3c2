// Everything a responder needs to act: who, where, how to get in, whom to call.

import type { ResidentCard as Card } from '@trygg/console-contract';
import { useI18n } from '../i18n/i18n.tsx';

export function ResidentCard({ resident }: { resident: Card | null }) {
  const { t } = useI18n();
  if (!resident)
    return (
      <section className="card resident">
        <h3>{t('resident.title')}</h3>
        <p className="empty">{t('resident.none')}</p>
      </section>
    );
  return (
    <section className="card resident" data-testid="resident-card">
      <h3>{resident.name}</h3>
      <dl>
        <dt>{t('resident.address')}</dt>
        <dd>{resident.address}</dd>
        <dt>{t('resident.district')}</dt>
        <dd>{resident.district}</dd>
        <dt>{t('resident.access')}</dt>
        <dd>{resident.access || t('resident.unknown')}</dd>
        <dt>{t('resident.doorCode')}</dt>
        <dd className="mono big">{resident.doorCode ?? t('resident.noDoorCode')}</dd>
        <dt>{t('resident.notes')}</dt>
        <dd>{resident.notes || t('resident.noNotes')}</dd>
      </dl>
      <h4>{t('resident.contacts')}</h4>
      {resident.contacts.length === 0 ? (
        <p className="empty">{t('resident.noContacts')}</p>
      ) : (
        <ul className="contacts">
          {resident.contacts.map((c) => (
            <li key={`${c.name}|${c.phone}`}>
              <span>{t('resident.contact', { name: c.name, relation: c.relation })}</span>
              <a className="mono" href={`tel:${c.phone.replace(/[^+\d]/g, '')}`}>
                {c.phone}
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
