-- The append-only triggers fire in every replication mode. A trigger enabled the default way
-- is skipped under `SET session_replication_role = replica`, which would let a session that
-- may set it rewrite history without tripping them; ENABLE ALWAYS closes that path too.
ALTER TABLE journey_events ENABLE ALWAYS TRIGGER journey_events_no_update_delete;
ALTER TABLE journey_events ENABLE ALWAYS TRIGGER journey_events_no_truncate;

-- Nobody gets anything on the permanent record by default; the engine's role receives exactly
-- INSERT and SELECT from privileges.sql, which runs after every migration.
REVOKE ALL ON journey_events FROM PUBLIC;
REVOKE ALL ON FUNCTION journey_events_forbid_change() FROM PUBLIC;

-- PostgreSQL 15 already withholds CREATE on the public schema from PUBLIC; older servers do
-- not, and a role that may create objects there could shadow a table or the trigger function.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
