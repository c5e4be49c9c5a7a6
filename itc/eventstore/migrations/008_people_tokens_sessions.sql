-- Personal API tokens for scripts and the command line, and dashboard sessions. Only a
-- SHA-256 digest of each secret is kept: a copy of the table lets no one sign in.
CREATE TABLE personal_tokens (
    token_id     text        PRIMARY KEY,
    person_id    text        NOT NULL REFERENCES people_accounts (person_id),
    secret_hash  text        NOT NULL,
    label        text        NOT NULL,
    issued_at    timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    CHECK (expires_at > issued_at)
);

CREATE INDEX personal_tokens_person_idx ON personal_tokens (person_id);

CREATE TABLE dashboard_sessions (
    session_hash text        PRIMARY KEY,
    person_id    text        NOT NULL REFERENCES people_accounts (person_id),
    started_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    ended_at     timestamptz
);

CREATE INDEX dashboard_sessions_person_idx ON dashboard_sessions (person_id);
