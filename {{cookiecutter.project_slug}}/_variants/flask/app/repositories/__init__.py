# Generated from _variants/fastapi/app/repositories/__init__.py by
# `uv run python -m tests.sync_twins` (in the template); do not edit.
"""Data access through SQLAlchemy 2, implementing the services' ports: each write is its own
committed transaction."""
