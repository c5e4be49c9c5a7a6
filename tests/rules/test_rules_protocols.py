"""Protocol versions: retired fields still decode, files load and become known, versions never clash."""

from __future__ import annotations

import json
import uuid

import pytest
from pydantic import ValidationError

from itc.base.protocol_files import load_protocol
from itc.rules.config import DEFAULT_PROTOCOL, ProtocolConfig
from itc.rules.protocols import (
    ConflictingProtocolVersion,
    UnknownProtocolVersion,
    protocol_for_version,
    register_protocol,
)


def test_fields_earlier_versions_carried_still_decode():
    # Histories recorded before these fields were retired carry them in every journey input.
    data = DEFAULT_PROTOCOL.model_dump(mode="json")
    data["baseline_tumour_markers"] = ["ca15_3", "cea"]
    data["response"]["tumour_markers"] = ["ca15_3", "cea"]
    assert ProtocolConfig.model_validate(data) == DEFAULT_PROTOCOL


def test_unknown_fields_are_still_refused():
    data = DEFAULT_PROTOCOL.model_dump(mode="json")
    data["response"]["tumor_markers"] = ["cea"]
    with pytest.raises(ValidationError, match="tumor_markers"):
        ProtocolConfig.model_validate(data)


def test_a_loaded_file_becomes_a_known_version(tmp_path):
    version = f"itc-1.1-{uuid.uuid4().hex[:6]}"
    data = DEFAULT_PROTOCOL.model_dump(mode="json") | {"version": version, "target_enrolment": 40}
    path = tmp_path / "amendment.json"
    path.write_text(json.dumps(data))
    with pytest.raises(UnknownProtocolVersion, match=version):
        protocol_for_version(version)
    loaded = load_protocol(path)
    assert loaded.target_enrolment == 40 and protocol_for_version(version) == loaded
    assert load_protocol(path) == loaded  # loading the same file again is harmless


def test_one_version_never_names_two_configurations():
    assert protocol_for_version(DEFAULT_PROTOCOL.version) == DEFAULT_PROTOCOL
    with pytest.raises(ConflictingProtocolVersion):
        register_protocol(DEFAULT_PROTOCOL.model_copy(update={"target_enrolment": 12}))
