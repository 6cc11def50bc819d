"""The bearer scheme as OpenAPI names it; plain constants, so settings can read them."""

SCHEME_NAME = "bearerAuth"
SECURITY_SCHEME = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
