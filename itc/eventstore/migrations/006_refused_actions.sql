-- Staff actions refused for the actor's role (21 CFR 11.10(e); ICH E6(R3) 4.2.2): audited with
-- actor, role and message, but kept out of the journey's Temporal history, which a flood of
-- refusals would otherwise grow to its limit. The client that was refused writes here; the
-- audit trail shows these rows merged with the journey's events. Like journey_events, nothing
-- may rewrite it.
CREATE TABLE refused_actions (
    refusal_id     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    participant_id text        NOT NULL,
    update_name    text        NOT NULL,
    actor          text        NOT NULL,
    actor_role     text,
    request_id     text,
    refusal        text        NOT NULL,
    message        text        NOT NULL,
    refused_by     text        NOT NULL,
    refused_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX refused_actions_participant_idx ON refused_actions (participant_id, refused_at);

CREATE FUNCTION refused_actions_forbid_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'refused_actions is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER refused_actions_no_update_delete
    BEFORE UPDATE OR DELETE ON refused_actions
    FOR EACH ROW EXECUTE FUNCTION refused_actions_forbid_change();

CREATE TRIGGER refused_actions_no_truncate
    BEFORE TRUNCATE ON refused_actions
    FOR EACH STATEMENT EXECUTE FUNCTION refused_actions_forbid_change();

-- As for journey_events (migration 005): the triggers fire in every replication mode, and
-- nobody gets anything by default; the engine's role receives INSERT and SELECT from privileges.sql.
ALTER TABLE refused_actions ENABLE ALWAYS TRIGGER refused_actions_no_update_delete;
ALTER TABLE refused_actions ENABLE ALWAYS TRIGGER refused_actions_no_truncate;
REVOKE ALL ON refused_actions FROM PUBLIC;
REVOKE ALL ON FUNCTION refused_actions_forbid_change() FROM PUBLIC;
