"""Benchmarks: each ``bench/<name>.py`` module has a ``main()`` returning an exit code.

Run them with ``python -m bench [NAME ...]`` (see :mod:`bench.__main__`).
"""
