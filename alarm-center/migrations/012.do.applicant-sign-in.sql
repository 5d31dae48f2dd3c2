-- Who is applying: applicants sign in with e-legitimation over OpenID Connect before they apply
-- (sign-in attempts and applicant sessions, apart from staff sessions); an application records who
-- applied for whom; one open application per person, a second one linked to the first; districts
-- come from the municipality's list.

-- One OpenID Connect authorization request: state, nonce and the PKCE verifier, used once.
CREATE TABLE applicant_sign_ins (
  state_hash text PRIMARY KEY,                    -- SHA-256 of the state sent to the provider
  nonce text NOT NULL,
  code_verifier text NOT NULL,
  created_at timestamptz NOT NULL,
  used_at timestamptz                             -- set by the callback: a replayed state is refused
);
CREATE INDEX applicant_sign_ins_by_age ON applicant_sign_ins (created_at);

-- A signed-in applicant: the identity the provider's verified ID token named.
CREATE TABLE applicant_sessions (
  token_hash text PRIMARY KEY,                    -- SHA-256 of the httpOnly cookie's token
  personal_number_enc text NOT NULL,              -- AES-256-GCM (PII_KEY)
  person_key text NOT NULL,                       -- HMAC of the identity number (lookups)
  name text NOT NULL,
  issuer text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX applicant_sessions_by_expiry ON applicant_sessions (expires_at);

-- The districts the municipality maintains; applications and orders name one of the active ones.
CREATE TABLE districts (
  name text PRIMARY KEY CHECK (char_length(name) BETWEEN 1 AND 64),  -- letters checked at the API (any script)
  active boolean NOT NULL DEFAULT true,
  changed_by text NOT NULL,
  changed_at timestamptz NOT NULL
);

ALTER TABLE applications
  -- HMAC of the subject's identity number: finds their open application without decrypting all.
  ADD COLUMN person_key text,
  -- 'e_legitimation': the applicant signed in; 'case_worker': registered from phone or paper.
  ADD COLUMN identified_by text NOT NULL DEFAULT 'case_worker'
    CHECK (identified_by IN ('e_legitimation', 'case_worker')),
  -- A relative or representative applying for someone else: who they are (from their token) and how related.
  ADD COLUMN applied_by_name text,
  ADD COLUMN applied_by_personal_number_enc text,
  ADD COLUMN applied_by_relation text,
  -- A second application while one is open: stored, shown to the case worker, never decided.
  ADD COLUMN linked_to bigint REFERENCES applications(id),
  ADD CONSTRAINT applications_representative_complete CHECK (
    (applied_by_relation IS NULL) = (applied_by_personal_number_enc IS NULL)
  );

ALTER TABLE applications DROP CONSTRAINT applications_status_check;
ALTER TABLE applications ADD CONSTRAINT applications_status_check
  CHECK (status IN ('received', 'manual', 'granted', 'denied', 'linked'));
ALTER TABLE applications ADD CONSTRAINT applications_linked_has_first
  CHECK ((status = 'linked') = (linked_to IS NOT NULL));

-- The database's own guard against a second open application for one person (the service also
-- serialises per person, and counts a granted one as open until its installation order closes).
CREATE UNIQUE INDEX applications_one_open_per_person ON applications (person_key)
  WHERE status IN ('received', 'manual');
CREATE INDEX applications_by_person ON applications (person_key);
CREATE INDEX applications_linked ON applications (linked_to) WHERE linked_to IS NOT NULL;
