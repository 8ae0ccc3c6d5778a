"""Tests of the data layer (a package, so its conftest does not shadow tests/conftest.py)."""
