"""The benchmark reads wrk's report as wrk prints it, slow runs included."""

from bench.load import parse_wrk

# wrk pads a latency in seconds with a space at the end of its line.
SLOW_RUN = """\
Running 5s test @ http://127.0.0.1:52921/api/v1/users/2
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    68.34ms  196.74ms   1.53s    95.47%
    Req/Sec     1.18k   342.26     1.60k    80.00%
  Latency Distribution
     50%   24.31ms
     75%   43.14ms
     90%   69.67ms
     99%    1.24s\x20
  5868 requests in 5.00s, 3.99MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:   1172.86
Transfer/sec:    815.82KB
"""


def test_a_latency_in_seconds_is_read_in_milliseconds() -> None:
    measured = parse_wrk(SLOW_RUN)

    assert measured.requests_per_second == 1172.86
    assert measured.p50_ms == 24.31
    assert measured.p99_ms == 1240.0


def test_socket_errors_and_failed_responses_count_as_errors() -> None:
    assert parse_wrk(SLOW_RUN).errors == 3 + 2 + 4
