# Generated from _variants/fastapi/app/services/__init__.py by
# `uv run python -m tests.sync_twins` (in the template); do not edit.
"""Business rules. No web framework here: the API layer wires these with their ports."""
