// The demo identities: Swedish-format test identity numbers (valid check digits, not real people).
// Two are over 75 (SoL 4:2a applies), one is a younger relative who may apply for someone else.

export interface DemoIdentity {
  /** YYYYMMDD-XXXX, also the `sub`. */
  personalNumber: string;
  givenName: string;
  familyName: string;
}

export const DEMO_IDENTITIES: readonly DemoIdentity[] = [
  { personalNumber: '19400312-2381', givenName: 'Greta', familyName: 'Andersson' },
  { personalNumber: '19330920-1188', givenName: 'Karl', familyName: 'Lindqvist' },
  { personalNumber: '19850621-2466', givenName: 'Anna', familyName: 'Svensson' },
];
