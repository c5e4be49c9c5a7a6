"""The PostgreSQL event store: the permanent, append-only record of every journey and its read model."""
