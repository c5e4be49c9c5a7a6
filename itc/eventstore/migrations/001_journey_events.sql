-- The permanent audit record (21 CFR Part 11 / ICH E6(R3)): Temporal history is
-- retention-limited, so this table outlives every workflow run.
CREATE TABLE journey_events (
    participant_id    text        NOT NULL,
    sequence          integer     NOT NULL CHECK (sequence >= 1),
    type              text        NOT NULL,
    payload           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    occurred_at       timestamptz NOT NULL,
    recorded_at       timestamptz NOT NULL,
    actor             text        NOT NULL,
    reason            text,
    corrects_sequence integer,
    request_id        text,
    protocol_version  text        NOT NULL,
    workflow_id       text        NOT NULL,
    run_id            text        NOT NULL,
    stored_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (participant_id, sequence),
    -- A correction can only point backwards, at an event that already exists.
    CHECK (corrects_sequence IS NULL OR corrects_sequence < sequence),
    FOREIGN KEY (participant_id, corrects_sequence) REFERENCES journey_events (participant_id, sequence)
);

CREATE INDEX journey_events_type_idx ON journey_events (type);

-- Corrections are new events; the database itself refuses to rewrite history,
-- so no application bug or ad-hoc SQL session can do it either.
CREATE FUNCTION journey_events_forbid_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'journey_events is append-only: % is not allowed; record a correction event instead', TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'Append a new event whose corrects_sequence references the event being corrected.';
END;
$$;

CREATE TRIGGER journey_events_no_update_delete
    BEFORE UPDATE OR DELETE ON journey_events
    FOR EACH ROW EXECUTE FUNCTION journey_events_forbid_change();

CREATE TRIGGER journey_events_no_truncate
    BEFORE TRUNCATE ON journey_events
    FOR EACH STATEMENT EXECUTE FUNCTION journey_events_forbid_change();
