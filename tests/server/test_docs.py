"""docs/dashboard.md: the ``payback serve`` lines start, every curl example answers what the
page shows (against a real server on a free port), and the Python examples run as written
(standard library only)."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
import shutil
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from payback.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "dashboard.md"
TEXT = DOC.read_text()
DOC_URL = "http://127.0.0.1:8000"


def _console_examples() -> list[tuple[str, list[str]]]:
    """(command, the output lines the page shows under it) of every ```console block."""
    found: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", TEXT, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append((line[2:], []))
            elif found:
                found[-1][1].append(line)
    return found


CONSOLE = _console_examples()
SERVE = [
    line
    for block in re.findall(r"```\n(.*?)```", TEXT, re.S)
    for line in block.splitlines()
    if "payback serve" in line
]


@pytest.fixture(scope="module")
def live(shop_db):
    """``payback serve`` of the hand-built shop on a free port, in a thread: its base URL."""
    import uvicorn

    from payback.server import create_app
    from payback.server.network import listen

    sockets = listen("127.0.0.1", 0)
    port = sockets[0].getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(shop_db), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": sockets}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        for s in sockets:
            s.close()


def _curl(argv: list[str], base: str, folder: Path) -> str:
    """What ``curl -s [-o FILE] URL`` prints (the body; nothing with -o), run with urllib."""
    assert argv[:2] == ["curl", "-s"], argv
    output = None
    if argv[2] == "-o":
        output, argv = argv[3], argv[:2] + argv[4:]
    (url,) = argv[2:]
    assert url.startswith(DOC_URL + "/api/")
    try:
        with urllib.request.urlopen(base + url[len(DOC_URL) :], timeout=60) as r:
            body = r.read()
    except urllib.error.HTTPError as e:
        body = e.read()
    if output is None:
        return body.decode()
    (folder / output).write_bytes(body)
    return ""


def test_the_page_has_examples():
    assert len(CONSOLE) >= 4 and len(SERVE) >= 3
    assert "import httpx" not in TEXT  # not installed by `pip install payback`


@pytest.mark.parametrize(("command", "shown"), CONSOLE, ids=[c for c, _ in CONSOLE])
def test_curl_example_answers_what_the_page_shows(live, tmp_path, command, shown):
    printed = _curl(shlex.split(command), live, tmp_path)
    if shown:
        assert printed.splitlines() == shown
    elif "-o" in command:
        saved = next(tmp_path.iterdir()).read_text()
        assert saved.startswith("platform,campaign,cost,cpo,")
    else:
        body = json.loads(printed)
        assert "detail" not in body and body["rows"]


def test_python_examples_run(live, shop):
    blocks = re.findall(r"```python\n(.*?)```", TEXT, re.S)
    code = "\n".join(blocks).replace(DOC_URL, live)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(DOC), "exec"), {})
    lines = out.getvalue().splitlines()
    platforms = sorted({row[1] for row in shop.ads})
    assert sorted(line.split()[0] for line in lines[:-1]) == platforms
    cost = {p: sum(r[6] for r in shop.ads if r[1] == p) for p in platforms}
    assert {line.split()[0]: float(line.split()[1]) for line in lines[:-1]} == cost
    assert lines[-1] == "400 unknown metric 'profit'"


@pytest.mark.parametrize("line", SERVE)
def test_serve_example_starts(shop_db, tmp_path, monkeypatch, capsys, line):
    from payback.cli import server as cli

    shutil.copy(shop_db, tmp_path / "demo.duckdb")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PAYBACK_TOKEN", raising=False)
    argv = shlex.split(line.split("#")[0])
    while "=" in argv[0]:  # VAR=value before the command
        name, _, value = argv.pop(0).partition("=")
        monkeypatch.setenv(name, value)
    asked = {}
    monkeypatch.setattr(cli, "listen", lambda host, port: asked.update(host=host, port=port) or [])
    monkeypatch.setattr(cli, "run_server", lambda app, sockets: None)
    assert argv[:2] == ["payback", "serve"]
    if "--db" not in argv:
        argv += ["--db", "demo.duckdb"]
    assert main(argv[1:]) == 0, capsys.readouterr().err
    shown = re.search(r"# (http://\S+)", line)
    if shown:
        assert capsys.readouterr().out.rstrip().endswith(f" at {shown.group(1)}")
