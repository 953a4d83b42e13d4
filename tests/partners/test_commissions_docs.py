"""docs/partners-commissions.md: every console example runs on the demo shop the page
names (3,000 customers, seed 11) with the page's own rules file; the numbers the page
prints are the ones computed; the Python example runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.docs_console import console_commands, run_page_example

from payback.cli import main
from payback.demo import generate_shop
from payback.partners import (
    commission_summary,
    commissions,
    design_commissions,
    ledger,
    read_rules,
    read_statuses,
    statement,
)
from payback.store import open_store

DOC = Path(__file__).resolve().parents[2] / "docs" / "partners-commissions.md"
TEXT = DOC.read_text()
COMMANDS = console_commands(TEXT)
RULES = re.search(r"```toml\n(.*?)```", TEXT, re.S).group(1)
RETURNS = re.search(r"```csv\n(.*?)```", TEXT, re.S).group(1)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """The page's folder: shop.duckdb (the demo), rules.toml and returns.csv."""
    folder = tmp_path_factory.mktemp("docs")
    shop = generate_shop(3000, seed=11)
    with open_store(folder / "shop.duckdb") as store:
        store.write(shop.tables, meta={"base_currency": shop.currency})
    (folder / "rules.toml").write_text(RULES)
    (folder / "returns.csv").write_text(RETURNS)
    _write_paystub(folder)
    return folder


def _write_paystub(folder: Path) -> None:
    """paystub.csv: the network paid every April 2024 claim of tea_blog (P01) at the
    commission of the page's rules, the one the shop reversed too (the page's story)."""
    with open_store(folder / "shop.duckdb", read_only=True) as store:
        book = ledger(store, read_rules(folder / "rules.toml"))
    lines = book.lines.frame
    april = lines[(lines["partner_id"] == "P01") & (lines["month"] == "2024-04")]
    rows = [
        "Paystub Id,Action Id,Sale Amount,Payout,Action Date,Posting Date",
        *(
            f"PS-2024-04,{c},,{m:.2f},{t:%Y-%m-%d %H:%M:%S},{d}"
            for c, m, t, d in zip(
                april["claim_id"],
                april["commission"],
                april["time"],
                april["payout_date"],
                strict=True,
            )
        ),
    ]
    (folder / "paystub.csv").write_text("\n".join(rows) + "\n")


def test_the_paystub_numbers_on_the_page(workdir):
    from payback.partners import check_paystub, read_paystub

    with open_store(workdir / "shop.duckdb", read_only=True) as store:
        book = ledger(store, read_rules(workdir / "rules.toml"))
    result = check_paystub(read_paystub(workdir / "paystub.csv", partner="P01"), book)
    month = result.periods.frame.iloc[0]
    assert month[["network_paid", "ledger_owed", "difference"]].tolist() == [86.54, 83.35, 3.19]
    assert month[["matches", "not_owed"]].tolist() == [5, 1]
    assert "(`P01`) 86.54 for its 6 April claims" in " ".join(TEXT.split())


def test_the_page_has_examples():
    assert len(COMMANDS) >= 8


@pytest.mark.parametrize("command", COMMANDS, ids=str)
def test_console_example_runs(capsys, monkeypatch, workdir, command):
    monkeypatch.chdir(workdir)
    run_page_example(main, COMMANDS, command, capsys)


def test_the_numbers_on_the_page(workdir):
    rules = read_rules(workdir / "rules.toml")
    with open_store(workdir / "shop.duckdb", read_only=True) as store:
        summary = commission_summary(commissions(store, rules)).frame.set_index("partner_id")
        returns = read_statuses(workdir / "returns.csv")
        p01 = statement(ledger(store, rules, statuses=returns, as_of="2024-08-31"), "P01")
        design = design_commissions(store, rules, share=0.3).table.frame.set_index("partner_id")
    table = re.search(r"commissions by partner \(rules.toml\)\n(.*?)```", TEXT, re.S).group(1)
    printed = {line.split()[0]: line.split() for line in table.splitlines()[1:]}
    for partner, row in summary.iterrows():
        want = [row.claims, row.payable_claims, f"{row.revenue:,.2f}", f"{row.commission:,.2f}"]
        assert printed[partner][1:5] == [str(w) for w in want]
        assert printed[partner][-2:] == [f"{row.reversed:,.2f}", f"{row.held:,.2f}"]
    assert f"open balance: {p01.balance:,.2f}" in TEXT
    march = p01.periods.frame.set_index("month").loc["2024-03"]
    assert (march.commissions, march.clawbacks) == (101.61, 17.40)
    assert p01.payouts.frame.set_index("month").loc["2024-04", "clawback_deducted"] == 17.40
    p03 = design.loc["P03"]
    printed = dict(re.findall(r"^(P0\d): (.*)$", TEXT, re.M))
    assert printed == design.action.to_dict()
    p01 = design.loc["P01"]
    now = p01.first_commission + p01.repeat_per_first * p01.repeat_commission
    assert f"may cost {p01.max_commission:.2f} in\ncommissions, and costs {now:.2f} now" in TEXT
    assert f"{p01.repeat_per_first:.2f} repeat orders of {p01.repeat_commission:.2f}" in TEXT
    assert f"would have saved {p03.profit_effect:,.2f}" in TEXT
    assert f"worth {design.loc['P01', 'predicted_margin_clv']:.0f} of margin" in TEXT


def test_the_error_on_the_page(workdir, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("rules.toml").write_text(RULES.replace("rate = 0.12", "rate = 12"))
    code = main(["partners", "commissions", "--rules", "rules.toml",
                 "--db", str(workdir / "shop.duckdb")])  # fmt: skip
    err = " ".join(capsys.readouterr().err.split())
    shown = re.search(r"```text\n(error: .*?)```", TEXT, re.S).group(1)
    assert code == 2 and err == " ".join(shown.split())


def test_python_example_runs(monkeypatch, workdir, capsys):
    monkeypatch.chdir(workdir)
    block = re.search(r"```python\n(.*?)```", TEXT, re.S).group(1)
    exec(block, {})
    assert "'P01':" in capsys.readouterr().out
