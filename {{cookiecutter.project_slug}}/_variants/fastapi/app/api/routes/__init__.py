"""The routers: health checks, users and authentication."""
