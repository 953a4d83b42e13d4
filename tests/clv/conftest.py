"""Fixtures of the CLV tests: real purchases as the store's orders."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest


@pytest.fixture(scope="session")
def cdnow_sample(public_data) -> pd.DataFrame:
    """The CDNOW 1/10 sample's 6,919 records as shipped (``customer`` is the sample id),
    ``date`` parsed."""
    raw = pd.read_csv(
        public_data / "cdnow" / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer", "date", "cds", "dollars"],
    )
    raw["date"] = pd.to_datetime(raw.date.astype(str), format="%Y%m%d")
    return raw


@pytest.fixture(scope="session")
def cdnow_weeks(cdnow_sample, tmp_path_factory) -> dict:
    """``holdout_comparison``'s arguments for the CDNOW sample as a CSV transaction file,
    in weeks, split after week 39."""
    path = tmp_path_factory.mktemp("cdnow") / "CDNOW_sample.csv"
    cdnow_sample.to_csv(path, index=False, date_format="%Y-%m-%d")
    split = {"calibration_end": "1997-09-30", "as_of": "1998-06-30"}
    columns = "customer_id=customer,time=date,revenue=dollars"
    return dict(transactions=path, mapping=columns, date_format="%Y-%m-%d", unit="W", **split)


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


@pytest.fixture(scope="session")
def uci(public_data) -> pd.DataFrame:
    """The daily summary of the whole UCI Online Retail file's confirmed orders (4,339
    customers; tests/data/online_retail/README.md)."""
    return pd.read_csv(
        public_data / "online_retail" / "online_retail_customer_summary.csv.gz",
        dtype={"customer_id": str},
    )


def _orders_from_summary(summary: pd.DataFrame, end: dt.date) -> pd.DataFrame:
    """Daily orders with exactly this daily summary: the first purchase T days before
    ``end``, the last one recency days after it, the others on the days right after the
    first (x <= recency at a daily grain, so the days are distinct)."""
    rows = []
    for c in summary.itertuples():
        first = end - dt.timedelta(days=int(c.T))
        days = [first]
        if c.frequency > 0:
            days += [first + dt.timedelta(days=k) for k in range(1, int(c.frequency))]
            days.append(first + dt.timedelta(days=int(c.recency)))
        value = 1.0 if pd.isna(c.monetary_value) else float(c.monetary_value)
        rows += [(c.customer_id, day, value) for day in days]
    frame = pd.DataFrame(rows, columns=["customer_id", "time", "revenue"])
    frame["time"] = pd.to_datetime(frame.time)
    return frame.assign(
        order_id=[f"o{i}" for i in range(len(frame))], status="confirmed", currency="GBP"
    )


@pytest.fixture(scope="session")
def uci_db(uci, tmp_path_factory) -> str:
    """A store whose orders have exactly the ``uci`` summary (daily orders to 2011-12-09)."""
    from payback.clv import customer_summary
    from payback.store import open_store

    path = tmp_path_factory.mktemp("uci") / "uci.duckdb"
    orders = _orders_from_summary(uci, dt.date(2011, 12, 9))
    with open_store(path) as store:
        store.write({"orders": pa.Table.from_pandas(orders, preserve_index=False)})
        again = store.execute(customer_summary(store).order_by("customer_id"))
    # the store's summary is the file's
    assert again.frequency.tolist() == uci.frequency.tolist()
    assert again["T"].tolist() == uci["T"].tolist()
    assert again.recency.tolist() == uci.recency.tolist()
    return str(path)
