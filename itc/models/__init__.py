"""Pydantic models shared by workflows, activities, the event store and the CLI."""
