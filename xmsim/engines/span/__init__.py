"""The CME-like SPAN engine (book -> SPAN margin)."""
