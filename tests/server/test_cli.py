"""``payback serve``: loopback by default; any other address needs a token."""

from __future__ import annotations

import os

import pytest

from payback.cli import main
from payback.errors import InputError
from payback.server.network import check_bind, is_loopback


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_hosts_need_no_token(host):
    assert is_loopback(host)
    check_bind(host, None)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.5", "example.com"])
def test_other_hosts_need_a_token(host):
    assert not is_loopback(host)
    with pytest.raises(InputError, match="without a token"):
        check_bind(host, None)
    check_bind(host, "t0ken")


def test_cli_refuses_a_public_host_without_a_token(shop_db, monkeypatch, capsys):
    from payback.cli import server as cli

    monkeypatch.delenv("PAYBACK_TOKEN", raising=False)
    monkeypatch.setattr(cli, "run_server", lambda *a, **k: pytest.fail("must not start"))
    code = main(["serve", "--host", "0.0.0.0", "--db", str(shop_db)])
    assert code == 2
    err = capsys.readouterr().err
    assert "refusing to serve on 0.0.0.0 without a token" in err and "PAYBACK_TOKEN" in err


def _fake_run(started):
    """A stand-in for uvicorn: records the app and the sockets it would serve on."""

    def run(app, sockets):
        started.update(app=app, sockets=[s.getsockname()[:2] for s in sockets])
        for s in sockets:
            s.close()

    return run


def test_cli_starts_with_a_token_from_the_environment(shop_db, monkeypatch, capsys):
    from payback.cli import server as cli

    started = {}
    monkeypatch.setenv("PAYBACK_TOKEN", "from-env")
    monkeypatch.setattr(cli, "run_server", _fake_run(started))
    assert main(["serve", "--host", "0.0.0.0", "--port", "0", "--db", str(shop_db)]) == 0
    (address, port), *_ = started["sockets"]
    assert address == "0.0.0.0" and port > 0
    from fastapi.testclient import TestClient

    with TestClient(started["app"], base_url="http://192.0.2.7") as c:
        assert c.get("/api/catalogue").status_code == 401
        ok = c.get("/api/catalogue", headers={"Authorization": "Bearer from-env"})
        assert ok.status_code == 200
    assert "Authorization: Bearer" in capsys.readouterr().out


def test_cli_defaults_to_loopback_port_8000(shop_db, monkeypatch):
    from payback.cli import server as cli

    asked = {}
    monkeypatch.delenv("PAYBACK_TOKEN", raising=False)
    monkeypatch.setattr(cli, "listen", lambda host, port: asked.update(host=host, port=port) or [])
    monkeypatch.setattr(cli, "run_server", lambda app, sockets: None)
    assert main(["serve", "--db", str(shop_db)]) == 0
    assert (asked["host"], asked["port"]) == ("127.0.0.1", 8000)


def test_cli_on_a_busy_port_says_so_and_prints_no_url(shop_db, monkeypatch, capsys):
    import socket

    import uvicorn

    monkeypatch.delenv("PAYBACK_TOKEN", raising=False)
    monkeypatch.setattr(uvicorn.Server, "run", lambda *a, **k: pytest.fail("must not start"))
    with socket.socket() as other:  # someone else's server
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        code = main(["serve", "--port", str(port), "--db", str(shop_db)])
    out = capsys.readouterr()
    assert code == 2
    assert f"error: port {port} on 127.0.0.1 is in use: choose another with --port" in out.err
    assert "http://" not in out.out


def test_cli_prints_the_url_once_the_port_listens(shop_db, monkeypatch, capsys):
    import socket

    from payback.cli import server as cli

    seen = {}

    def run(app, sockets):
        seen["out"] = capsys.readouterr().out
        port = int(seen["out"].rsplit(":", 1)[1].strip(" /\n"))
        with socket.create_connection(("127.0.0.1", port), timeout=5):  # accepted by the backlog
            seen["port"] = port
        for s in sockets:
            s.close()

    monkeypatch.delenv("PAYBACK_TOKEN", raising=False)
    monkeypatch.setattr(cli, "run_server", run)
    assert main(["serve", "--port", "0", "--db", str(shop_db)]) == 0
    assert seen["port"] > 0
    assert seen["out"].endswith(f" at http://127.0.0.1:{seen['port']}/\n")


def test_serve_answers_on_the_printed_url(shop_db, tmp_path):
    """The real thing: ``payback serve --port 0`` in a process, asked over HTTP."""
    import json
    import signal
    import subprocess
    import sys
    import urllib.request

    env = {k: v for k, v in os.environ.items() if k != "PAYBACK_TOKEN"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "payback.cli", "serve", "--port", "0", "--db", str(shop_db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()
        assert " at http://127.0.0.1:" in line, (line, proc.stderr.read() if proc.poll() else "")
        url = line.rsplit(" at ", 1)[1].strip()
        with urllib.request.urlopen(url + "api/filters", timeout=30) as r:
            assert r.status == 200
            assert json.load(r)["period"] == {"start": "2024-01-10", "end": "2024-02-22"}
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_listen_refuses_an_address_of_another_machine():
    from payback.server.network import listen

    with pytest.raises(InputError, match="not an address of this machine"):
        listen("192.0.2.7", 0)


def test_cli_names_a_missing_store(tmp_path, capsys):
    code = main(["serve", "--db", str(tmp_path / "nothing.duckdb")])
    assert code == 2
    assert "no payback store at" in capsys.readouterr().err


def _served_app(shop_db, monkeypatch, *args):
    """The app ``payback serve ARGS`` would run (no port bound, uvicorn not started)."""
    from payback.cli import server as cli

    started = {}
    monkeypatch.setattr(cli, "listen", lambda host, port: [])
    monkeypatch.setattr(cli, "run_server", lambda app, sockets: started.update(app=app))
    assert main(["serve", *args, "--db", str(shop_db)]) == 0
    return started["app"]


@pytest.mark.parametrize("host", ["127.0.0.2", "127.1.2.3", "localhost", "::1"])
def test_cli_answers_on_any_loopback_address_it_listens_on(shop_db, monkeypatch, host):
    from fastapi.testclient import TestClient

    monkeypatch.delenv("PAYBACK_TOKEN", raising=False)
    app = _served_app(shop_db, monkeypatch, "--host", host)
    shown = f"[{host}]" if ":" in host else host
    with TestClient(app, base_url=f"http://{shown}:8000") as c:
        assert c.get("/api/catalogue").status_code == 200
        # the other loopback names still work; a foreign name (DNS rebinding) does not
        assert c.get("/api/catalogue", headers={"host": "127.0.0.1:8000"}).status_code == 200
        assert c.get("/api/catalogue", headers={"host": "evil.example"}).status_code == 400


def test_cli_on_one_public_address_accepts_that_host_only(shop_db, monkeypatch):
    from fastapi.testclient import TestClient

    monkeypatch.setenv("PAYBACK_TOKEN", "t0ken")
    app = _served_app(shop_db, monkeypatch, "--host", "192.0.2.7")
    auth = {"Authorization": "Bearer t0ken"}
    with TestClient(app, base_url="http://192.0.2.7:8000") as c:
        assert c.get("/api/catalogue", headers=auth).status_code == 200
        assert c.get("/api/catalogue").status_code == 401
        foreign = {**auth, "host": "evil.example"}
        assert c.get("/api/catalogue", headers=foreign).status_code == 400
