"""The one path every file the tool writes for a spreadsheet or a program goes through.

* CSV and XLSX: text cells starting with a formula character (OWASP CSV injection: ``=``,
  ``+``, ``-``, ``@``, tab, carriage return) get a leading apostrophe; numeric cells are never
  touched, so negative numbers stay numbers.
* JSON: always valid JSON. Non-finite numbers (NaN, infinities) become ``null``, numpy scalars
  and arrays plain values, dates ISO text; ``allow_nan=False`` guarantees that nothing slips by.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from xmsim.formula import FORMULA_PREFIXES, neutralise  # noqa: F401  (the cell rule's one home)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with text cells (and column names) neutralised; numeric columns untouched."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def csv_text(frame: pd.DataFrame) -> str:
    """CSV text of a neutralised frame (no index)."""
    return neutralise_frame(frame).to_csv(index=False)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV of a neutralised frame (no index)."""
    return csv_text(frame).encode("utf-8")


def json_safe(value: object) -> object:
    """``value`` with NaN/inf -> None, numpy -> Python, dates -> ISO text, recursively."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_safe(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.date | pd.Timestamp):
        return value.isoformat()
    if value is pd.NaT or value is pd.NA:
        return None
    return value


def json_text(value: object, indent: int | None = 2) -> str:
    """Valid JSON for ``value`` (see :func:`json_safe`); never NaN or Infinity."""
    return json.dumps(json_safe(value), indent=indent, allow_nan=False, default=str)
