"""A small portfolio carried in a share link: its upload-format CSV compressed (zlib level 9)
then base64url without padding, at most :data:`MAX_BOOK_CHARS` characters, decompressed at most
to :data:`MAX_BOOK_BYTES` (a link cannot be a decompression bomb)."""

from __future__ import annotations

import base64
import binascii
import zlib

MAX_BOOK_CHARS = 4000
"""Longest ``book=`` value a share link carries (compressed, base64url) [characters]."""
MAX_BOOK_BYTES = 1_000_000
"""Largest portfolio text a ``book=`` value may expand to [bytes]."""


def encode_book(text: str) -> str:
    """A portfolio's CSV text as a URL value: zlib (level 9) then base64url without padding."""
    raw = zlib.compress(text.encode("utf-8"), 9)
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_book(value: str) -> tuple[str, str | None]:
    """The portfolio text of a ``book=`` value: (text, None) or ("", the problem)."""
    value = value.strip()
    if not value:
        return "", "empty"
    if len(value) > MAX_BOOK_CHARS:
        return "", f"{len(value):,} characters; a link carries at most {MAX_BOOK_CHARS:,}"
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        inflate = zlib.decompressobj()
        data = inflate.decompress(raw, MAX_BOOK_BYTES)
        if inflate.unconsumed_tail:
            return "", f"expands beyond {MAX_BOOK_BYTES:,} bytes"
        if not inflate.eof:
            return "", "truncated: the link was cut"
        return data.decode("utf-8"), None
    except (binascii.Error, ValueError, zlib.error, UnicodeDecodeError) as exc:
        return "", f"not a portfolio link ({type(exc).__name__})"
