"""The course in a real browser (a package, so that its conftest does not shadow tests/conftest.py)."""
