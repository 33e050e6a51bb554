"""Whole books in bounded memory: accounts in blocks, serially or on a Dask cluster."""
