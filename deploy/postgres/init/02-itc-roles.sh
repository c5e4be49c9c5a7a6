#!/bin/sh
# Runs once, after 01-create-app-db.sql, when the postgres container initialises an EMPTY data
# volume: the event store's owner (runs `itc migrate`) and the engine's role (the worker), each
# with the password compose passes in, and the `itc` database handed to the owner. The engine's
# grants come from `itc migrate` (itc/eventstore/privileges.sql).
# On an existing volume this does not run; run it by hand once:
#   docker compose exec postgresql sh /docker-entrypoint-initdb.d/02-itc-roles.sh
set -eu
: "${ITC_DB_OWNER_PASSWORD:?set ITC_DB_OWNER_PASSWORD}"
: "${ITC_DB_ENGINE_PASSWORD:?set ITC_DB_ENGINE_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$ITC_DB_OWNER_PASSWORD" -v engine_password="$ITC_DB_ENGINE_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE itc_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', :'owner_password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'itc_owner') \gexec
SELECT format('CREATE ROLE itc_engine LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', :'engine_password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'itc_engine') \gexec
SELECT format('ALTER ROLE itc_owner LOGIN PASSWORD %L', :'owner_password') \gexec
SELECT format('ALTER ROLE itc_engine LOGIN PASSWORD %L', :'engine_password') \gexec
ALTER DATABASE itc OWNER TO itc_owner;
SQL
