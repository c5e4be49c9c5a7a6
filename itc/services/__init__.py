"""Narrow interfaces to the outside world, with PostgreSQL defaults and FHIR adapters."""
