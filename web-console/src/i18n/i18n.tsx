// The console's translations: every visible string comes from sv.json or en.json through `t`.
// Swedish is the default; the operator's choice of language is remembered in localStorage.

import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import en from './en.json';
import sv from './sv.json';

export type MessageKey = keyof typeof sv;
export type Lang = 'sv' | 'en';
export const LANGS: readonly Lang[] = ['sv', 'en'];

const catalogues: Record<Lang, Record<MessageKey, string>> = { sv, en };
const STORAGE_KEY = 'trygg.lang';

/** Replaces `{name}` placeholders; a missing parameter stays visible rather than vanishing. */
export function format(template: string, params?: Record<string, string | number>): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function translate(lang: Lang, key: MessageKey, params?: Record<string, string | number>): string {
  return format(catalogues[lang][key] ?? key, params);
}

export function isMessageKey(key: string): key is MessageKey {
  return key in sv;
}

type Translator = (key: MessageKey, params?: Record<string, string | number>) => string;

interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: Translator;
  /** BCP 47 tag for Intl formatting of dates and numbers. */
  locale: string;
}

const I18nContext = createContext<I18n | null>(null);

function storedLang(): Lang {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === 'en' ? 'en' : 'sv';
  } catch {
    // Storage can be disabled by browser policy; Swedish is the safe default then.
    return 'sv';
  }
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(storedLang);
  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Not persisted when storage is disabled; the switch still applies to this session.
    }
    document.documentElement.lang = next;
  }, []);
  const value = useMemo<I18n>(
    () => ({
      lang,
      setLang,
      t: (key, params) => translate(lang, key, params),
      locale: lang === 'sv' ? 'sv-SE' : 'en-GB',
    }),
    [lang, setLang],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}
