"""``payback serve``: loopback by default; any other address needs a token."""

from __future__ import annotations

import pytest

from payback.cli import main
from payback.errors import InputError
from payback.server.cli import check_bind, is_loopback


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
    import uvicorn

    monkeypatch.delenv("PAYBACK_TOKEN", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("must not start"))
    code = main(["serve", "--host", "0.0.0.0", "--db", str(shop_db)])
    assert code == 2
    err = capsys.readouterr().err
    assert "refusing to serve on 0.0.0.0 without a token" in err and "PAYBACK_TOKEN" in err


def test_cli_starts_with_a_token_from_the_environment(shop_db, monkeypatch, capsys):
    import uvicorn

    started = {}
    monkeypatch.setenv("PAYBACK_TOKEN", "from-env")
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.update(app=app, **kw))
    assert main(["serve", "--host", "0.0.0.0", "--port", "8123", "--db", str(shop_db)]) == 0
    assert started["host"] == "0.0.0.0" and started["port"] == 8123
    from fastapi.testclient import TestClient

    with TestClient(started["app"], base_url="http://192.0.2.7") as c:
        assert c.get("/api/catalogue").status_code == 401
        ok = c.get("/api/catalogue", headers={"Authorization": "Bearer from-env"})
        assert ok.status_code == 200
    assert "Authorization: Bearer" in capsys.readouterr().out


def test_cli_defaults_to_loopback(shop_db, monkeypatch):
    import uvicorn

    started = {}
    monkeypatch.delenv("PAYBACK_TOKEN", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.update(kw))
    assert main(["serve", "--db", str(shop_db)]) == 0
    assert (started["host"], started["port"]) == ("127.0.0.1", 8000)


def test_cli_names_a_missing_store(tmp_path, capsys):
    code = main(["serve", "--db", str(tmp_path / "nothing.duckdb")])
    assert code == 2
    assert "no payback store at" in capsys.readouterr().err


def _served_app(shop_db, monkeypatch, *args):
    """The app ``payback serve ARGS`` would run (uvicorn not started)."""
    import uvicorn

    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.update(app=app, **kw))
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
