// The public e-service: a citizen signed in with e-legitimation applies for a safety alarm, for
// themself (no identity-number box: it comes from the verified sign-in) or for someone else; a
// case worker uses the same form for phone and paper applications. Each server field error is
// shown under its field, translated from its code; the applicant leaves with a reference and a token.

import {
  HEALTH_QUESTIONS,
  KEY_HANDLINGS,
  LIVING_SITUATIONS,
  OTHER_INTERVENTIONS,
  REPRESENTATIVE_RELATIONS,
} from '@trygg/console-contract/vocabulary';
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { hrefOf } from '../app/route.ts';
import { isMessageKey, useI18n } from '../i18n/i18n.tsx';
import {
  type ApplicationAlreadyOpen,
  type Applied,
  FieldErrors,
  grantsApi,
  SIGN_IN_URL,
  type SignedInApplicant,
} from './api.ts';
import { type FieldIssue, fieldErrorText } from './fieldErrorText.ts';
import { INTERNAL_WORDING } from './internalWording.ts';

const KEY_HANDLING = KEY_HANDLINGS;
const LIVING = LIVING_SITUATIONS;
const INTERVENTIONS = OTHER_INTERVENTIONS;
const HEALTH = HEALTH_QUESTIONS;
type YesNo = '' | 'yes' | 'no';
/** The server's cap on the message (grants/schemas.ts); the counter warns beyond it, the server refuses. */
const MESSAGE_MAX = 2000;

const EMPTY = {
  legalBasis: 'sol_4_2a' as 'sol_4_1' | 'sol_4_2a',
  name: '',
  personalNumber: '',
  phone: '',
  street: '',
  postalCode: '',
  city: '',
  keyHandling: 'key_box' as (typeof KEY_HANDLING)[number],
  accessNote: '',
  doorCode: '',
  contactName: '',
  contactRelation: '',
  contactPhone: '',
  livingSituation: 'alone' as (typeof LIVING)[number],
  fallRisk: '' as YesNo,
  feelsUnsafeAlone: '' as YesNo,
  conditionNeedingQuickHelp: '' as YesNo,
  needMetOtherwise: '' as YesNo,
  otherInterventions: [] as string[],
  maxFeeConsent: false,
  message: '',
  district: '',
  forOther: false,
  subjectName: '',
  subjectPersonalNumber: '',
  relation: 'child' as (typeof REPRESENTATIVE_RELATIONS)[number],
};
type Form = typeof EMPTY;
type TextField =
  | 'name'
  | 'personalNumber'
  | 'phone'
  | 'street'
  | 'postalCode'
  | 'city'
  | 'accessNote'
  | 'doorCode'
  | 'contactName'
  | 'contactRelation'
  | 'contactPhone'
  | 'subjectName'
  | 'subjectPersonalNumber';

/** What the browser may fill in for the applicant (WCAG 1.3.5), and which keyboard a phone shows. */
const INPUT_HINTS: Partial<Record<TextField, { autoComplete?: string; inputMode?: 'numeric' | 'tel'; type?: string }>> =
  {
    name: { autoComplete: 'name' },
    personalNumber: { inputMode: 'numeric' },
    subjectName: { autoComplete: 'off' },
    subjectPersonalNumber: { inputMode: 'numeric', autoComplete: 'off' },
    phone: { autoComplete: 'tel', type: 'tel' },
    street: { autoComplete: 'street-address' },
    postalCode: { autoComplete: 'postal-code', inputMode: 'numeric' },
    city: { autoComplete: 'address-level2' },
    contactPhone: { type: 'tel' },
  };

const answer = (v: YesNo) => (v === '' ? null : v === 'yes');

function toBody(f: Form, internal: boolean) {
  const contact = f.contactName || f.contactPhone || f.contactRelation;
  // In the public e-service the applicant's identity comes from the sign-in, never from the form.
  const who = internal
    ? { applicant: { name: f.name, personalNumber: f.personalNumber, phone: f.phone } }
    : {
        applicant: { phone: f.phone },
        onBehalfOf: f.forOther
          ? { name: f.subjectName, personalNumber: f.subjectPersonalNumber, relation: f.relation }
          : null,
      };
  return {
    legalBasis: f.legalBasis,
    ...who,
    district: f.district,
    address: { street: f.street, postalCode: f.postalCode, city: f.city },
    access: { keyHandling: f.keyHandling, note: f.accessNote, ...(f.doorCode ? { doorCode: f.doorCode } : {}) },
    contacts: contact ? [{ name: f.contactName, relation: f.contactRelation, phone: f.contactPhone }] : [],
    livingSituation: f.livingSituation,
    ...(f.legalBasis === 'sol_4_1'
      ? {
          health: {
            fallRisk: answer(f.fallRisk),
            feelsUnsafeAlone: answer(f.feelsUnsafeAlone),
            conditionNeedingQuickHelp: answer(f.conditionNeedingQuickHelp),
          },
          needMetOtherwise: answer(f.needMetOtherwise),
        }
      : {}),
    otherInterventions: f.otherInterventions,
    maxFeeConsent: f.maxFeeConsent,
    message: f.message,
  };
}

/** Where each server field lands in the form. */
const FIELD_OF: Record<string, string> = {
  'applicant.name': 'name',
  'applicant.personalNumber': 'personalNumber',
  'applicant.phone': 'phone',
  'address.street': 'street',
  'address.postalCode': 'postalCode',
  'address.city': 'city',
  'access.note': 'accessNote',
  'access.doorCode': 'doorCode',
  'contacts.0.name': 'contactName',
  'contacts.0.relation': 'contactRelation',
  'contacts.0.phone': 'contactPhone',
  'onBehalfOf.name': 'subjectName',
  'onBehalfOf.personalNumber': 'subjectPersonalNumber',
  district: 'district',
  message: 'message',
};

export function ApplyPage({
  internal = false,
  signInError = null,
}: {
  internal?: boolean;
  signInError?: string | null;
}) {
  const { t: translate, locale } = useI18n();
  // The case worker's phone/paper form speaks about the applicant, not to them.
  const t: typeof translate = internal ? (key, params) => translate(INTERNAL_WORDING[key] ?? key, params) : translate;
  // undefined while asking; the internal form needs no applicant sign-in (the case worker is signed in).
  const [applicant, setApplicant] = useState<SignedInApplicant | null | undefined>(internal ? null : undefined);
  const [districts, setDistricts] = useState<string[]>([]);
  const [alreadyOpen, setAlreadyOpen] = useState<ApplicationAlreadyOpen | null>(null);
  useEffect(() => {
    void grantsApi
      .districts()
      .then((d) => setDistricts(d.districts))
      .catch(() => setDistricts([]));
    if (internal) return;
    void grantsApi
      .applicant()
      .then((a) => setApplicant(a.applicant))
      .catch(() => setApplicant(null));
  }, [internal]);
  const [form, setForm] = useState<Form>(EMPTY);
  const [errors, setErrors] = useState<Record<string, FieldIssue>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Applied | null>(null);
  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));
  const formRef = useRef<HTMLFormElement>(null);
  // After a refused submit, the first field to correct takes the focus: on a phone the summary
  // by the button is far from the fields it speaks of.
  useEffect(() => {
    if (Object.keys(errors).length === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setErrors({});
    setFailure(null);
    try {
      const body = toBody(form, internal);
      setDone(await (internal ? grantsApi.applyInternal(body) : grantsApi.applyPublic(body)));
    } catch (err) {
      if (err instanceof FieldErrors && err.code === 'APPLICATION_ALREADY_OPEN') {
        setAlreadyOpen(err.body as ApplicationAlreadyOpen);
        return;
      }
      if (err instanceof FieldErrors && err.code === 'APPLICANT_SIGN_IN_REQUIRED') {
        setApplicant(null);
        return;
      }
      const fields = err instanceof FieldErrors ? err.issues : [];
      // The server lists a field's problems in schema order; the first ("required") is the one to show.
      const byField: Record<string, FieldIssue> = {};
      for (const f of fields) byField[FIELD_OF[f.field] ?? f.field.split('.')[0] ?? f.field] ??= f;
      setErrors(byField);
      setFailure(
        err instanceof FieldErrors && err.code === 'VALIDATION'
          ? t('apply.fixFields')
          : t('apply.failed', { code: err instanceof FieldErrors ? err.code : 'UNKNOWN' }),
      );
    } finally {
      setBusy(false);
    }
  };

  if (alreadyOpen) {
    const e = alreadyOpen.existing;
    return (
      <section className="card register" data-testid="apply-already-open">
        <h2>{t('signIn.alreadyOpen')}</h2>
        <p className="big">
          {e
            ? t('signIn.alreadyOpenYours', {
                reference: e.reference,
                date: new Date(e.receivedAt).toLocaleDateString(locale),
                status: t(`apply.status.${e.status}`),
              })
            : t('signIn.alreadyOpenOther')}
        </p>
        {e && (
          <p className="mono big" data-testid="apply-already-open-reference">
            {e.reference}
          </p>
        )}
      </section>
    );
  }

  if (!internal && applicant === undefined) return <section className="card register" aria-busy="true" />;
  if (!internal && applicant === null) {
    const failedKey = `signIn.failed.${signInError}`;
    return (
      <section className="card register" data-testid="apply-sign-in">
        <h2>{t('signIn.title')}</h2>
        {signInError && (
          <p className="error failure" role="alert" data-testid="apply-sign-in-error">
            {isMessageKey(failedKey) ? t(failedKey) : t('signIn.failed.other')}
          </p>
        )}
        <p className="sub">{t('signIn.intro')}</p>
        <a className="button primary" href={SIGN_IN_URL} data-testid="apply-sign-in-button">
          {t('signIn.button')}
        </a>
      </section>
    );
  }

  if (done) {
    return (
      <section className="card register" data-testid="apply-done">
        <h2>{t('apply.thanks')}</h2>
        <dl>
          <dt>{t('apply.reference')}</dt>
          <dd className="mono big" data-testid="apply-reference">
            {done.reference}
          </dd>
          <dt>{t('apply.token')}</dt>
          <dd className="mono" data-testid="apply-token">
            {done.statusToken}
          </dd>
        </dl>
        <p className="forgotten">{t('apply.keepToken')}</p>
        <p className="big">
          {t('status.state')}: <strong data-testid="apply-decision">{t(`apply.status.${done.status}`)}</strong>
        </p>
        {done.status === 'manual' && <p>{t('apply.decisionManual')}</p>}
        <a
          className="button primary"
          data-testid="apply-see-status"
          href={hrefOf({ page: 'applyStatus', reference: done.reference, token: done.statusToken })}
        >
          {t('apply.seeStatus')}
        </a>
      </section>
    );
  }

  const errorId = (name: string) => `apply-${name}-error`;
  const err = (name: TextField | 'message' | 'district') => {
    const issue = errors[name];
    return issue ? (
      <span className="error" id={errorId(name)} data-testid={`apply-error-${name}`}>
        {fieldErrorText(t, name, issue, form[name])}
      </span>
    ) : null;
  };
  const text = (name: TextField, opts: { required?: boolean } = {}): ReactNode => (
    <div className="field">
      <label htmlFor={`apply-${name}`}>
        {t(`apply.field.${name}`)}
        {opts.required ? null : <span className="optional"> {t('apply.optional')}</span>}
      </label>
      <input
        id={`apply-${name}`}
        data-testid={`apply-${name}`}
        value={form[name]}
        required={opts.required}
        aria-invalid={errors[name] ? true : undefined}
        aria-describedby={errors[name] ? errorId(name) : undefined}
        {...INPUT_HINTS[name]}
        onChange={(e) => set(name, e.target.value)}
      />
      {err(name)}
    </div>
  );
  // A question answered by two radio rows rather than a drop-down: both answers are in sight, and
  // each is a large target. Unanswered is allowed (a case worker then asks).
  const yesNo = (name: 'fallRisk' | 'feelsUnsafeAlone' | 'conditionNeedingQuickHelp' | 'needMetOtherwise') => (
    <fieldset className="question" key={name}>
      <legend>{t(`apply.question.${name}`)}</legend>
      {(['yes', 'no'] as const).map((v) => (
        <label key={v} className="choice">
          <input
            type="radio"
            name={name}
            data-testid={`apply-${name}-${v}`}
            checked={form[name] === v}
            onChange={() => set(name, v)}
          />
          {t(v === 'yes' ? 'apply.yes' : 'apply.no')}
        </label>
      ))}
    </fieldset>
  );

  return (
    <form ref={formRef} className="card register" onSubmit={submit} noValidate>
      <h2>{internal ? t('apply.internalTitle') : t('apply.title')}</h2>
      {applicant && (
        <p className="row" data-testid="apply-signed-in">
          <span>{t('signIn.signedInAs', { name: applicant.name, personalNumber: applicant.personalNumber })}</span>
          <button
            type="button"
            className="ghost"
            data-testid="apply-sign-out"
            onClick={() => void grantsApi.signOut().then(() => setApplicant(null))}
          >
            {t('signIn.signOut')}
          </button>
        </p>
      )}
      <p className="sub">{t('apply.intro')}</p>
      {applicant && (
        <fieldset>
          <legend>{t('signIn.whoFor')}</legend>
          {([false, true] as const).map((other) => (
            <label key={String(other)} className="choice">
              <input
                type="radio"
                name="whoFor"
                data-testid={other ? 'apply-for-other' : 'apply-for-self'}
                checked={form.forOther === other}
                onChange={() => set('forOther', other)}
              />
              {t(other ? 'signIn.forOther' : 'signIn.forSelf')}
            </label>
          ))}
          {form.forOther && (
            <>
              <p className="sub">{t('signIn.forOtherNote')}</p>
              {text('subjectName', { required: true })}
              {text('subjectPersonalNumber', { required: true })}
              <div className="field">
                <label htmlFor="apply-relation">{t('signIn.relation')}</label>
                <select
                  id="apply-relation"
                  data-testid="apply-relation"
                  value={form.relation}
                  onChange={(e) => set('relation', e.target.value as Form['relation'])}
                >
                  {REPRESENTATIVE_RELATIONS.map((r) => (
                    <option key={r} value={r}>
                      {t(`signIn.relation.${r}`)}
                    </option>
                  ))}
                </select>
              </div>
            </>
          )}
        </fieldset>
      )}
      <fieldset>
        <legend>{t('apply.legalBasis')}</legend>
        {(['sol_4_2a', 'sol_4_1'] as const).map((basis) => (
          <label key={basis} className="choice">
            <input
              type="radio"
              name="legalBasis"
              data-testid={`apply-basis-${basis}`}
              checked={form.legalBasis === basis}
              onChange={() => set('legalBasis', basis)}
            />
            {t(`apply.basis.${basis}`)}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>{t('apply.applicant')}</legend>
        {internal && text('name', { required: true })}
        {internal && text('personalNumber', { required: true })}
        {text('phone', { required: true })}
        {text('street', { required: true })}
        {text('postalCode', { required: true })}
        {text('city', { required: true })}
        <div className="field">
          <label htmlFor="apply-district">{t('signIn.district')}</label>
          <select
            id="apply-district"
            data-testid="apply-district"
            value={form.district}
            required
            aria-invalid={errors.district ? true : undefined}
            aria-describedby={errors.district ? errorId('district') : undefined}
            onChange={(e) => set('district', e.target.value)}
          >
            <option value="">{t('signIn.chooseDistrict')}</option>
            {districts.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
          {err('district')}
        </div>
        <label>
          {t('apply.field.livingSituation')}
          <select
            data-testid="apply-livingSituation"
            value={form.livingSituation}
            onChange={(e) => set('livingSituation', e.target.value as Form['livingSituation'])}
          >
            {LIVING.map((l) => (
              <option key={l} value={l}>
                {t(`apply.living.${l}`)}
              </option>
            ))}
          </select>
        </label>
      </fieldset>
      <fieldset>
        <legend>{t('apply.access')}</legend>
        <label>
          {t('apply.field.keyHandling')}
          <select
            data-testid="apply-keyHandling"
            value={form.keyHandling}
            onChange={(e) => set('keyHandling', e.target.value as Form['keyHandling'])}
          >
            {KEY_HANDLING.map((k) => (
              <option key={k} value={k}>
                {t(`apply.key.${k}`)}
              </option>
            ))}
          </select>
        </label>
        {text('accessNote')}
        {text('doorCode')}
      </fieldset>
      <fieldset>
        <legend>{t('apply.contact')}</legend>
        {text('contactName')}
        {text('contactRelation')}
        {text('contactPhone')}
      </fieldset>
      {form.legalBasis === 'sol_4_1' && (
        <fieldset>
          <legend>{t('apply.health')}</legend>
          {HEALTH.map((q) => yesNo(q))}
          {yesNo('needMetOtherwise')}
        </fieldset>
      )}
      <fieldset>
        <legend>{t('apply.otherInterventions')}</legend>
        {INTERVENTIONS.map((i) => (
          <label key={i} className="choice">
            <input
              type="checkbox"
              data-testid={`apply-intervention-${i}`}
              checked={form.otherInterventions.includes(i)}
              onChange={(e) =>
                set(
                  'otherInterventions',
                  e.target.checked ? [...form.otherInterventions, i] : form.otherInterventions.filter((x) => x !== i),
                )
              }
            />
            {t(`apply.intervention.${i}`)}
          </label>
        ))}
      </fieldset>
      <label className="choice">
        <input
          type="checkbox"
          data-testid="apply-maxFeeConsent"
          checked={form.maxFeeConsent}
          onChange={(e) => set('maxFeeConsent', e.target.checked)}
        />
        {t('apply.maxFeeConsent')}
      </label>
      <div className="field">
        <label htmlFor="apply-message">
          {t('apply.field.message')}
          <span className="optional"> {t('apply.optional')}</span>
        </label>
        <textarea
          id="apply-message"
          data-testid="apply-message"
          rows={5}
          value={form.message}
          aria-invalid={errors.message ? true : undefined}
          aria-describedby={errors.message ? `apply-message-count ${errorId('message')}` : 'apply-message-count'}
          onChange={(e) => set('message', e.target.value)}
        />
        <span
          id="apply-message-count"
          data-testid="apply-message-count"
          className={form.message.length >= MESSAGE_MAX ? 'counter full' : 'counter'}
          aria-live="polite"
        >
          {/* Over the limit the text is kept and the server refuses it: nothing is silently cut. */}
          {form.message.length > MESSAGE_MAX
            ? t('signIn.messageOver', {
                count: form.message.length,
                max: MESSAGE_MAX,
                over: form.message.length - MESSAGE_MAX,
              })
            : t(form.message.length === MESSAGE_MAX ? 'apply.messageFull' : 'apply.messageCount', {
                count: form.message.length,
                max: MESSAGE_MAX,
              })}
        </span>
        {err('message')}
      </div>
      {failure && (
        <p className="error failure" role="alert" data-testid="apply-failure">
          {failure}
        </p>
      )}
      <div className="row">
        <button type="submit" className="primary" data-testid="apply-submit" disabled={busy}>
          {t('apply.submit')}
        </button>
      </div>
    </form>
  );
}
