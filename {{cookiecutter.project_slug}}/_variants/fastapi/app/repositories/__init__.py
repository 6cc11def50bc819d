"""Data access through SQLAlchemy 2, implementing the services' ports: each write is its own
committed transaction."""
