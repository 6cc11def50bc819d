"""Data access: async SQLAlchemy repositories implementing the services' ports."""
