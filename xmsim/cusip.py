"""CUSIP identifiers: the standard check digit.

A CUSIP is 9 characters: a 6-character issuer number, a 2-character issue number and a check
digit. The check digit is the "modulus 10 double-add-double" of the first 8 characters
[SRC CUSIP Global Services / ANSI X9.6]: each character gets a value (digits 0-9, letters
A-Z 10-35, ``*`` 36, ``@`` 37, ``#`` 38), every second value (2nd, 4th, 6th, 8th) is doubled,
the decimal digits of all the values are summed, and the check digit is
``(10 - sum % 10) % 10``.

U.S. Treasury securities carry issuer numbers starting with ``912``: ``912810`` (bonds),
``912828`` and ``91282C`` (notes and TIPS), ``912796`` / ``912797`` (bills), ``9128..`` STRIPS.
"""

from __future__ import annotations

import string

CUSIP_LENGTH = 9
TREASURY_PREFIX = "912"
"""Issuer-number prefix shared by all U.S. Treasury CUSIPs."""

_VALUES = {ch: i for i, ch in enumerate(string.digits + string.ascii_uppercase + "*@#")}


def check_digit(base: str) -> int:
    """The check digit of the first 8 characters of a CUSIP.

    Parameters
    ----------
    base : the 8-character issuer + issue number (case-insensitive); a 9th character is ignored.

    Raises
    ------
    ValueError
        If ``base`` is shorter than 8 characters or holds a character a CUSIP cannot contain.
    """
    base = str(base).upper()
    if len(base) < CUSIP_LENGTH - 1:
        raise ValueError(f"a CUSIP has 8 characters before its check digit, got {base!r}")
    total = 0
    for i, ch in enumerate(base[: CUSIP_LENGTH - 1]):
        if ch not in _VALUES:
            raise ValueError(f"character {ch!r} cannot appear in a CUSIP")
        value = _VALUES[ch] * (2 if i % 2 else 1)
        total += value // 10 + value % 10
    return (10 - total % 10) % 10


def cusip_problem(cusip: str) -> str | None:
    """What is wrong with a CUSIP, as a sentence with the fix; ``None`` when it is valid."""
    text = str(cusip).strip().upper()
    if len(text) != CUSIP_LENGTH:
        return f"a CUSIP has 9 characters, this one has {len(text)}; check for a missing character"
    bad = [ch for ch in text[:-1] if ch not in _VALUES]
    if bad or not text[-1].isdigit():
        return "a CUSIP holds only letters and digits and ends in a digit; check for typos"
    expected = check_digit(text)
    if int(text[-1]) != expected:
        return (
            f"check digit should be {expected}, not {text[-1]}: the CUSIP has a typo "
            "(copy it again from the trade record, or leave the cusip cell empty)"
        )
    return None


def is_valid_cusip(cusip: str) -> bool:
    """True when ``cusip`` has 9 valid characters and a correct check digit."""
    return cusip_problem(cusip) is None


def is_treasury_cusip(cusip: str) -> bool:
    """True when a valid CUSIP carries a U.S. Treasury issuer number (starts with ``912``)."""
    text = str(cusip).strip().upper()
    return is_valid_cusip(text) and text.startswith(TREASURY_PREFIX)
