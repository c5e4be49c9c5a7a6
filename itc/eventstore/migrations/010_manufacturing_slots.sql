-- Manufacturing slots: how many manufacturing runs the site can start each week, and who
-- holds each one. A slot is (site, week, number); a second hold on the same slot is refused
-- by the unique index below, as a second booking past a day's capacity is refused for
-- infusion chairs. Capacity is the site's, not the protocol's: the lab sets it, and it can
-- change without an amendment.

CREATE TABLE manufacturing_capacity (
    site            text    PRIMARY KEY,
    slots_per_week  integer NOT NULL CHECK (slots_per_week >= 0)
);

INSERT INTO manufacturing_capacity (site, slots_per_week) VALUES ('default', 2);

CREATE TABLE manufacturing_slot_reservations (
    reservation_id   text        PRIMARY KEY,
    -- '<workflow id>:<event sequence>:...' of the journey that reserved it; a retry finds its row.
    idempotency_key  text        NOT NULL UNIQUE,
    participant_id   text        NOT NULL,
    -- The window asked for, so a retry that asks for another one is told it is not a retry.
    window_earliest  date        NOT NULL,
    window_latest    date        NOT NULL,
    site             text        NOT NULL REFERENCES manufacturing_capacity (site),
    week_start       date        NOT NULL CHECK (extract(isodow FROM week_start) = 1),
    slot_number      integer     NOT NULL CHECK (slot_number >= 0),
    status           text        NOT NULL DEFAULT 'reserved' CHECK (status IN ('reserved', 'released')),
    reserved_at      timestamptz NOT NULL DEFAULT now(),
    released_at      timestamptz,
    release_reason   text
);

-- The refusal of double booking: one holder per slot at a time, one slot per participant.
CREATE UNIQUE INDEX manufacturing_slot_held_once
    ON manufacturing_slot_reservations (site, week_start, slot_number) WHERE status = 'reserved';
CREATE UNIQUE INDEX manufacturing_slot_one_per_participant
    ON manufacturing_slot_reservations (participant_id) WHERE status = 'reserved';

-- Remembers each release call so a retry reports the original answer rather than "nothing held".
CREATE TABLE manufacturing_slot_releases (
    idempotency_key  text        PRIMARY KEY,
    participant_id   text        NOT NULL,
    released         integer     NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
