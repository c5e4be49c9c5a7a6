"""Settings and logging for one CLI invocation."""

from __future__ import annotations

import yaml
from pydantic import ValidationError

from itc.api.settings import ApiSettings
from itc.base.errors import validation_lines
from itc.base.logging import configure_logging
from itc.base.settings import Settings
from itc.cli.errors import EXIT_INVALID, fail
from itc.rules.config import ProtocolConfig


def load_settings() -> Settings:
    """Read the environment; short commands log warnings only, to stderr, so stdout stays
    clean for their output (and for `--json`)."""
    try:
        settings = Settings()
    except ValidationError as error:
        fail("Invalid settings in the environment", validation_lines(error), EXIT_INVALID)
    configure_logging(settings.log_format, "WARNING", stream="stderr")
    return settings


def load_protocol(settings: Settings) -> ProtocolConfig:
    try:
        return settings.protocol()
    except ValidationError as error:
        fail(f"Invalid protocol file {settings.itc_protocol_file}", validation_lines(error), EXIT_INVALID)
    except (OSError, ValueError, yaml.YAMLError) as error:
        # ValueError covers bad JSON syntax and non-UTF-8 bytes.
        fail(f"Cannot read protocol file {settings.itc_protocol_file}: {error}", code=EXIT_INVALID)


def load_api_settings() -> ApiSettings:
    try:
        return ApiSettings()
    except ValidationError as error:
        fail("Invalid dashboard settings in the environment", validation_lines(error), EXIT_INVALID)
