"""What the services reach outside the process and the database: the cache and the
rate-limit counters (`cache/`), and the hasher, which runs Argon2id in a worker thread."""
