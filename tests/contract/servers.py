"""The servers the contract suite runs: every framework on each backend, and their settings.

The runner that starts them is harness/servers.py, which the benchmark shares.
"""

from harness.matrix import DependencySet, options

ALLOWED_ORIGIN = "http://allowed.example"

GENEROUS_LIMITS = {
    "RATE_LIMIT_PER_IP": "1000000",
    "RATE_LIMIT_PER_USER": "1000000",
    "RATE_LIMIT_LOGIN": "1000000",
}


def frameworks() -> list[str]:
    return list(options()["framework"])


def sqlite_set(framework: str) -> DependencySet:
    return DependencySet(framework, "sqlite", "n")


def services_set(framework: str) -> DependencySet:
    return DependencySet(framework, "postgresql", "y")


def backend_id(dependency_set: DependencySet) -> str:
    """`fastapi-sqlite` or `fastapi-postgresql-redis`."""
    parts = [dependency_set.framework, dependency_set.database]
    if dependency_set.use_redis == "y":
        parts.append("redis")
    return "-".join(parts)
