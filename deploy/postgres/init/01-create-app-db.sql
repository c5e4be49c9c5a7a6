-- Runs once, from /docker-entrypoint-initdb.d, when the postgres container initialises an
-- EMPTY data volume. It creates the application's event-store database; its tables are
-- created by `itc migrate` (the worker service runs it before starting).
-- The Temporal databases (temporal, temporal_visibility) are created by the
-- temporal-admin-tools service, not here.
-- On an existing volume this script does not run: create the database by hand with
--   docker compose exec postgresql createdb -U "$POSTGRES_USER" itc
CREATE DATABASE itc;
