"""Claim or release one of the suite's Redis databases for one server or one baked suite.

Run by a baked project's Python, which has redis-py when the project uses Redis:

    python redis_databases.py claim redis://host:port 1,2,...,15 HOST:PID
    python redis_databases.py release redis://host:port/N HOST:PID

Two runs of the suite at once (each framework's engineers run it) would otherwise share
a database, and a cached user or a rate-limit count of one run would answer for the
other. A claim takes the first database nobody holds, or whose holder's process is gone,
and empties it; it prints the database number, or exits 3 when every one is held. Claims
are kept in database 0, apart from the claimed ones, which their users empty at will.
"""

import os
import socket
import sys

import redis

CLAIM_KEY = "backend-template-tests:claim:{}"


def holder_is_alive(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def holder_of(claims: redis.Redis, key: str) -> str:
    held = claims.get(key)
    return held.decode() if isinstance(held, bytes) else ""


def claim(base: str, numbers: list[int], owner: str) -> int | None:
    claims = redis.Redis.from_url(f"{base}/0")
    for number in numbers:
        key = CLAIM_KEY.format(number)
        if not claims.set(key, owner, nx=True):
            holder = holder_of(claims, key)
            if holder and holder_is_alive(holder):
                continue
            claims.set(key, owner)
        redis.Redis.from_url(f"{base}/{number}").flushdb()
        return number
    return None


def release(url: str, owner: str) -> None:
    base, _, number = url.rpartition("/")
    claims = redis.Redis.from_url(f"{base}/0")
    key = CLAIM_KEY.format(number)
    if holder_of(claims, key) == owner:
        claims.delete(key)


def main(argv: list[str]) -> int:
    action = argv[1]
    if action == "claim":
        number = claim(argv[2].rstrip("/"), [int(n) for n in argv[3].split(",")], argv[4])
        if number is None:
            return 3
        print(number)
        return 0
    release(argv[2], argv[3])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
