"""Reading a protocol version (an amendment) from a JSON or YAML file."""

from __future__ import annotations

import json
from pathlib import Path

from itc.rules.config import ProtocolConfig
from itc.rules.protocols import register_protocol


def load_protocol(path: str | Path) -> ProtocolConfig:
    """Load a protocol version and make it known to this process; unknown keys are refused."""
    text = Path(path).read_text(encoding="utf-8")
    if str(path).endswith((".yaml", ".yml")):
        import yaml

        data = yaml.safe_load(text)
    else:
        data = json.loads(text)
    return register_protocol(ProtocolConfig.model_validate(data))
