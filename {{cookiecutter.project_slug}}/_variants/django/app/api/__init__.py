"""The HTTP layer: Django REST Framework views, middleware and the error envelope."""
