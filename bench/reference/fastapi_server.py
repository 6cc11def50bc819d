"""Serves fastapi_app as the generated service's `serve` does: on uvicorn, with a listening
socket per worker when there are several. That part is the generated project's own
(app.cli), installed in the environment the benchmark baked, so both sides run one server."""

import sys

import uvicorn
from app.cli import listen_per_worker
from app.core.serving import socket_per_worker
from uvicorn.supervisors import Multiprocess


def main(port: int, workers: int) -> None:
    config = uvicorn.Config(
        "fastapi_app:app",
        host="127.0.0.1",
        port=port,
        workers=workers,
        access_log=False,
        server_header=False,
        log_level="warning",
    )
    if socket_per_worker(workers):
        Multiprocess(config, sockets=listen_per_worker(config)).run()
    elif workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
