"""The cross-margining arrangement: eligibility, legs, the engine adapters, the formula, legacy,
cycle."""
