"""Claim or release one of the suite's Redis databases for one server.

Run by a baked project's Python, which has redis-py when the project uses Redis:

    python redis_databases.py claim redis://host:port 5,7,9,4,6,8 HOST:PID
    python redis_databases.py release redis://host:port/N HOST:PID

Two runs of the suite at once (each framework's engineers run it) would otherwise share
a database, and a cached user of one run would answer for a user of the other. A claim
takes the first database nobody holds, or whose holder's process is gone, and empties it;
it prints the database number, or exits 3 when every one is held.
"""

import os
import socket
import sys

import redis

OWNER_KEY = "contract-suite:owner"


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


def claim(base: str, numbers: list[int], owner: str) -> int | None:
    for number in numbers:
        client = redis.Redis.from_url(f"{base}/{number}")
        if not client.set(OWNER_KEY, owner, nx=True):
            holder = (client.get(OWNER_KEY) or b"").decode()
            if holder and holder_is_alive(holder):
                continue
        client.flushdb()
        client.set(OWNER_KEY, owner)
        return number
    return None


def release(url: str, owner: str) -> None:
    client = redis.Redis.from_url(url)
    if (client.get(OWNER_KEY) or b"").decode() == owner:
        client.delete(OWNER_KEY)


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
