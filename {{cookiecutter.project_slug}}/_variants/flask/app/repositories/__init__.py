"""Data access through SQLAlchemy 2: each write is its own committed transaction."""
