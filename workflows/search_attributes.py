"""Custom search attributes. Never PHI: they are stored unencrypted by the server."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

JOURNEY_STAGE = SearchAttributeKey.for_keyword("JourneyStage")
JOURNEY_SITE = SearchAttributeKey.for_keyword("JourneySite")
NEXT_DUE_AT = SearchAttributeKey.for_datetime("NextDueAt")
DLT_FLAG = SearchAttributeKey.for_bool("DltFlag")

ALL_KEYS = (JOURNEY_STAGE, JOURNEY_SITE, NEXT_DUE_AT, DLT_FLAG)
