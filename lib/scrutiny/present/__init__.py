"""Presentation: house charts with alt text, tables, plain-English wording and page helpers.

Everything here draws or words what the analysis computed; nothing computes a verdict.
"""
