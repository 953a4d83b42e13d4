"""Fixtures of the CLV tests: real purchases as the store's orders."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def cdnow_orders(public_data) -> pd.DataFrame:
    """The CDNOW 1/10 sample's purchases and CDNOW master customer 10244's (one repeat
    purchase for $0.00), as confirmed USD orders (customer id = the master id)."""
    sample = pd.read_csv(
        public_data / "cdnow" / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["customer_id", "sample_id", "date", "cds", "dollars"],
        dtype={"customer_id": str, "date": str},
    )
    master = pd.read_csv(
        public_data / "cdnow" / "CDNOW_master_customer_10244.txt",
        sep=r"\s+",
        dtype={"customer_id": str, "date": str},
    ).rename(columns={"dollar_value": "dollars"})
    rows = pd.concat([sample[["customer_id", "date", "dollars"]], master], ignore_index=True)
    return pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(len(rows))],
            "customer_id": rows.customer_id,
            "time": pd.to_datetime(rows.date, format="%Y%m%d"),
            "revenue": rows.dollars.astype(float),
            "status": "confirmed",
            "currency": "USD",
        }
    )
