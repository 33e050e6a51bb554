"""The house rule for arrays held by frozen dataclasses: copied, then made read-only."""

from __future__ import annotations

import numpy as np


def readonly(a, dtype=float) -> np.ndarray:
    """A read-only copy of ``a`` as ``dtype`` (callers can never mutate a shared value)."""
    out = np.array(a, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out
