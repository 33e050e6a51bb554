"""Reporting: display tables, text, plotly figures and export files."""
