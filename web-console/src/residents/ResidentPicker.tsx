// Chooses a resident by name, address or id: a WAI-ARIA 1.2 combobox (input + listbox) over the
// server-side search, operated by keyboard (arrows, Enter, Escape) or pointer. Used wherever a
// resident is chosen, so nobody has to know an internal resident id.

import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { errorText } from '../app/errorText.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { MIN_QUERY, type ResidentHit, residentsApi } from './api.ts';

/** Typing pauses this long before a search is sent: one search per word, not per key. */
const DEBOUNCE_MS = 200;

type State =
  | { kind: 'idle' }
  | { kind: 'searching' }
  | { kind: 'done'; hits: ResidentHit[] }
  | { kind: 'failed'; message: string };

export function ResidentPicker({
  label,
  testId,
  value,
  onChange,
  required = false,
}: {
  label: string;
  testId: string;
  value: ResidentHit | null;
  onChange: (resident: ResidentHit | null) => void;
  required?: boolean;
}) {
  const { t } = useI18n();
  const id = useId();
  const listId = `${id}-list`;
  const [text, setText] = useState(value ? describe(value) : '');
  const [state, setState] = useState<State>({ kind: 'idle' });
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const latest = useRef(0);

  useEffect(() => {
    setText(value ? describe(value) : '');
  }, [value]);

  useEffect(() => {
    const q = text.trim();
    if (!open || q.length < MIN_QUERY || (value && text === describe(value))) {
      setState({ kind: 'idle' });
      return;
    }
    const seq = ++latest.current;
    setState({ kind: 'searching' });
    const timer = setTimeout(() => {
      residentsApi.search(q).then(
        (r) => {
          if (seq !== latest.current) return; // an answer to an older query
          setState({ kind: 'done', hits: r.residents });
          setActive(r.residents.length > 0 ? 0 : -1);
        },
        (err) => seq === latest.current && setState({ kind: 'failed', message: errorText(err, t) }),
      );
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, open, value, t]);

  const hits = state.kind === 'done' ? state.hits : [];
  const expanded = open && hits.length > 0;

  const choose = (hit: ResidentHit) => {
    onChange(hit);
    setText(describe(hit));
    setOpen(false);
    setActive(-1);
  };

  const onKeyDown = (ev: KeyboardEvent<HTMLInputElement>) => {
    if (ev.key === 'ArrowDown') {
      ev.preventDefault();
      setOpen(true);
      if (hits.length > 0) setActive((a) => (a + 1) % hits.length);
    } else if (ev.key === 'ArrowUp') {
      ev.preventDefault();
      if (hits.length > 0) setActive((a) => (a <= 0 ? hits.length - 1 : a - 1));
    } else if (ev.key === 'Enter' && expanded && active >= 0) {
      ev.preventDefault();
      choose(hits[active]!);
    } else if (ev.key === 'Escape') {
      setOpen(false);
    }
  };

  const status =
    text.trim().length < MIN_QUERY && open && !value
      ? t('backoffice.residentPicker.typeMore', { n: MIN_QUERY })
      : state.kind === 'searching'
        ? t('backoffice.residentPicker.searching')
        : state.kind === 'failed'
          ? state.message
          : state.kind === 'done' && state.hits.length === 0
            ? t('backoffice.residentPicker.none')
            : state.kind === 'done'
              ? t('backoffice.residentPicker.count', { n: state.hits.length })
              : '';

  return (
    <div className="resident-picker" data-testid={testId}>
      <label htmlFor={`${id}-input`}>{label}</label>
      <input
        id={`${id}-input`}
        type="text"
        role="combobox"
        autoComplete="off"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded && active >= 0 ? `${id}-opt-${active}` : undefined}
        aria-describedby={`${id}-status`}
        placeholder={t('backoffice.residentPicker.placeholder')}
        required={required}
        data-testid={`${testId}-input`}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
          if (value) onChange(null);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
      />
      <div id={listId} role="listbox" aria-label={label} className="picker-list" hidden={!expanded}>
        {hits.map((h, i) => (
          <div
            key={h.id}
            tabIndex={-1}
            id={`${id}-opt-${i}`}
            role="option"
            aria-selected={i === active}
            className={i === active ? 'active' : undefined}
            data-testid={`${testId}-option`}
            data-resident-id={h.id}
            // mousedown, not click: the input's blur would close the list before a click lands.
            onMouseDown={(e) => {
              e.preventDefault();
              choose(h);
            }}
          >
            <strong>{h.name}</strong> <span className="sub">{h.address}</span> <span className="sub mono">{h.id}</span>
          </div>
        ))}
      </div>
      <span id={`${id}-status`} className="sub picker-status" aria-live="polite" data-testid={`${testId}-status`}>
        {status}
      </span>
    </div>
  );
}

const describe = (r: ResidentHit) => `${r.name}, ${r.address}`;
