"""A participant's chain of identity and custody as read from the record: the report, unit labels, FHIR resources."""
