"""Commands run in one process, as a notebook or a job runs them, and the answers they give
(tests/spark/test_engines.py): the CLI's CSV, the report's figures, every API endpoint of
``payback serve``. Run as a script it is the Spark Connect child of those tests::

    python connect_jobs.py JOBS_JSON FOLDER

Each job (name -> arguments) writes its answer to ``FOLDER/<name>.out``, its exit code and
errors to ``<name>.err``, its time to ``seconds.txt`` and the Spark application serving it
to ``apps.txt``. The first job starts the local Connect server (``--spark-remote local``);
after every second job the child stops its Connect session, as a caller may
(``spark.stop()``): payback must neither end the server with a session nor start a second
one (a second start in one process needs the port again, and failed in CI).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any


def report_numbers(page: str) -> list[float]:
    """The report's figures (its embedded data), without the generation time.

    >>> report_numbers("<td>12,345.67 USD</td> [43,154.614285714284] [1,2,3]")
    [12345.67, 43.0, 154.614285714284, 1.0, 2.0, 3.0]
    """
    page = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "", page)
    page = re.sub(r"base64,[A-Za-z0-9+/=]+", "", page)  # the downloads: CSV of the same
    # thousands separators of numbers written for people ("12,345.67", at most two
    # decimals); never in a JSON array ("[43,154.61]": after "[" or ","), whose numbers
    # one engine may write 43 and the other 42.99999999999815
    page = re.sub(
        r"(?<![\d.,\[])\d{1,3}(?:,\d{3})+(?=(?:\.\d{1,2})?(?![\d,]))",
        lambda m: m.group(0).replace(",", ""),
        page,
    )
    return [float(n) for n in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", page)]


def serve_answers(app) -> dict[str, Any]:
    """Every GET endpoint of the API (``/api/...``, no path parameter) with its default
    parameters, and ``/api/metrics`` by platform: JSON parsed, CSV as text, Parquet as
    rows. ``/api/report`` (the report page, built by the same code as ``payback report``)
    is left to the report job and test, which compare its every figure: asking it here
    doubled the serve job's time on Spark Connect."""
    import pyarrow.parquet as pq
    from fastapi.testclient import TestClient

    paths = sorted(
        route.path
        for route in app.routes
        if route.path.startswith("/api/") and "{" not in route.path
        and "GET" in getattr(route, "methods", ()) and route.path != "/api/report"
    )  # fmt: skip
    answers: dict[str, Any] = {}
    with TestClient(app, base_url="http://127.0.0.1") as client:
        queries = [(p, {}) for p in paths]
        queries.append(("/api/metrics", {"by": "platform", "metrics": "cost,cpo,drr"}))
        for path, params in queries:
            r = client.get(path, params=params)
            assert r.status_code == 200, f"{path}: {r.status_code} {r.text[:500]}"
            kind = r.headers["content-type"]
            if "json" in kind:
                body: Any = r.json()
            elif "html" in kind:
                body = report_numbers(r.text)
            elif "parquet" in kind or "octet" in kind:
                body = pq.read_table(io.BytesIO(r.content)).to_pylist()
            else:
                body = r.text
            answers[f"{path}?{json.dumps(params, sort_keys=True)}"] = body
    return answers


def run_job(args: list[str]) -> str:
    """Run one job in this process: its answer as text (raises on a non-zero exit).

    ``serve ...``: the app is built, not started, and every endpoint asked
    (:func:`serve_answers`, as JSON); ``report ...``: the page (written to a temporary
    folder) as its figures (JSON); any other command: what it prints (empty here).
    """
    from payback.cli import main

    if args[0] == "serve":
        from payback.cli import server

        started: dict[str, Any] = {}
        before = server.run_server
        server.run_server = lambda app, sockets: started.update(app=app)
        try:
            _check(main(args))
        finally:
            server.run_server = before
        return json.dumps(serve_answers(started["app"]), sort_keys=True, default=str)
    if args[0] == "report":
        with tempfile.TemporaryDirectory() as folder:
            page = Path(folder, "report.html")
            _check(main([*args, "-o", str(page)]))
            return json.dumps(report_numbers(page.read_text()))
    _check(main(args))
    return ""


def _check(code: int) -> None:
    if code != 0:
        raise RuntimeError(f"exit {code}")


def run_jobs(jobs: dict[str, list[str]], folder: Path) -> None:
    """The child: every job in this process, on one Spark Connect server."""
    from payback.spark import spark_session

    for i, (name, args) in enumerate(jobs.items()):
        out, err, start = io.StringIO(), io.StringIO(), time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                answer, code = run_job(args), 0
            except Exception:
                answer, code = "", 1
                traceback.print_exc(file=err)
        (folder / f"{name}.out").write_text(answer or out.getvalue())
        (folder / f"{name}.err").write_text(f"exit {code}\n{err.getvalue()}")
        with open(folder / "seconds.txt", "a") as times:
            print(f"{name}: {time.perf_counter() - start:.1f} s", file=times)
        if code == 0:
            session = spark_session(remote="local")
            with open(folder / "apps.txt", "a") as apps:
                print(session.conf.get("spark.app.id"), file=apps)
            if i % 2:
                session.stop()


if __name__ == "__main__":
    run_jobs(json.loads(sys.argv[1]), Path(sys.argv[2]))
