# ruff: noqa: E501  (the XML templates below are the package parts as written, one per line)
"""Write the .xlsx fixtures of this folder from the CSV fixtures of ../ingest (stdlib only).

Run from the repository root:  python tests/data/xlsx/make_workbooks.py

``shop.xlsx`` holds three sheets, the way a spreadsheet program saves them: numbers as
numbers ("1,200" -> 1200, "4.42%" -> 0.0442), days and times as Excel serial numbers
with a date format, text as text, "--" and blank cells kept:

1. ``Keyword report``: tests/data/ingest/google_ads_keywords.csv (title rows, header,
   rows, "Total:" rows), the first sheet;
2. ``Orders``: tests/data/ingest/orders_utm.csv;
3. ``Bad ads``: a generic ads sheet with a text cost in row 3 and a negative cost in
   row 4, for the error messages.

The workbook is a minimal Office Open XML package (inline strings, one style for dates
and one for date-times), written byte for byte the same on every run.
"""

from __future__ import annotations

import csv
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
INGEST = HERE.parent / "ingest"
EPOCH = datetime(1899, 12, 30)  # Excel's day 0 (1900 date system)
STYLE = {"date": 1, "datetime": 2}  # indexes into cellXfs below

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
{sheets}</Types>"""
SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\n'
)
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets>{sheets}</sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
{rels}<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
</styleSheet>"""


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def typed(text: str):
    """A CSV cell as a spreadsheet program would keep it."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", text):
        return datetime.fromisoformat(text)
    if re.fullmatch(r"-?[\d,]+(\.\d+)?", text):
        return float(text.replace(",", ""))
    if re.fullmatch(r"-?\d+(\.\d+)?%", text):
        return round(float(text[:-1]) / 100, 6)
    return text


def cell(ref: str, value) -> str:
    if value == "":
        return ""
    if isinstance(value, datetime):
        serial = (value - EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="{STYLE["datetime"]}"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        serial = (datetime(value.year, value.month, value.day) - EPOCH).days
        return f'<c r="{ref}" s="{STYLE["date"]}"><v>{serial}</v></c>'
    if isinstance(value, float):
        shown = int(value) if value.is_integer() else value
        return f'<c r="{ref}"><v>{shown!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def sheet_xml(rows: list[list]) -> str:
    body = []
    for r, row in enumerate(rows, 1):
        cells = "".join(cell(f"{column_letter(c)}{r}", v) for c, v in enumerate(row))
        body.append(f'<row r="{r}">{cells}</row>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(body)}</sheetData></worksheet>"
    )


def write_workbook(path: Path, sheets: dict[str, list[list]]) -> None:
    names = list(sheets)
    entries = {
        "[Content_Types].xml": CONTENT_TYPES.format(
            sheets="".join(SHEET_TYPE.format(n=i) for i in range(1, len(names) + 1))
        ),
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": WORKBOOK.format(
            sheets="".join(
                f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>'
                for i, n in enumerate(names, 1)
            )
        ),
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS.format(
            rels="".join(
                f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/'
                f'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>\n'
                for i in range(1, len(names) + 1)
            )
        ),
        "xl/styles.xml": STYLES,
    }
    for i, name in enumerate(names, 1):
        entries[f"xl/worksheets/sheet{i}.xml"] = sheet_xml(sheets[name])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in entries.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 10, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text)


def csv_rows(name: str) -> list[list]:
    with (INGEST / name).open(newline="", encoding="utf-8") as f:
        return [[typed(v) for v in row] for row in csv.reader(f)]


def main() -> None:
    bad = [
        ["date", "platform", "campaign", "impressions", "clicks", "cost", "currency"],
        [date(2024, 10, 1), "google", "Brand", 1200.0, 53.0, 44.4, "USD"],
        [date(2024, 10, 1), "google", "Generic", 800.0, 20.0, "n/a", "USD"],
        [date(2024, 10, 2), "google", "Generic", 900.0, 25.0, -4.0, "USD"],
    ]
    write_workbook(
        HERE / "shop.xlsx",
        {
            "Keyword report": csv_rows("google_ads_keywords.csv"),
            "Orders": csv_rows("orders_utm.csv"),
            "Bad ads": bad,
        },
    )


if __name__ == "__main__":
    main()
