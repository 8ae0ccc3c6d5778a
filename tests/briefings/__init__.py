"""Tests of the briefings (a package, so a test module may share its name with the analysis
test it mirrors, e.g. test_needs.py)."""
