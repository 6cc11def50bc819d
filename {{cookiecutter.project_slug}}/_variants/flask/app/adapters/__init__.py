"""What the services reach outside the process and the database: the cache and the
rate-limit counters (`cache/`, shared with Django and generated from FastAPI's)."""
