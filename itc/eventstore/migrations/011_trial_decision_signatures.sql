-- Electronic signatures on the trial's own decisions (a supervisor's resume after a safety
-- pause, 21 CFR 11.50 and 11.70): the trial workflow holds its decisions in order, so a
-- signature names the trial and the decision's place in that order, and a digest of its content.
CREATE TABLE trial_decision_signatures (
    trial_id     text        NOT NULL,
    sequence     integer     NOT NULL CHECK (sequence >= 1),
    person_id    text        NOT NULL REFERENCES people_accounts (person_id),
    printed_name text        NOT NULL,
    meaning      text        NOT NULL,
    signed_at    timestamptz NOT NULL,
    record_hash  text        NOT NULL,
    PRIMARY KEY (trial_id, sequence, person_id)
);

CREATE FUNCTION trial_decision_signatures_forbid_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'trial_decision_signatures is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER trial_decision_signatures_no_update_delete
    BEFORE UPDATE OR DELETE ON trial_decision_signatures
    FOR EACH ROW EXECUTE FUNCTION trial_decision_signatures_forbid_change();

CREATE TRIGGER trial_decision_signatures_no_truncate
    BEFORE TRUNCATE ON trial_decision_signatures
    FOR EACH STATEMENT EXECUTE FUNCTION trial_decision_signatures_forbid_change();
