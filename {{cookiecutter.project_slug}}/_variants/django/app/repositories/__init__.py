"""The services' repository ports, implemented with the Django ORM."""
