-- Tables behind the built-in service implementations. Every write is keyed by
-- the activity's idempotency key, so a Temporal retry never acts twice.

CREATE TABLE notification_outbox (
    notification_id  text        PRIMARY KEY,
    idempotency_key  text        NOT NULL UNIQUE,
    participant_id   text        NOT NULL,
    recipient        text        NOT NULL,
    kind             text        NOT NULL,
    subject          text        NOT NULL,
    body             text        NOT NULL,
    urgent           boolean     NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    -- Set by whatever relays the outbox (mail, pager); NULL means not yet sent.
    dispatched_at    timestamptz
);

CREATE INDEX notification_outbox_pending_idx ON notification_outbox (created_at) WHERE dispatched_at IS NULL;

CREATE TABLE lab_orders (
    order_id         text        PRIMARY KEY,
    idempotency_key  text        NOT NULL UNIQUE,
    participant_id   text        NOT NULL,
    codes            text[]      NOT NULL CHECK (cardinality(codes) >= 1),
    purpose          text        NOT NULL,
    due_by           timestamptz NOT NULL,
    status           text        NOT NULL DEFAULT 'ordered',
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX lab_orders_participant_idx ON lab_orders (participant_id);

CREATE TABLE resource_capacity (
    kind          text    PRIMARY KEY,
    per_day       integer NOT NULL CHECK (per_day >= 0)
);

INSERT INTO resource_capacity (kind, per_day) VALUES
    ('infusion', 2),
    ('biopsy', 4),
    ('ct_scan', 6),
    ('follow_up_visit', 8);

CREATE TABLE appointments (
    appointment_id   text        PRIMARY KEY,
    idempotency_key  text        NOT NULL UNIQUE,
    participant_id   text        NOT NULL,
    kind             text        NOT NULL REFERENCES resource_capacity (kind),
    day              date        NOT NULL,
    status           text        NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    cancelled_at     timestamptz,
    cancel_reason    text
);

CREATE INDEX appointments_day_idx ON appointments (kind, day) WHERE status = 'booked';
CREATE INDEX appointments_participant_idx ON appointments (participant_id) WHERE status = 'booked';

-- Remembers each cancel_all call so a retry reports the original count
-- instead of "0 cancelled".
CREATE TABLE appointment_cancellations (
    idempotency_key  text        PRIMARY KEY,
    participant_id   text        NOT NULL,
    cancelled        integer     NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
