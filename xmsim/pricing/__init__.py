"""Pricing: curves, bonds, futures and the vectorised pricing book (Market + Portfolio -> book)."""
