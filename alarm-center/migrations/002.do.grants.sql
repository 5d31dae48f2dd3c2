-- Safety-alarm grants: applications from the public and internal e-services, the decisions made on
-- them (by the rules or by a case worker), and the installation order each grant creates.
-- The 'caseworker' role already exists (users.role is free text, see api/schemas.ts ROLES).

CREATE TABLE applications (
  id bigserial PRIMARY KEY,
  reference text NOT NULL UNIQUE,                 -- shown to the applicant, e.g. TL-7K3F9QXA
  status_token_hash text NOT NULL,                -- SHA-256 of the status token handed out once
  channel text NOT NULL CHECK (channel IN ('public', 'internal')),
  registered_by text REFERENCES users(username),  -- the case worker for phone/paper; null when public
  legal_basis text NOT NULL CHECK (legal_basis IN ('sol_4_1', 'sol_4_2a')),
  applicant_name text NOT NULL,
  personal_number_enc text NOT NULL,              -- AES-256-GCM (PII_KEY); never logged
  birth_date date NOT NULL,
  phone text NOT NULL DEFAULT '',
  address text NOT NULL,
  district text NOT NULL,
  access text NOT NULL DEFAULT '',                -- key handling, how to get in
  door_code_enc text,                             -- AES-256-GCM
  contacts jsonb NOT NULL DEFAULT '[]',
  living_situation text NOT NULL,
  answers jsonb NOT NULL,                         -- health answers, other interventions, fee consent
  devices_needed jsonb NOT NULL DEFAULT '["pendant"]',
  message text NOT NULL DEFAULT '',               -- free text from the applicant, stored as text
  status text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'manual', 'granted', 'denied')),
  resident_id text REFERENCES residents(id),      -- created when granted
  received_at timestamptz NOT NULL,
  decided_at timestamptz,
  CHECK (channel = 'public' OR registered_by IS NOT NULL)
);
CREATE INDEX applications_manual_queue ON applications (received_at) WHERE status = 'manual';

-- Append-only: routing to the manual queue is a decision too, followed by the case worker's.
CREATE TABLE decisions (
  id bigserial PRIMARY KEY,
  application_id bigint NOT NULL REFERENCES applications(id),
  decision text NOT NULL CHECK (decision IN ('granted', 'manual', 'denied')),
  fee_decision text NOT NULL CHECK (fee_decision IN ('automatic', 'fee_handling')),
  rule_version text NOT NULL,                     -- the rules that assessed the application
  facts jsonb NOT NULL,
  reasons jsonb NOT NULL DEFAULT '[]',
  justification text NOT NULL,                    -- Swedish, readable by the citizen
  justification_en text,                          -- null when a case worker wrote only Swedish
  decided_by text REFERENCES users(username),     -- null: decided automatically by the rules
  decided_at timestamptz NOT NULL,
  -- The automation decides only in the applicant's favour: a denial always has a case worker.
  CONSTRAINT decisions_automation_never_denies CHECK (decision <> 'denied' OR decided_by IS NOT NULL)
);
CREATE INDEX decisions_by_application ON decisions (application_id, id);

CREATE TABLE installation_orders (
  id bigserial PRIMARY KEY,
  application_id bigint NOT NULL UNIQUE REFERENCES applications(id),
  resident_id text NOT NULL REFERENCES residents(id),
  district text NOT NULL,
  devices_needed jsonb NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'booked', 'provisioned', 'closed')),
  technician text REFERENCES users(username),
  visit_at timestamptz,
  device_id text REFERENCES devices(id),
  created_at timestamptz NOT NULL,
  booked_at timestamptz,
  provisioned_at timestamptz,
  closed_at timestamptz
);
CREATE INDEX installation_orders_open ON installation_orders (created_at) WHERE status <> 'closed';
