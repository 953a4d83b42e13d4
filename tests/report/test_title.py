"""`payback report --title` names the report (issue 8: the option had no effect)."""

from __future__ import annotations

import re

from payback.cli import main


def test_title_option_titles_the_page(tiny_db, tmp_path):
    out = tmp_path / "titled.html"
    assert main(["report", "--db", str(tiny_db), "-o", str(out), "--title", "Tea & Co, Q1"]) == 0
    html = out.read_text(encoding="utf-8")
    assert re.search(r"<title>Tea &amp; Co, Q1 · ", html)
    assert "<h1>Tea &amp; Co, Q1</h1>" in html
    assert "Marketing performance" not in html


def test_default_title(tiny_db, tmp_path):
    out = tmp_path / "default.html"
    assert main(["report", "--db", str(tiny_db), "-o", str(out)]) == 0
    assert "<h1>Marketing performance</h1>" in out.read_text(encoding="utf-8")
