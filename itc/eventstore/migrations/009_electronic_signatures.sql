-- Electronic signatures (21 CFR 11.50, 11.70): the printed name, the UTC time and the meaning,
-- bound to the signed event by a digest of its content and sequence, so a signature copied
-- to another event, or an event changed under its signature, fails verification.
CREATE TABLE electronic_signatures (
    participant_id    text        NOT NULL,
    sequence          integer     NOT NULL,
    person_id         text        NOT NULL REFERENCES people_accounts (person_id),
    printed_name      text        NOT NULL,
    meaning           text        NOT NULL,
    signed_at         timestamptz NOT NULL,
    record_hash       text        NOT NULL,
    -- The event a correction corrects, so its signature names the record it replaces.
    corrects_sequence integer,
    PRIMARY KEY (participant_id, sequence, person_id),
    FOREIGN KEY (participant_id, sequence) REFERENCES journey_events (participant_id, sequence)
);

CREATE FUNCTION electronic_signatures_forbid_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'electronic_signatures is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER electronic_signatures_no_update_delete
    BEFORE UPDATE OR DELETE ON electronic_signatures
    FOR EACH ROW EXECUTE FUNCTION electronic_signatures_forbid_change();

CREATE TRIGGER electronic_signatures_no_truncate
    BEFORE TRUNCATE ON electronic_signatures
    FOR EACH STATEMENT EXECUTE FUNCTION electronic_signatures_forbid_change();
