-- Read model: one row per participant, rebuilt from journey_events at will.
-- It deliberately holds no PHI (no date of birth, measurements or free text),
-- so it can back dashboards and exports without the event store's protections.
CREATE TABLE participant_status (
    participant_id    text        PRIMARY KEY,
    site              text,
    stage             text,
    stage_entered_at  timestamptz,
    protocol_version  text        NOT NULL,
    consented_at      timestamptz,
    consent_date      date,
    infusions_given   integer     NOT NULL DEFAULT 0,
    worst_ae_grade    integer     NOT NULL DEFAULT 0,
    -- Grade per recording event ("<sequence>": grade) so a correction can
    -- replace a mistaken grade instead of leaving it as the worst forever.
    ae_grades         jsonb       NOT NULL DEFAULT '{}'::jsonb,
    dlt               boolean     NOT NULL DEFAULT false,
    next_due_at       timestamptz,
    next_due_action   text,
    biopsy_attempts   integer     NOT NULL DEFAULT 0,
    response          text,
    pfs_days          integer,
    end_reason        text,
    last_sequence     integer     NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX participant_status_stage_idx ON participant_status (stage);
CREATE INDEX participant_status_site_idx ON participant_status (site);
CREATE INDEX participant_status_next_due_idx ON participant_status (next_due_at) WHERE next_due_at IS NOT NULL;
