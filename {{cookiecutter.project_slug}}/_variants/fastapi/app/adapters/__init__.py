"""The services' hasher port over the shared password hasher (app/core/security.py)."""
