-- Personal accounts (21 CFR 11.10(d), 11.100): every record names one person, never a role
-- or a shared token. Roles and sites decide what a person may do and on whom.
CREATE TABLE people_accounts (
    person_id           text        PRIMARY KEY,
    full_name           text        NOT NULL,
    roles               text[]      NOT NULL,
    sites               text[]      NOT NULL DEFAULT '{}',
    -- argon2id (RFC 9106); NULL for a person who signs in only through the OIDC provider.
    password_hash       text,
    -- Base32 TOTP secret (RFC 6238); NULL when the second factor is not enrolled.
    totp_secret         text,
    failed_attempts     integer     NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_at           timestamptz,
    disabled_at         timestamptz,
    password_changed_at timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now()
);

-- Who did what to accounts and sessions (ICH E6(R3) 4.2.2): created, disabled, roles or sites
-- changed, signed in or out, failed sign-in, locked, token issued or revoked, signature failed.
-- Like journey_events, nothing may rewrite it.
CREATE TABLE access_log (
    entry_id    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    kind        text        NOT NULL,
    -- The account the entry is about (NULL when a sign-in named no known account).
    person_id   text,
    -- Who acted: the person themself, an administrator, or "bootstrap" for the first account.
    actor_id    text        NOT NULL,
    channel     text        NOT NULL,
    detail      jsonb       NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX access_log_person_idx ON access_log (person_id, occurred_at);
CREATE INDEX access_log_kind_idx ON access_log (kind, occurred_at);

CREATE FUNCTION access_log_forbid_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'access_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER access_log_no_update_delete
    BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_forbid_change();

CREATE TRIGGER access_log_no_truncate
    BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_forbid_change();
