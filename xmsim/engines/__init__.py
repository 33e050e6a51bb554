"""Margin engines: ``span`` (CME-like SPAN) and ``var`` (FICC-like VaR).

Import from the submodules (``from xmsim.engines.span.margin import span_margin``); this package
re-exports nothing so that one engine never pulls in another's dependencies.
"""
