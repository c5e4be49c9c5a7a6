"""Settings and logging for one CLI invocation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from itc.base.errors import validation_lines
from itc.cli.errors import EXIT_INVALID, fail

if TYPE_CHECKING:
    # Imported where used: a staff command through the HTTP API reads no settings of its own,
    # and loading these (structlog, pydantic-settings, YAML) would only slow it down.
    from itc.api.settings import ApiSettings
    from itc.base.settings import Settings
    from itc.rules.config import ProtocolConfig


def load_settings() -> Settings:
    """Read the environment; short commands log warnings only, to stderr, so stdout stays
    clean for their output (and for `--json`)."""
    from itc.base.logging import configure_logging
    from itc.base.settings import Settings

    try:
        settings = Settings()
    except ValidationError as error:
        fail("Invalid settings in the environment", validation_lines(error), EXIT_INVALID)
    configure_logging(settings.log_format, "WARNING", stream="stderr")
    return settings


def load_protocol(settings: Settings) -> ProtocolConfig:
    import yaml

    try:
        return settings.protocol()
    except ValidationError as error:
        fail(f"Invalid protocol file {settings.itc_protocol_file}", validation_lines(error), EXIT_INVALID)
    except (OSError, ValueError, yaml.YAMLError) as error:
        # ValueError covers bad JSON syntax and non-UTF-8 bytes.
        fail(f"Cannot read protocol file {settings.itc_protocol_file}: {error}", code=EXIT_INVALID)


def load_api_settings() -> ApiSettings:
    from itc.api.settings import ApiSettings

    try:
        return ApiSettings()
    except ValidationError as error:
        fail("Invalid dashboard settings in the environment", validation_lines(error), EXIT_INVALID)
