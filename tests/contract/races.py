"""Requests fired together: one thread each, held behind a barrier and released at once.

The threads share one of the suite's clients, which keep no connection alive (httpcore's
pool is thread-safe), so every request opens a connection of its own and, with several
workers, a batch lands on several processes. Everything is bounded: the barrier and the
batch each wait at most RACE_SECONDS, and every request times out.
"""

import threading
import time
from collections.abc import Callable, Sequence

import httpx

from tests.contract.helpers import describe

Send = Callable[[httpx.Client], httpx.Response]

RACE_SECONDS = 60.0


def race(client: httpx.Client, sends: Sequence[Send]) -> list[httpx.Response]:
    """Every `send` at once; their responses, in the order of `sends`.

    A request that failed (no answer, or an answer the contract forbids on any response,
    which the client's hook asserts) fails the batch with what went wrong.
    """
    barrier = threading.Barrier(len(sends), timeout=RACE_SECONDS)
    outcomes: list[httpx.Response | BaseException | None] = [None] * len(sends)

    def run(index: int, send: Send) -> None:
        try:
            barrier.wait()
            outcomes[index] = send(client)
        except BaseException as exc:  # reported by the calling thread
            barrier.abort()
            outcomes[index] = exc

    threads = [
        threading.Thread(target=run, args=(index, send), daemon=True)
        for index, send in enumerate(sends)
    ]
    deadline = time.monotonic() + RACE_SECONDS
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), (
        f"a batch of {len(sends)} requests did not finish within {RACE_SECONDS:.0f} s"
    )
    failures = [
        (index, outcome)
        for index, outcome in enumerate(outcomes)
        if not isinstance(outcome, httpx.Response)
    ]
    # A thread that failed breaks the barrier for the others: report the cause.
    failures.sort(key=lambda failure: isinstance(failure[1], threading.BrokenBarrierError))
    if failures:
        index, failure = failures[0]
        raise AssertionError(f"request {index} of the batch failed: {failure!r}") from (
            failure if isinstance(failure, BaseException) else None
        )
    return [outcome for outcome in outcomes if isinstance(outcome, httpx.Response)]


def statuses(responses: Sequence[httpx.Response]) -> list[int]:
    return [response.status_code for response in responses]


def assert_statuses(responses: Sequence[httpx.Response], allowed: set[int]) -> None:
    """Every answer is one the contract names for the state its request met."""
    unexpected = [response for response in responses if response.status_code not in allowed]
    assert not unexpected, (
        f"expected only {sorted(allowed)}, got {statuses(responses)}; first unexpected:\n"
        + describe(unexpected[0])
    )
