"""The protocol versions this process knows, by version.

A journey's report to its trial names only the protocol version; when the report
has to start the trial (signal-with-start), the configuration comes from here.
The default version is always known; an amendment is known once it is loaded.
"""

from __future__ import annotations

from itc.rules.config import DEFAULT_PROTOCOL, ProtocolConfig


class UnknownProtocolVersion(LookupError):
    def __init__(self, version: str) -> None:
        super().__init__(f"Protocol version {version!r} is not known to this process: load its file first")
        self.version = version


class ConflictingProtocolVersion(ValueError):
    def __init__(self, version: str) -> None:
        super().__init__(f"Protocol version {version!r} is already known with other values: give it a new version")
        self.version = version


_KNOWN: dict[str, ProtocolConfig] = {DEFAULT_PROTOCOL.version: DEFAULT_PROTOCOL}


def register_protocol(protocol: ProtocolConfig) -> ProtocolConfig:
    """Make a version known; one version never names two different configurations."""
    known = _KNOWN.setdefault(protocol.version, protocol)
    if known != protocol:
        raise ConflictingProtocolVersion(protocol.version)
    return protocol


def protocol_for_version(version: str) -> ProtocolConfig:
    try:
        return _KNOWN[version]
    except KeyError:
        raise UnknownProtocolVersion(version) from None


def known_versions() -> list[str]:
    return sorted(_KNOWN)
