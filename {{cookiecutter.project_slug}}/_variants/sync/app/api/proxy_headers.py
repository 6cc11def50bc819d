"""X-Forwarded-For and X-Forwarded-Proto from trusted proxies only, as WSGI middleware.

The rules are those of uvicorn's ProxyHeadersMiddleware, which the FastAPI variant uses,
so that every framework counts and logs the same client behind the same proxy. Werkzeug's
ProxyFix trusts a number of hops, not addresses, so it cannot say which peer to believe.
"""

import ipaddress
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
FORWARDED_SCHEMES = frozenset({"http", "https"})


class TrustedProxies:
    """The FORWARDED_ALLOW_IPS setting: addresses and networks, or `*` for every peer."""

    def __init__(self, entries: Iterable[str]) -> None:
        listed = list(entries)
        self.trust_all = listed == ["*"]
        self._networks: list[IPNetwork] = (
            [] if self.trust_all else [ipaddress.ip_network(entry) for entry in listed]
        )

    def __contains__(self, host: str) -> bool:
        if self.trust_all:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self._networks)

    def client_from(self, forwarded_for: str) -> str:
        """The rightmost address not itself a trusted proxy: each proxy appends the peer it
        saw, so everything left of that could have been written by the client. When every
        address is trusted, the leftmost."""
        hosts = [_host_of(entry.strip()) for entry in forwarded_for.split(",")]
        if not self.trust_all:
            for host in reversed(hosts):
                if host not in self:
                    return host
        return hosts[0]


def _host_of(entry: str) -> str:
    """The address of an entry that may carry a port: `1.2.3.4:5678` or `[::1]:5678`.
    Anything else malformed stays whole, so it can match no trusted address."""
    if entry.startswith("["):
        host, bracket, rest = entry[1:].partition("]")
        return host if bracket and (not rest or rest.startswith(":")) else entry
    host, colon, port = entry.partition(":")
    return host if colon and port.isdigit() else entry


class ProxyHeadersMiddleware:
    """From a trusted peer, REMOTE_ADDR becomes the client the proxies forwarded for and
    wsgi.url_scheme the scheme it spoke to them; from any other peer both headers are
    ignored."""

    def __init__(self, app: WSGIApplication, trusted: Iterable[str]) -> None:
        self.app = app
        self.trusted = TrustedProxies(trusted)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REMOTE_ADDR", "") in self.trusted:
            scheme = environ.get("HTTP_X_FORWARDED_PROTO", "").strip()
            if scheme in FORWARDED_SCHEMES:
                environ["wsgi.url_scheme"] = scheme
            forwarded_for = environ.get("HTTP_X_FORWARDED_FOR")
            if forwarded_for is not None:
                client = self.trusted.client_from(forwarded_for)
                if client:
                    environ["REMOTE_ADDR"] = client
        return self.app(environ, start_response)
