"""Bid changes as the files the ad platforms' bulk tools take, and current bids read back.

Only the rows that change (``raise``, ``lower``, ``pause``) of the file's platform are
written; a hold changes nothing and is left out (the dry-run table shows every row).

- ``google-editor``: Google Ads Editor CSV (UTF-8, comma): ``Campaign, Ad group, Keyword,
  Criterion Type, Max CPC, Status``; headers in English, a blank cell means "no change",
  so a paused keyword has ``Status`` ``Paused`` and no ``Max CPC``, a new bid no status.
  ``Criterion Type`` is ``Exact``, ``Phrase`` or ``Broad`` from the imported match type
  (blank when unknown).
- ``microsoft-bulk``: Microsoft Advertising bulk file, Format Version 6.0: the Keyword
  record's 21 columns (``Type, Status, Id, Parent Id, Campaign, Ad Group, Client Id,
  Modified Time, Keyword, Match Type, Bid, Param1, Param2, Param3, Name, Final Url,
  Mobile Final Url, Tracking Template, Final Url Suffix, Custom Parameter, Bid Strategy
  Type``), the ``Format Version`` row with ``6.0`` under ``Name``, then one ``Keyword``
  row per change (``Status`` ``Active`` or ``Paused``; ``Id`` and ``Parent Id`` when a
  bids file gave them, else the campaign and ad group names identify the keyword).
- ``yandex-commander``: Yandex Direct Commander text file (UTF-8, tab-separated, Russian
  titles, any order): ``Название кампании, ID группы, Название группы, ID фразы,
  Фраза (с минус-словами), Ставка``. Commander's file has no pause column: a paused
  keyword is left out of it and listed in the dry-run table.

:func:`read_bids` reads each layout back (and payback's own CSV with ``new_bid`` or
``bid``): the current bids and ids of :func:`payback.bids.recommend`'s ``bids=``.

Examples
--------
>>> import io, pandas as pd
>>> rows = pd.DataFrame({"platform": ["microsoft"], "campaign": ["Brand"],
...     "ad_group": ["Brand"], "keyword": ["payback tea"], "match_type": ["Exact"],
...     "keyword_id": ["123"], "ad_group_id": ["45"], "new_bid": [0.42], "action": ["raise"]})
>>> out = io.StringIO(); write_upload(rows, "microsoft-bulk", stream=out)
1
>>> print(out.getvalue().splitlines()[2])
Keyword,Active,123,45,Brand,Brand,,,payback tea,Exact,0.42,,,,,,,,,,
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from payback.errors import InputError

__all__ = ["LAYOUTS", "UPLOAD_FORMATS", "read_bids", "write_upload"]

UPLOAD_FORMATS = ("google-editor", "microsoft-bulk", "yandex-commander")
#: upload format -> the platform whose rows it holds
PLATFORM = {"google-editor": "google", "microsoft-bulk": "microsoft", "yandex-commander": "yandex"}

MICROSOFT_COLUMNS = (
    "Type", "Status", "Id", "Parent Id", "Campaign", "Ad Group", "Client Id", "Modified Time",
    "Keyword", "Match Type", "Bid", "Param1", "Param2", "Param3", "Name", "Final Url",
    "Mobile Final Url", "Tracking Template", "Final Url Suffix", "Custom Parameter",
    "Bid Strategy Type",
)  # fmt: skip
GOOGLE_COLUMNS = ("Campaign", "Ad group", "Keyword", "Criterion Type", "Max CPC", "Status")
YANDEX_COLUMNS = (
    "Название кампании", "ID группы", "Название группы", "ID фразы",
    "Фраза (с минус-словами)", "Ставка",
)  # fmt: skip
#: each layout's header, in the order written
LAYOUTS = {
    "google-editor": GOOGLE_COLUMNS,
    "microsoft-bulk": MICROSOFT_COLUMNS,
    "yandex-commander": YANDEX_COLUMNS,
}
_CHANGES = ("raise", "lower", "pause")


def _match(value: Any) -> str:
    """``Exact``, ``Phrase`` or ``Broad`` from a platform's match type text; '' unknown."""
    text = "" if value is None or pd.isna(value) else str(value).lower()
    for word in ("exact", "phrase", "broad"):
        if word in text:
            return word.capitalize()
    return ""


def _text(value: Any) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _money(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):.2f}"


def write_upload(
    rows: Any, fmt: str, output: str | Path | None = None, *, stream: TextIO | None = None
) -> int:
    """Write the changed rows of ``fmt``'s platform as its upload file.

    Parameters
    ----------
    rows : Recommendations or pandas.DataFrame
        :func:`payback.bids.recommend`'s result (or its frame).
    fmt : {"google-editor", "microsoft-bulk", "yandex-commander"}
    output : path, optional
        The file; ``stream`` (default standard output) when None.

    Returns
    -------
    int
        The keyword rows written.

    Raises
    ------
    InputError
        For an unknown format.
    """
    import sys

    if fmt not in LAYOUTS:
        raise InputError(f"unknown upload format {fmt!r}: expected one of {', '.join(LAYOUTS)}")
    frame = rows if isinstance(rows, pd.DataFrame) else rows.frame
    platform = frame["platform"].astype(str).str.lower()
    mine = frame[(platform == PLATFORM[fmt]) & frame["action"].isin(_CHANGES)]
    if fmt == "yandex-commander":
        mine = mine[mine["action"] != "pause"]
    buffer = io.StringIO()
    if fmt == "yandex-commander":
        writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    else:
        writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(LAYOUTS[fmt])
    if fmt == "microsoft-bulk":
        writer.writerow(["Format Version", *[""] * 13, "6.0", *[""] * 6])
    for r in mine.to_dict("records"):
        pause = r["action"] == "pause"
        if fmt == "google-editor":
            writer.writerow([
                r["campaign"], r["ad_group"], r["keyword"], _match(r.get("match_type")),
                "" if pause else _money(r["new_bid"]), "Paused" if pause else "",
            ])  # fmt: skip
        elif fmt == "microsoft-bulk":
            writer.writerow([
                "Keyword", "Paused" if pause else "Active", _text(r.get("keyword_id")),
                _text(r.get("ad_group_id")), r["campaign"], r["ad_group"], "", "",
                r["keyword"], _match(r.get("match_type")),
                "" if pause else _money(r["new_bid"]), *[""] * 10,
            ])  # fmt: skip
        else:
            writer.writerow([
                r["campaign"], _text(r.get("ad_group_id")), r["ad_group"],
                _text(r.get("keyword_id")), r["keyword"], _money(r["new_bid"]),
            ])  # fmt: skip
    text = buffer.getvalue()
    if output is None:
        (stream or sys.stdout).write(text)
    else:
        Path(output).write_text(text, encoding="utf-8", newline="")
    return len(mine)


def _norm(name: str) -> str:
    return "".join(str(name).split()).lower()


def read_bids(path: str | Path) -> pd.DataFrame:
    """Current bids from an upload layout (or payback's own CSV).

    Returns
    -------
    pandas.DataFrame
        ``platform`` (None for payback's CSV without it), ``campaign, ad_group, keyword,
        match_type, bid`` and the ids the file has (``keyword_id``, ``ad_group_id``).

    Raises
    ------
    InputError
        A file of none of the layouts (the message names the headers expected), a bid
        that is not a number (row and value).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read bids file {path}: {exc}") from None
    first = text.splitlines()[0] if text else ""
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False)
    cols = {_norm(c): c for c in frame.columns}
    if "type" in cols and (frame[cols["type"]] == "Format Version").any():
        frame = frame[frame[cols["type"]] == "Keyword"]
        out = _take(frame, cols, "microsoft", {
            "campaign": "campaign", "ad_group": "adgroup", "keyword": "keyword",
            "match_type": "matchtype", "bid": "bid", "keyword_id": "id",
            "ad_group_id": "parentid"})  # fmt: skip
    elif "idфразы" in cols or "ставка" in cols:
        out = _take(frame, cols, "yandex", {
            "campaign": "названиекампании", "ad_group": "названиегруппы",
            "keyword": "фраза(сминус-словами)", "bid": "ставка", "keyword_id": "idфразы",
            "ad_group_id": "idгруппы"})  # fmt: skip
    elif "criteriontype" in cols or "maxcpc" in cols:
        out = _take(frame, cols, "google", {
            "campaign": "campaign", "ad_group": "adgroup", "keyword": "keyword",
            "match_type": "criteriontype", "bid": "maxcpc", "keyword_id": "keywordid",
            "ad_group_id": "adgroupid"})  # fmt: skip
    elif {"campaign", "ad_group", "keyword"} <= cols.keys() and (
        "new_bid" in cols or "bid" in cols
    ):
        out = _take(frame, cols, None, {
            "platform": "platform", "campaign": "campaign", "ad_group": "ad_group",
            "keyword": "keyword", "match_type": "match_type",
            "bid": "new_bid" if "new_bid" in cols else "bid", "keyword_id": "keyword_id",
            "ad_group_id": "ad_group_id"})  # fmt: skip
    else:
        raise InputError(
            f"{path}: not a bids file: expected the header of a Google Ads Editor CSV "
            f"(Campaign, Ad group, Keyword, Criterion Type, Max CPC), a Microsoft "
            f"Advertising bulk file (Type, ..., Bid with a Format Version row), a Yandex "
            f"Direct Commander file (ID фразы, Ставка) or payback's CSV (campaign, "
            f"ad_group, keyword, bid); got {', '.join(frame.columns[:8])}"
        )
    bids = pd.to_numeric(out["bid"].str.replace(",", ".").replace("", None), errors="coerce")
    bad = out["bid"].ne("") & bids.isna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(
            f"{path}, row {row + 2}, column bid: {out['bid'].iloc[row]!r} is not a number; "
            f"fix: write the bid as 0.45"
        )
    out["bid"] = bids.astype(float)
    return out.reset_index(drop=True)


def _take(
    frame: pd.DataFrame, cols: dict[str, str], platform: str | None, names: dict[str, str]
) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    out["platform"] = platform
    for name, key in names.items():
        if key in cols:
            values = frame[cols[key]].astype(str)
            out[name] = values.where(values != "", None) if name != "bid" else values
    if "bid" not in out:
        out["bid"] = ""
    if "match_type" not in out:
        out["match_type"] = None
    return out
