// The case worker registers a phone or paper application on the applicant's behalf: the internal
// form asks about the applicant ("Har den sökande ..."), not "du". These keys replace the public
// e-service's first-person texts in that form only.

import type { MessageKey } from '../i18n/i18n.tsx';

export const INTERNAL_WORDING: Partial<Record<MessageKey, MessageKey>> = {
  'apply.intro': 'backoffice.internal.intro',
  'apply.otherInterventions': 'backoffice.internal.otherInterventions',
  'apply.maxFeeConsent': 'backoffice.internal.maxFeeConsent',
  'apply.field.message': 'backoffice.internal.message',
  'apply.question.fallRisk': 'backoffice.internal.question.fallRisk',
  'apply.question.feelsUnsafeAlone': 'backoffice.internal.question.feelsUnsafeAlone',
  'apply.question.conditionNeedingQuickHelp': 'backoffice.internal.question.conditionNeedingQuickHelp',
  'apply.question.needMetOtherwise': 'backoffice.internal.question.needMetOtherwise',
  'apply.legalBasis': 'backoffice.internal.legalBasis',
  'apply.thanks': 'backoffice.internal.thanks',
  'apply.keepToken': 'backoffice.internal.keepToken',
  'apply.decisionManual': 'backoffice.internal.decisionManual',
};
