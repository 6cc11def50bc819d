"""A trivial HTTP server that answers every request with the same few bytes, to show how
many requests per second the load generator can drive on this machine.

Run as `python -m bench.static_responder PORT`.
"""

import asyncio
import sys

RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n"
    b'{"status":"ok"}'
)


class Responder(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.pending = b""

    def data_received(self, data: bytes) -> None:
        # wrk sends bodiless GETs: one response per blank line that ends a request's headers.
        self.pending += data
        requests = self.pending.count(b"\r\n\r\n")
        if requests:
            self.pending = self.pending[self.pending.rfind(b"\r\n\r\n") + 4 :]
            self.transport.write(RESPONSE * requests)  # type: ignore[attr-defined]


async def serve(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(Responder, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
