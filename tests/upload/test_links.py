"""Share links carry a small portfolio: round trip, the length limit, a decompression bomb and a
cut link each get a clear answer (tested against zlib/base64 directly, not the app)."""

from __future__ import annotations

import base64
import zlib

from xmsim.upload import links

SMALL = "account,product,quantity,contract,expiry\nHOUSE,FUTURE,10,ZN,2026-12\n"


def test_book_value_round_trip_and_limits():
    text, problem = links.decode_book(links.encode_book(SMALL))
    assert (text, problem) == (SMALL, None)
    assert "at most" in links.decode_book("A" * (links.MAX_BOOK_CHARS + 1))[1]
    bomb = links.encode_book("0," * 1_000_000)  # 2 MB of text in under 4,000 characters
    assert len(bomb) <= links.MAX_BOOK_CHARS
    assert "expands beyond" in links.decode_book(bomb)[1]
    assert "cut" in links.decode_book(links.encode_book(SMALL)[:-8])[1]


def test_book_value_is_zlib_then_base64url_without_padding():
    value = links.encode_book(SMALL)
    assert "=" not in value and "+" not in value and "/" not in value
    padded = value + "=" * (-len(value) % 4)
    assert zlib.decompress(base64.urlsafe_b64decode(padded)).decode() == SMALL
