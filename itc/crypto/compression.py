"""Compression of a payload's plaintext before encryption: zlib, padded, and inflated only up to a bound.

Padding to a multiple of PADDING_BLOCK bytes: compressing before encrypting makes the stored
length depend on how repetitive the content is, and rounding it up leaves an observer of stored
sizes only a coarse bucket. The zlib stream marks its own end, so the padding needs no length field.
"""

from __future__ import annotations

import zlib

COMPRESSION_LEVEL = 6
PADDING_BLOCK = 256
# Temporal refuses payloads over 2 MB, so nothing this codec wrote inflates past this; a stream
# that does is refused before it can exhaust the reader's memory.
MAX_DECOMPRESSED_BYTES = 4 * 1024 * 1024


class CompressedPayloadError(ValueError):
    """A compressed plaintext that inflates past the bound or is not a whole, zero-padded zlib stream."""


def compress_padded(data: bytes, header: bytes = b"") -> bytes:
    """`header` and data's zlib stream, zero-padded so the whole is a multiple of PADDING_BLOCK bytes."""
    framed = header + zlib.compress(data, COMPRESSION_LEVEL)
    return framed + bytes(-len(framed) % PADDING_BLOCK)


def decompress_bounded(data: bytes, limit: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """The zlib stream at the start of `data`, refused if it inflates past `limit` bytes."""
    inflater = zlib.decompressobj()
    try:
        # One byte past the limit shows the limit is exceeded without inflating the rest.
        inflated = inflater.decompress(data, limit + 1)
    except zlib.error as error:
        raise CompressedPayloadError(f"it is not a valid zlib stream ({error})") from None
    if len(inflated) > limit:
        raise CompressedPayloadError(f"it inflates past {limit:,} bytes")
    if not inflater.eof:
        raise CompressedPayloadError("its zlib stream is truncated")
    if inflater.unused_data.strip(b"\0"):
        raise CompressedPayloadError("it holds data other than padding after its zlib stream")
    return inflated
