"""Benchmarks of eksforge.platform against the sandbox (not shipped): `python -m bench`."""
