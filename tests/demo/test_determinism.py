"""The same seed gives the same shop, byte for byte; another seed another shop."""

from __future__ import annotations

import hashlib

from payback.demo import generate_shop, write_shop


def _digests(folder) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_tables_and_bytes(tmp_path):
    first, second = generate_shop(1500, seed=5), generate_shop(1500, seed=5)
    for name, table in first.tables.items():
        assert table.equals(second.tables[name]), name
    write_shop(first, tmp_path / "a")
    write_shop(second, tmp_path / "b")
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert len(a) >= 14
    assert a == b


def test_other_seed_other_shop():
    first, other = generate_shop(1500, seed=5), generate_shop(1500, seed=6)
    assert first.customers.num_rows == other.customers.num_rows == 1500
    for name in ("orders", "ad_stats", "leads", "order_items", "partner_claims"):
        assert not first.tables[name].equals(other.tables[name]), name


def test_fx_option_leaves_everything_else_unchanged():
    plain, fx = generate_shop(1500, seed=5), generate_shop(1500, seed=5, fx=("yandex", "EUR"))
    for name in ("orders", "order_items", "leads", "customers", "subscriptions"):
        assert plain.tables[name].equals(fx.tables[name]), name
    assert plain.fx_rates is None and fx.fx_rates is not None
