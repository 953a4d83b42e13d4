"""payback.server.network: the rules of ``payback serve`` as Python functions, whose errors
name their arguments (the command shows them as flags: tests/server/test_cli.py)."""

from __future__ import annotations

import socket

import pytest

from payback.errors import InputError, to_flag
from payback.server import allowed_hosts, check_bind, listen, url_of


def test_a_public_address_without_a_token_names_the_arguments():
    with pytest.raises(InputError) as caught:
        check_bind("0.0.0.0", None)
    assert caught.value.arguments == ("token", "host")
    assert "Give a token T" in str(caught.value)
    assert "Give a --token T" in caught.value.render(to_flag)


def test_a_busy_port_names_the_argument_port():
    with socket.socket() as other:  # someone else's server
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(InputError) as caught:
            listen("127.0.0.1", port)
    assert str(caught.value) == f"port {port} on 127.0.0.1 is in use: choose another with port"
    assert caught.value.render(to_flag).endswith("choose another with --port")


def test_the_listening_helpers_are_the_package_api():
    sockets = listen("127.0.0.1", 0)
    try:
        port = sockets[0].getsockname()[1]
        assert url_of("127.0.0.1", port) == f"http://127.0.0.1:{port}/"
    finally:
        for s in sockets:
            s.close()
    assert allowed_hosts("0.0.0.0") == ["*"]
