// Swedish/English switch; the choice persists across reloads.

import { useI18n } from '../i18n/i18n.tsx';

export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  const other = lang === 'sv' ? 'en' : 'sv';
  return (
    <button
      type="button"
      className="ghost"
      data-testid="lang-switch"
      data-lang={lang}
      title={t('lang.switchTitle')}
      onClick={() => setLang(other)}
    >
      {t(other === 'en' ? 'lang.en' : 'lang.sv')}
    </button>
  );
}
