// The job sheet a responder fills in before "Klart": where and in what position the resident was
// found, how they were left, door locked, anyone else present, refusal or override of wishes.

import type { JobSheet } from '@trygg/console-contract';
import { FOUND_PLACES, FOUND_POSITIONS, LEFT_AS } from '@trygg/console-contract/vocabulary';
import { useState } from 'react';
import { useI18n } from '../i18n/i18n.tsx';

export function JobSheetForm({ busy, onSubmit }: { busy: boolean; onSubmit: (sheet: JobSheet) => void }) {
  const { t } = useI18n();
  const [place, setPlace] = useState('');
  const [position, setPosition] = useState('');
  const [left, setLeft] = useState('');
  const [flags, setFlags] = useState({
    doorLocked: false,
    othersPresent: false,
    refused: false,
    overrodeWishes: false,
  });
  const [overrideReason, setOverrideReason] = useState('');
  const [note, setNote] = useState('');
  const complete = place && position && left && (!flags.overrodeWishes || overrideReason.trim());

  const check = (name: keyof typeof flags) => (
    <label className="check">
      <input
        type="checkbox"
        data-testid={`sheet-${name}`}
        checked={flags[name]}
        onChange={(e) => setFlags({ ...flags, [name]: e.target.checked })}
      />
      {t(`responders.sheet.${name}`)}
    </label>
  );

  return (
    <form
      className="action-form job-sheet"
      data-testid="job-sheet"
      onSubmit={(ev) => {
        ev.preventDefault();
        if (!complete) return;
        onSubmit({
          foundPlace: place as JobSheet['foundPlace'],
          foundPosition: position as JobSheet['foundPosition'],
          leftAs: left as JobSheet['leftAs'],
          ...flags,
          overrideReason: overrideReason.trim(),
          note: note.trim(),
        });
      }}
    >
      <h4>{t('responders.sheet.title')}</h4>
      <label>
        {t('responders.sheet.foundPlace')}
        <select data-testid="sheet-place" value={place} onChange={(e) => setPlace(e.target.value)} required>
          <option value="">{t('responders.sheet.choose')}</option>
          {FOUND_PLACES.map((p) => (
            <option key={p} value={p}>
              {t(`responders.place.${p}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('responders.sheet.foundPosition')}
        <select data-testid="sheet-position" value={position} onChange={(e) => setPosition(e.target.value)} required>
          <option value="">{t('responders.sheet.choose')}</option>
          {FOUND_POSITIONS.map((p) => (
            <option key={p} value={p}>
              {t(`responders.position.${p}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('responders.sheet.leftAs')}
        <select data-testid="sheet-left" value={left} onChange={(e) => setLeft(e.target.value)} required>
          <option value="">{t('responders.sheet.choose')}</option>
          {LEFT_AS.map((p) => (
            <option key={p} value={p}>
              {t(`responders.left.${p}`)}
            </option>
          ))}
        </select>
      </label>
      {check('doorLocked')}
      {check('othersPresent')}
      {check('refused')}
      {check('overrodeWishes')}
      {flags.overrodeWishes && (
        <label>
          {t('responders.sheet.overrideReason')}
          <input
            data-testid="sheet-override-reason"
            maxLength={1000}
            value={overrideReason}
            onChange={(e) => setOverrideReason(e.target.value)}
            required
          />
        </label>
      )}
      <label>
        {t('responders.sheet.note')}
        <textarea
          data-testid="sheet-note"
          rows={2}
          maxLength={2000}
          value={note}
          onChange={(e) => setNote(e.target.value)}
        />
      </label>
      <button type="submit" className="primary big" data-testid="sheet-submit" disabled={busy || !complete}>
        {t('responders.sheet.submit')}
      </button>
    </form>
  );
}
