-- What the engine's role may do, table by table. Re-applied by `itc migrate` after every
-- migration, as the owner, so this file is the one place grants live: a migration that adds a
-- table adds its line here (tests/test_eventstore_privileges.py fails for a table without one).
-- Grants are the smallest set the engine's queries need; anything else stays the owner's.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM itc_engine;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM itc_engine;
GRANT USAGE ON SCHEMA public TO itc_engine;

-- The permanent record: appended to and read, never changed.
GRANT SELECT, INSERT ON journey_events TO itc_engine;
-- The read model, kept in step with each append (an upsert).
GRANT SELECT, INSERT, UPDATE ON participant_status TO itc_engine;
-- The built-in services' tables.
GRANT SELECT, INSERT ON notification_outbox TO itc_engine;
GRANT SELECT, INSERT ON lab_orders TO itc_engine;
GRANT SELECT ON resource_capacity TO itc_engine;
GRANT SELECT, INSERT, UPDATE (status, cancelled_at, cancel_reason) ON appointments TO itc_engine;
GRANT SELECT, INSERT, UPDATE (cancelled) ON appointment_cancellations TO itc_engine;
-- Manufacturing slots: capacity is the lab's setting (the owner's to change), holds are the engine's.
GRANT SELECT ON manufacturing_capacity TO itc_engine;
GRANT SELECT, INSERT, UPDATE (status, released_at, release_reason) ON manufacturing_slot_reservations TO itc_engine;
GRANT SELECT, INSERT, UPDATE (released) ON manufacturing_slot_releases TO itc_engine;
-- Read only, so the API can tell "not migrated yet" from "not reachable".
GRANT SELECT ON schema_migrations TO itc_engine;
-- People (accounts, tokens, sessions): kept current by the API.
GRANT SELECT, INSERT, UPDATE ON people_accounts TO itc_engine;
GRANT SELECT, INSERT, UPDATE ON personal_tokens TO itc_engine;
GRANT SELECT, INSERT, UPDATE ON dashboard_sessions TO itc_engine;
-- Append-only records beside the journey's: the access log and electronic signatures.
GRANT SELECT, INSERT ON access_log TO itc_engine;
GRANT SELECT, INSERT ON electronic_signatures TO itc_engine;
GRANT SELECT, INSERT ON trial_decision_signatures TO itc_engine;
-- Their append-only triggers fire in every replication mode, like journey_events' (005).
ALTER TABLE access_log ENABLE ALWAYS TRIGGER access_log_no_update_delete;
ALTER TABLE access_log ENABLE ALWAYS TRIGGER access_log_no_truncate;
ALTER TABLE electronic_signatures ENABLE ALWAYS TRIGGER electronic_signatures_no_update_delete;
ALTER TABLE electronic_signatures ENABLE ALWAYS TRIGGER electronic_signatures_no_truncate;
ALTER TABLE trial_decision_signatures ENABLE ALWAYS TRIGGER trial_decision_signatures_no_update_delete;
ALTER TABLE trial_decision_signatures ENABLE ALWAYS TRIGGER trial_decision_signatures_no_truncate;
-- Staff actions refused for the role: appended by the API and the CLI, read into the audit trail.
GRANT SELECT, INSERT ON refused_actions TO itc_engine;
