"""The PostgreSQL event store: the permanent, append-only record of every journey and its read model.

Who may do what (least privilege):

- The owner role (`itc_owner`, reached through ITC_DATABASE_OWNER_URL) owns the database and
  every table, and is the only role `itc migrate` and `itc rebuild-projections` use.
- The engine role (`itc_engine`, reached through DATABASE_URL: worker, API, dashboard, CLI
  read-outs) may INSERT and SELECT `journey_events` and write the read model; it may not
  UPDATE, DELETE or TRUNCATE the record, alter or drop a table or trigger, replace the trigger
  function or set `session_replication_role`. It is never a superuser (the worker refuses one).
  A deployment that logs in under another name makes that login a member of `itc_engine`.
- `journey_events` is append-only twice over: by privileges, and by triggers that fire in every
  replication mode (`migrations/005_*`), so even the owner cannot rewrite history by accident.

The rule for new tables: a migration creates the table (owned by whoever migrates, the owner),
and `privileges.sql` gains one line granting the engine exactly what its queries need. That file
is re-applied after every migration, so it is the one place grants live;
tests/test_eventstore_privileges.py fails for a table it does not name.
"""
