"""Speed of ``payback import sessions`` on a synthetic GA4 events export and a Metrica
visits file, and of the visit metrics by campaign, on this machine.

    python benchmarks/sessions.py [--sessions 200000]

Writes the files into a temporary folder (GA4: about 5 events per session), imports each
into its own store and prints wall and CPU time (this process and DuckDB's threads) with
the 1-minute load average. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from payback.ingest import import_file
from payback.metrics import compute_metrics
from payback.store import open_store

CAMPAIGNS = np.array(["tea_search", "brand", "spring_sale", "tea_ru", None], dtype=object)
SOURCES = np.array(["google", "google", "facebook", "yandex", None], dtype=object)


def ga4_events(n: int, path: Path, rng: np.random.Generator) -> int:
    users = rng.integers(0, n // 2, n)
    start = 1_709_251_200_000_000 + rng.integers(0, 30 * 86_400, n) * 1_000_000
    source = rng.integers(0, len(SOURCES), n)
    per = 3 + rng.poisson(2.0, n)
    s = np.repeat(np.arange(n), per)
    step = np.arange(len(s)) - np.repeat(np.cumsum(per) - per, per)
    names = np.where(step == 0, "session_start", "page_view").astype(object)
    last = np.cumsum(per) - 1
    names[last] = rng.choice(["add_to_cart", "purchase", "page_view", "sign_up"], n)
    frame = pd.DataFrame({
        "event_date": "20240301",
        "event_timestamp": start[s] + step * 3_000_000,
        "event_name": names,
        "user_pseudo_id": users[s].astype(str),
        "ga_session_id": (start[s] // 1_000_000).astype(str),
        "ga_session_number": 1 + (users[s] % 3),
        "engagement_time_msec": 1500,
        "session_engaged": np.where(per[s] > 3, "1", "0"),
        "collected_traffic_source.manual_source": np.where(step == 0, SOURCES[source[s]], None),
        "collected_traffic_source.manual_medium": np.where(
            (step == 0) & (SOURCES[source[s]] != None), "cpc", None),  # noqa: E711
        "collected_traffic_source.manual_campaign_name": np.where(
            step == 0, CAMPAIGNS[source[s]], None),
    })  # fmt: skip
    frame.to_csv(path, index=False)
    return len(frame)


def metrica_visits(n: int, path: Path, rng: np.random.Generator) -> None:
    source = rng.integers(0, len(SOURCES), n)
    when = pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 30 * 86_400, n), "s")
    pd.DataFrame({
        "ym:s:visitID": np.arange(n) + 10**15,
        "ym:s:dateTime": when.strftime("%Y-%m-%d %H:%M:%S"),
        "ym:s:clientID": rng.integers(0, n // 2, n),
        "ym:s:isNewUser": rng.integers(0, 2, n),
        "ym:s:pageViews": 1 + rng.poisson(2.0, n),
        "ym:s:visitDuration": rng.integers(0, 600, n),
        "ym:s:bounce": rng.integers(0, 2, n),
        "ym:s:lastUTMSource": SOURCES[source],
        "ym:s:lastUTMCampaign": CAMPAIGNS[source],
        "ym:s:goalsID": np.where(rng.random(n) < 0.1, "[3001,3003]", "[]"),
    }).to_csv(path, sep="\t", index=False)  # fmt: skip


def timed(label: str, func):
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    print(f"{label:<44} wall {time.perf_counter() - wall:7.2f} s   "
          f"cpu {time.process_time() - cpu:7.2f} s   load {os.getloadavg()[0]:.2f}")  # fmt: skip
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=200_000)
    n = parser.parse_args().sessions
    rng = np.random.default_rng(14)
    folder = Path(tempfile.mkdtemp())
    events = ga4_events(n, folder / "events.csv", rng)
    metrica_visits(n, folder / "visits.tsv", rng)
    goals = folder / "goals.toml"
    goals.write_text('[purchase]\nkind = "macro"\nmetrica = [3001]\n'
                     '[add_to_cart]\nmetrica = [3003]\n')  # fmt: skip
    for name, label in (("events.csv", f"GA4 events ({events:,} events, {n:,} sessions)"),
                        ("visits.tsv", f"Metrica visits ({n:,})")):  # fmt: skip
        store = open_store(folder / f"{name}.duckdb")
        timed(
            f"import {label}",
            lambda s=store, f=folder / name: import_file(s, "sessions", f, goals=goals),
        )
        timed("  metrics by campaign (sessions, bounce, CR)", lambda s=store: compute_metrics(
            s, by="campaign", metrics="sessions,users,bounce_rate,cr_purchase"))  # fmt: skip
        store.close()


if __name__ == "__main__":
    main()
