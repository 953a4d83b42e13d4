"""Listening for the dashboard: which addresses are safe, binding the port, serving.

The rules ``payback serve`` follows, as functions a Python user can call too: a
non-loopback address needs a token (:func:`check_bind`), the ``Host`` names the server
accepts (:func:`allowed_hosts`), the port is held before any URL is printed
(:func:`listen`), the URL to open (:func:`url_of`) and uvicorn on those sockets
(:func:`run_server`). Errors name the arguments (``host``, ``port``, ``token``); the
command shows them as its flags.

>>> sockets = listen("127.0.0.1", 0)
>>> url_of("127.0.0.1", sockets[0].getsockname()[1]).startswith("http://127.0.0.1:")
True
>>> for s in sockets:
...     s.close()
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from typing import Any

from payback.errors import InputError

__all__ = [
    "LOOPBACK_HOSTS",
    "allowed_hosts",
    "check_bind",
    "is_loopback",
    "listen",
    "run_server",
    "url_of",
]

#: The names of this machine's loopback interface a browser may send as ``Host``.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def is_loopback(host: str) -> bool:
    """True for ``127.0.0.1``, ``::1``, ``localhost`` and the rest of 127.0.0.0/8.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to listen beyond this machine without a token.

    Raises
    ------
    payback.errors.InputError
        When ``host`` is not a loopback address and no token is set.

    >>> check_bind("127.0.0.1", None)
    >>> check_bind("0.0.0.0", None)
    Traceback (most recent call last):
    ...
    payback.errors.InputError: refusing to serve on 0.0.0.0 without a token: ...
    """
    if not is_loopback(host) and not token:
        raise InputError(
            f"refusing to serve on {host} without a token: anyone who can reach this machine "
            f"could read your numbers. Give a {{token}} T (`payback serve` also reads the "
            f"PAYBACK_TOKEN environment variable); clients then send 'Authorization: Bearer "
            f"T'. Or keep the {{host}} 127.0.0.1 (the default)."
        )


def allowed_hosts(host: str) -> list[str]:
    """The ``Host`` header names the server accepts when it listens on ``host``.

    The address itself (an IPv6 one in brackets, as browsers send it) and the loopback
    names; any name when listening on every interface (``0.0.0.0``, ``::``), whose
    clients may use any name of the machine (a token is required there). Other names
    are refused (400), which keeps DNS-rebinding pages from reading the server.

    >>> allowed_hosts("127.0.0.2")
    ['127.0.0.2', '127.0.0.1', 'localhost', '::1', '[::1]']
    >>> allowed_hosts("fe80::1")[0], allowed_hosts("0.0.0.0"), allowed_hosts("::")
    ('[fe80::1]', ['*'], ['*'])
    """
    name = host.strip().lower()
    try:
        ip = ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        ip = None
    if ip is not None and ip.is_unspecified:
        return ["*"]
    if ip is not None and ip.version == 6:
        name = f"[{ip.compressed}]"
    return list(dict.fromkeys([name, *LOOPBACK_HOSTS]))


def listen(host: str, port: int) -> list[socket.socket]:
    """Bind ``host:port`` and listen, before anything tells the user a URL.

    Every address ``host`` names gets a listening socket (``localhost`` may be both
    ``127.0.0.1`` and ``::1``; addresses this machine lacks are skipped while one
    binds); port 0 picks a free port, the same on each. An IPv6 socket serves IPv6
    only, as asyncio's own servers do.

    Returns
    -------
    list of socket.socket
        Listening sockets, handed to the server (which accepts on them).

    Raises
    ------
    payback.errors.InputError
        The port is in use (another server answers there), needs administrator rights,
        or ``host`` is not an address of this machine.

    >>> busy = listen("127.0.0.1", 0)
    >>> port = busy[0].getsockname()[1]
    >>> listen("127.0.0.1", port)
    Traceback (most recent call last):
    ...
    payback.errors.InputError: port ... on 127.0.0.1 is in use: choose another with port
    >>> for s in busy:
    ...     s.close()
    """
    name = host.strip("[]")
    try:
        found = socket.getaddrinfo(
            name, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as e:
        raise InputError(
            f"cannot listen on {host}: {e.strerror}: give as {{host}} an address of this "
            f"machine (default 127.0.0.1)"
        ) from None
    addresses = list(dict.fromkeys((f[0], f[4]) for f in found))
    sockets: list[socket.socket] = []
    unavailable: OSError | None = None
    try:
        for family, sockaddr in addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # not SO_REUSEPORT
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind((sockaddr[0], port, *sockaddr[2:]))
            except OSError as e:
                sock.close()
                if e.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT) and len(addresses) > 1:
                    unavailable = e  # e.g. ::1 on a machine without IPv6
                    continue
                raise
            sock.listen(2048)
            sockets.append(sock)
            port = sock.getsockname()[1]  # port 0: every address on the port picked first
        if not sockets and unavailable is not None:
            raise unavailable
    except OSError as e:
        for sock in sockets:
            sock.close()
        raise InputError(_bind_problem(e, host, port)) from None
    return sockets


def _bind_problem(e: OSError, host: str, port: int) -> str:
    if e.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is in use: choose another with {{port}}"
    if e.errno == errno.EACCES:
        return (
            f"port {port} on {host} needs administrator rights (ports below 1024): "
            f"choose another with {{port}}, e.g. 8000"
        )
    if e.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
        return (
            f"cannot listen on {host}: it is not an address of this machine; give as {{host}} "
            f"one of its addresses (default 127.0.0.1, or 0.0.0.0 for all, with a token)"
        )
    return f"cannot listen on {host} port {port}: {e.strerror or e}"


def url_of(host: str, port: int) -> str:
    """The address to open in a browser for a server listening on ``host:port``.

    >>> url_of("127.0.0.1", 8000), url_of("::1", 8050), url_of("0.0.0.0", 80)
    ('http://127.0.0.1:8000/', 'http://[::1]:8050/', 'http://127.0.0.1:80/')
    """
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    if host.strip("[]") in ("0.0.0.0", "::"):
        shown = "127.0.0.1"
    return f"http://{shown}:{port}/"


def run_server(app: Any, sockets: list[socket.socket]) -> None:
    """Serve ``app`` with uvicorn on sockets that already listen (see :func:`listen`)."""
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", server_header=False)
    try:
        uvicorn.Server(config).run(sockets=sockets)
    finally:
        for sock in sockets:
            sock.close()
