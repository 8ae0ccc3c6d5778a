"""The public pages played by an intruder, and scanned for the synthetic extract's inputs.

**The intruder** reads everything a public page prints (table cells, chart data tables, alt
text and sentences) and the same page of the previous cycle (2022-09), and tries to work
out a count from 1 to 9 that the page does not show. It does not try every sum of every
pair and triple of numbers on the page (on a page of several hundred numbers most small
differences are coincidences, and the search grows as n^3); it tries the sums and
differences of the figures a reader can see are related, from their labels:

* a period's offences in a "per month against the baseline" table (or its average per
  month times its months) against the chart's monthly counts for those months, on this
  page or the previous cycle's (a sub-window total);
* the rows of a column against the page's total: districts, hours and days against all
  serious violence (and the total a profile's alt text states);
* Female + Male + Unknown against the total the page prints for that row (victims: all
  serious violence; suspects: the repeats table's offences with a suspect);
* differences of nested or overlapping rows: all ages less suspects under 25, offences
  with a suspect less those by a repeat suspect, all serious violence less a flagged part,
  the board's knife-enabled KPI less its part outside domestic abuse.

On the Panel's public page (the KPI evidence of each agenda item), the related figures are:

* one KPI's count for one month wherever it is given: the table's "Count in month", the
  count its sentence quotes ("73 offences in October 2022"), the month a year earlier it
  is compared with ("Oct 2021 (58)"), the same KPI in another item's table, and the same
  page of the previous cycle (an outcome KPI's latest month can be the same month in both);
* a count and the percentage change from its base: "[c] offences, 50% below Oct 2021 (12)"
  gives 6;
* an average and its months: "about 0.4 offences a month on average" over the months the
  limits are calculated from (August 2021 to October 2022, 15 months) gives 6.

Each relation is solved when exactly one of its members is unknown (withheld, or never
printed as for a difference): so pairs and triples are covered, and a relation of any size
whose other members are all printed. The whole attack is linear in the number of
relations. :func:`test_the_intruder_finds_the_leaks_of_a_hand_made_page` shows it fails on
a page with known leaks (worked by hand).

**The scan** looks for each input the synthetic extract was generated with
(:data:`scrutiny.data.synthetic.ASSUMPTIONS`: 76% of suspects and 69% of victims male, 1.6
times the rate, 31% night-time economy, 1 in 10 knife-enabled, 38% and 52% by repeat
suspects) in every way it could be written: a percentage (76%, 76.0%, 75.6%: anything
that rounds to it), a decimal (0.76), a share cell in a column headed as a share, "1.6
times" (or 1.6x, 1.60 times), "1 in 10".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from conftest import execute_notebook
from scrutiny.data.synthetic import ASSUMPTIONS

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
PREVIOUS = {
    "cycle": "2022-09",
    "data_to": "2022-08",
    "cycle_file": "params/cycles/2022-09.yaml",
}

# -------------------------------------------------------------------------- reading a page


@dataclass
class Table:
    """One table of a page: its caption (or the chart's "Data table: ..." summary)."""

    caption: str
    rows: list[list[str]] = field(default_factory=list)

    def frame(self) -> pd.DataFrame:
        """Header row as the columns."""
        return pd.DataFrame(self.rows[1:], columns=self.rows[0])


class Page(HTMLParser):
    """Every table and every piece of text a reader sees (paragraphs, findings, alt text)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: list[Table] = []
        self.texts: list[str] = []
        self._caption = ""
        self._buf: list[str] | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._text: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.texts.append(unescape(alt))
        elif tag == "table":
            self.tables.append(Table(self._caption))
            self._caption = ""
        elif tag in ("caption", "summary"):
            self._buf = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag in ("p", "li", "figcaption", "h1", "h2", "h3", "h4"):
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("caption", "summary") and self._buf is not None:
            text = "".join(self._buf).strip()
            if tag == "caption" and self.tables:
                self.tables[-1].caption = text
            else:
                self._caption = text
            self._buf = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            self.tables[-1].rows.append(self._row)
            self._row = None
        elif tag in ("p", "li", "figcaption", "h1", "h2", "h3", "h4") and self._text is not None:
            self.texts.append("".join(self._text).strip())
            self._text = None

    def handle_data(self, data: str) -> None:
        for part in (self._cell, self._buf, self._text):
            if part is not None:
                part.append(data)

    def table(self, caption_start: str) -> Table | None:
        """The one table whose caption starts so, or None."""
        found = [t for t in self.tables if t.caption.startswith(caption_start)]
        assert len(found) <= 1, [t.caption for t in self.tables]
        return found[0] if found else None


def number(text: str) -> float | None:
    """A printed count or figure; None for "[c]", "–" or anything not a number."""
    text = text.strip().replace(",", "")
    try:
        return float(text)
    except ValueError:
        return None


def withheld(text: str) -> bool:
    return text.strip() == "[c]"


# -------------------------------------------------------------------------- the intruder


@dataclass
class Leak:
    what: str
    value: float


#: A relation: (what, total, parts). A member is a number, or None when the page does not
#: print it (withheld, or never shown, as the difference of two rows).
Relation = tuple[str, float | None, list[float | None]]

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_SPAN = re.compile(rf"(?:({_MONTHS}) (\d{{4}}) to )?({_MONTHS}) (\d{{4}})$")


def _window(label: str) -> list[str]:
    """``"... December 2019 to February 2020"`` -> ``["Dec 2019", "Jan 2020", "Feb 2020"]``."""
    m = _SPAN.search(label)
    assert m, label
    end = pd.Period(f"{m.group(3)} {m.group(4)}", "M")
    start = pd.Period(f"{m.group(1)} {m.group(2)}", "M") if m.group(1) else end
    return [p.strftime("%b %Y") for p in pd.period_range(start, end, freq="M")]


def _monthly(pages: list[Page], series: str) -> dict[str, float | None]:
    """Month label -> count printed on any of the pages (None when none prints it)."""
    out: dict[str, float | None] = {}
    for page in pages:
        chart = page.table(f"Data table: {series} offences each month")
        if chart is None:
            continue
        for row in chart.frame().itertuples(index=False):
            value = number(row[1])
            if out.get(row[0]) is None:
                out[row[0]] = value
    return out


def _total(page: Page) -> float | None:
    """All serious violence in the page's period, as the flags table prints it."""
    flags = page.table("Serious violence flagged in the extract")
    if flags is None:
        return None
    return number(flags.frame()["All serious violence"].iloc[0])


def relations(page: Page, previous: list[Page]) -> list[Relation]:
    """Every relation between figures of ``page`` a reader can see from their labels."""
    out: list[Relation] = []
    for series in ("Serious violence", "Robbery"):
        table = page.table(f"{series} per month against the baseline")
        chart = page.table(f"Data table: {series} offences each month")
        if table is None or chart is None:
            continue
        months = _monthly([page, *previous], series)
        avg_col = [c for c in chart.rows[0] if c.startswith("Average")]
        for row in table.frame().to_dict("records"):
            total = number(row["Offences"])
            per_month = number(row["Offences per month"])
            n = int(number(row["Months"]) or 0)
            if total is None and per_month is not None:
                total = round(per_month * n)
            if total is None and row["Period"].startswith("Baseline") and avg_col:
                avg = number(chart.frame()[avg_col[0]].iloc[0])
                total = round(avg * n) if avg is not None else None
            window = _window(row["Period"])
            out.append((f"{series}: {row['Period']}", total, [months.get(m) for m in window]))
    sv = _total(page)
    districts = page.table("Serious violence by district")
    if districts is not None:
        col = districts.frame()["Offences"]
        out.append(("districts' offences", sv, [number(v) for v in col]))
    for start in ("Data table: Serious violence by hour", "Data table: Serious violence by day"):
        profile = page.table(start)
        if profile is None:
            continue
        parts = [number(v) for v in profile.frame()["Offences"]]
        out.append((start, sv, parts))
        for text in page.texts:
            m = re.search(r"total ([\d,]+)\.$", text)
            if (
                text.startswith("Bar chart of serious violence by " + start.split(" by ")[1][:3])
                and m
            ):
                out.append((start + " (alt text)", number(m.group(1)), parts))
    repeats = page.table("Serious violence by repeat suspects")
    first_with_suspect = None
    if repeats is not None:
        frame = repeats.frame()
        for period, block in frame.groupby("Period", sort=False):
            cells = block.set_index("Suspects")
            a = number(cells.loc["All ages", "Offences with a suspect"])
            b = number(cells.loc["All ages", "By a repeat suspect"])
            c = number(cells.loc["Suspect under 25", "Offences with a suspect"])
            d = number(cells.loc["Suspect under 25", "By a repeat suspect"])
            if first_with_suspect is None:
                first_with_suspect = a
            out += [
                (f"{period}: suspects aged 25 and over", a, [c, None]),
                (f"{period}: by repeat suspects aged 25 and over", b, [d, None]),
                (f"{period}: all ages, not by a repeat suspect", a, [b, None]),
                (f"{period}: under 25, not by a repeat suspect", c, [d, None]),
            ]
    sexes = page.table("Victims and suspects of serious violence by sex")
    if sexes is not None:
        frame = sexes.frame().set_index("Who")
        for who, total in (("Victims", sv), ("Suspects", first_with_suspect)):
            parts = [number(frame.loc[who, c]) for c in ("Female", "Male", "Unknown")]
            out.append((f"{who} by sex", total, parts))
    flags = page.table("Serious violence flagged in the extract")
    if flags is not None:
        for row in flags.frame().to_dict("records"):
            out.append(
                (
                    f"serious violence not {row['KPI']}",
                    number(row["All serious violence"]),
                    [number(row["Offences"]), None],
                )
            )
    kpis = next(
        (
            t
            for t in page.tables
            if t.caption.startswith("The board's") and "serious violence" in t.caption.lower()
        ),
        None,
    )
    if kpis is not None and flags is not None and "12 months" in flags.caption:
        k = kpis.frame().set_index("KPI")
        f = flags.frame().set_index("KPI")
        knife = "Knife-enabled serious violence"
        part = f"{knife}, excluding domestic abuse"
        if knife in k.index and part in f.index:
            current = [c for c in k.columns if c.startswith("Offences, ")][0]
            out.append(
                (
                    f"{knife} in domestic abuse",
                    number(k.loc[knife, current]),
                    [number(f.loc[part, "Offences"]), None],
                )
            )
    return out


_LONG = re.compile(rf"(?:{_MONTHS}) \d{{4}}")
_SHORT = re.compile(r"[A-Z][a-z]{2} \d{4}")
_NOW = re.compile(
    rf"; (?P<n>[\d,]+) (?:[a-z]+ )?(?:offences|incidents|crimes) in (?P<m>(?:{_MONTHS}) \d{{4}})"
)
_BASE = re.compile(
    r"(?P<pct>\d+(?:\.\d+)?)% (?P<dir>above|below) (?P<m>[A-Z][a-z]{2} \d{4}) "
    r"\((?P<n>[\d,]+|\[c\])\)"
)
_AVG = re.compile(r": about (?P<avg>[\d,.]+) [a-z ]+? a month on average")
_FROM = re.compile(rf"calculated from (?P<m>(?:{_MONTHS}) \d{{4}})")


def _month(label: str) -> pd.Period:
    """``"Oct 2022"`` or ``"October 2022"`` -> the month."""
    return pd.Period(pd.Timestamp(label), "M")


@dataclass
class KpiFigures:
    """What one row of a Panel KPI evidence table says of its KPI's counts."""

    kpi: str
    month: pd.Period
    cell: float | None
    said: dict[pd.Period, float | None]
    pct: tuple[float, pd.Period] | None
    average: float | None


def panel_rows(page: Page) -> list[KpiFigures]:
    """Every row of the page's KPI evidence tables, read from its cells and its words.

    ``said`` maps each month the words give a count for to that count ("[c]": None);
    ``pct`` is the signed percentage change from the base month the words quote.
    """
    out = []
    for table in page.tables:
        if not table.caption.startswith("KPI evidence for") or not table.rows:
            continue
        for row in table.frame().to_dict("records"):
            kpi = re.sub(r" \(synthetic\)$", "", row["KPI"])
            words = row.get("In words", "")
            said: dict[pd.Period, float | None] = {}
            for m in _NOW.finditer(words):
                said[_month(m["m"])] = number(m["n"])
            pct = None
            for m in _BASE.finditer(words):
                said[_month(m["m"])] = None if withheld(m["n"]) else number(m["n"])
                sign = 1 if m["dir"] == "above" else -1
                pct = (sign * float(m["pct"]), _month(m["m"]))
            avg = _AVG.search(words)
            out.append(
                KpiFigures(
                    kpi=kpi,
                    month=_month(row["Month"]),
                    cell=None if withheld(row["Count in month"]) else number(row["Count in month"]),
                    said=said,
                    pct=pct,
                    average=number(avg["avg"]) if avg else None,
                )
            )
    return out


def panel_relations(page: Page, previous: list[Page]) -> list[Relation]:
    """The relations between the Panel page's KPI figures a reader can see from their labels.

    Each count of a KPI in a month, wherever this page or the previous cycle's gives it
    (withheld: None), against every other mention of it; a withheld count against its base
    and the percentage change from it (or a withheld base against the count and the
    change); and a monthly average times the months it averages, against nothing printed.
    """
    out: list[Relation] = []
    seen: dict[tuple[str, pd.Period], list[tuple[str, float | None]]] = {}
    rows = panel_rows(page)
    for source, page_rows in (
        ("this page", rows),
        *(("previous", panel_rows(p)) for p in previous),
    ):
        for r in page_rows:
            seen.setdefault((r.kpi, r.month), []).append((f"{source} table", r.cell))
            for month, value in r.said.items():
                seen.setdefault((r.kpi, month), []).append((f"{source} words", value))
    for (kpi, month), mentions in seen.items():
        first = mentions[0][1]
        for where, value in mentions[1:]:
            out.append((f"{kpi}, {month:%b %Y} ({where})", first, [value]))
    for r in rows:
        now = r.cell if r.cell is not None else r.said.get(r.month)
        if r.pct is not None:
            change, base_month = r.pct
            base = r.said.get(base_month)
            factor = 1 + change / 100
            if now is None and base is not None:
                out.append(
                    (f"{r.kpi}, {r.month:%b %Y} from the change", None, [round(base * factor)])
                )
            if base is None and now is not None and factor > 0:
                out.append(
                    (f"{r.kpi}, {base_month:%b %Y} from the change", None, [round(now / factor)])
                )
        if r.average is not None:
            start = next((_FROM.search(t) for t in page.texts if _FROM.search(t)), None)
            if start is not None:
                months = (r.month - _month(start["m"])).n + 1
                out.append(
                    (
                        f"{r.kpi}: the average times {months} months",
                        None,
                        [round(r.average * months)],
                    )
                )
    return out


def attack(page: Page, previous: list[Page] = (), threshold: int = 10) -> list[Leak]:
    """Counts from 1 to ``threshold - 1`` the page does not show but lets a reader work out."""
    leaks = []
    found = relations(page, list(previous)) + panel_relations(page, list(previous))
    for what, total, parts in found:
        members = [total, *parts]
        unknown = [i for i, v in enumerate(members) if v is None]
        if len(unknown) != 1:
            continue
        if unknown[0] == 0:
            value = sum(parts)  # type: ignore[arg-type]
        else:
            value = total - sum(v for v in parts if v is not None)  # type: ignore[operator]
        if 0 < value < threshold:
            leaks.append(Leak(what, value))
    return leaks


# -------------------------------------------------------------------------- the scan


def generator_inputs() -> dict[str, float]:
    """The serious-violence shares and ratios the synthetic extract is generated from."""
    return {
        k: float(v)
        for k, (v, _) in ASSUMPTIONS.items()
        if k.startswith("serious violence:") and isinstance(v, float | int)
    }


_PCT = re.compile(r"(?<![\d.,])(\d{1,3}(?:\.\d+)?)\s?(?:%|per ?cent)")
_DEC = re.compile(r"(?<![\d.,])0\.(\d+)(?![\d])")
_TIMES = re.compile(r"(?<![\d.,])(\d+(?:\.\d+)?)\s?(?:times|x|×)")
_ONE_IN = re.compile(r"\b1 in (\d+)\b")


def echoes(page: Page) -> list[str]:
    """Every place the page states a generator input, in any of the ways it could be written."""
    inputs = generator_inputs()
    shares = {k: v for k, v in inputs.items() if v < 1}
    ratios = {k: v for k, v in inputs.items() if v >= 1}
    found = []

    def share_hit(pct: float, where: str) -> None:
        for k, v in shares.items():
            if round(pct) == round(v * 100):
                found.append(f"{k} ({v}) as {pct:g}% in: {where[:120]}")

    texts = list(page.texts) + [t.caption for t in page.tables]
    for text in texts:
        for m in _PCT.finditer(text):
            share_hit(float(m.group(1)), text)
        for m in _DEC.finditer(text):
            value = float("0." + m.group(1))
            for k, v in shares.items():
                if round(value, 2) == round(v, 2):
                    found.append(f"{k} ({v}) as 0.{m.group(1)} in: {text[:120]}")
        for m in _TIMES.finditer(text):
            for k, v in ratios.items():
                if round(float(m.group(1)), 1) == v:
                    found.append(f"{k} ({v}) as {m.group(0)} in: {text[:120]}")
        for m in _ONE_IN.finditer(text):
            for k, v in shares.items():
                if int(m.group(1)) == round(1 / v):
                    found.append(f"{k} ({v}) as 1 in {m.group(1)} in: {text[:120]}")
    for table in page.tables:
        if not table.rows:
            continue
        for j, head in enumerate(table.rows[0]):
            if "share" not in head.lower():
                continue
            for row in table.rows[1:]:
                value = number(row[j]) if j < len(row) else None
                if value is not None:
                    share_hit(value, f"{table.caption}: {head} = {row[j]}")
        for j, head in enumerate(table.rows[0]):
            if "ratio" in head.lower() or "/" in head:
                for row in table.rows[1:]:
                    value = number(row[j]) if j < len(row) else None
                    for k, v in ratios.items():
                        if value is not None and round(value, 1) == v:
                            found.append(f"{k} ({v}) in {table.caption}: {head} = {row[j]}")
    return found


def key_findings(html: str) -> list[str]:
    """The sentences of the page's key-findings box."""
    m = re.search(
        r'<(div|section|aside)[^>]*class="[^"]*findings[^"]*"[^>]*>(.*?)</\1>', html, re.S
    )
    assert m, "no key-findings box"
    return [
        unescape(re.sub(r"<[^>]+>", "", li)).strip()
        for li in re.findall(r"<li>(.*?)</li>", m.group(2), re.S)
    ]


# -------------------------------------------------------------------------- hand-made pages

LEAKY = """
<h2>Key findings</h2><div class="findings"><ol>
<li>76% of suspects and 69% of victims were male (synthetic).</li>
<li>About 1 in 10 serious violence offences involved a knife.</li></ol></div>
<p>Suspects aged 10-24 offended at 1.6 times the rate of those aged 25 and over.</p>
<figure class="chart"><img src="x" alt="Line chart of serious violence offences each month.">
<details class="data"><summary>Data table: Serious violence offences each month</summary>
<table><thead><tr><th>Month</th>
<th>Offences</th>
<th>Average, December 2019 to February 2020</th>
</tr>
</thead>
<tbody>
<tr><td>Dec 2019</td>
<td>26</td>
<td>21.3</td>
</tr>
<tr><td>Jan 2020</td>
<td>33</td>
<td>21.3</td>
</tr>
<tr><td>Feb 2020</td>
<td>[c]</td>
<td>21.3</td>
</tr>
</tbody></table></details></figure>
<table><caption>Serious violence per month against the baseline (synthetic)</caption>
<thead><tr><th>Period</th>
<th>Months</th>
<th>Offences</th>
<th>Offences per month</th>
</tr>
</thead>
<tbody>
<tr><td>Baseline: December 2019 to February 2020</td>
<td>3</td>
<td>64</td>
<td>21.3</td>
</tr>
</tbody></table>
<table><caption>Serious violence by repeat suspects (synthetic)</caption>
<thead><tr><th>Period</th>
<th>Suspects</th>
<th>Offences with a suspect</th>
<th>By a repeat suspect</th>
<th>Share (%)</th>
</tr>
</thead>
<tbody>
<tr><td>p</td>
<td>All ages</td>
<td>15</td>
<td>[c]</td>
<td>–</td>
</tr>
<tr><td>p</td>
<td>Suspect under 25</td>
<td>12</td>
<td>[c]</td>
<td>–</td>
</tr>
</tbody></table>
<table><caption>Serious violence flagged in the extract, the 12 months to October 2022</caption>
<thead><tr><th>KPI</th>
<th>Offences</th>
<th>All serious violence</th>
<th>Share (%)</th>
</tr>
</thead>
<tbody>
<tr><td>Serious violence flagged as in a public place</td>
<td>8,887</td>
<td>8,893</td>
<td>99.9</td>
</tr>
<tr><td>Serious violence linked to the night-time economy</td>
<td>2,730</td>
<td>8,893</td>
<td>30.7</td>
</tr>
</tbody></table>
"""


def test_the_intruder_finds_the_leaks_of_a_hand_made_page() -> None:
    # By hand: 64 - 26 - 33 = 5 (February 2020); 15 - 12 = 3 suspects aged 25 and over;
    # 8,893 - 8,887 = 6 offences not in a public place.
    leaks = {(leak.what, leak.value) for leak in attack(Page(LEAKY))}
    assert leaks == {
        ("Serious violence: Baseline: December 2019 to February 2020", 5),
        ("p: suspects aged 25 and over", 3),
        ("serious violence not Serious violence flagged as in a public place", 6),
    }


def test_the_intruder_uses_the_previous_cycle() -> None:
    # This cycle withholds February 2020 (5) and December 2019 (26) around a total of 64;
    # the previous cycle printed December 2019 (26), so 64 - 26 - 33 = 5 again.
    now = LEAKY.replace("<td>Dec 2019</td>\n<td>26</td>", "<td>Dec 2019</td><td>[c]</td>")
    assert now != LEAKY
    assert not [x for x in attack(Page(now)) if x.what.startswith("Serious violence:")]
    before = Page(LEAKY)
    leaks = [x for x in attack(Page(now), [before]) if x.what.startswith("Serious violence:")]
    assert [(x.what, x.value) for x in leaks] == [
        ("Serious violence: Baseline: December 2019 to February 2020", 5)
    ]


def _panel_table(item: str, rows: list[tuple[str, str, str, str]]) -> str:
    """A Panel KPI evidence table as the page prints it: (KPI, month, count, words)."""
    body = "".join(
        f"<tr><td>{k}</td><td>{m}</td><td>{c}</td><td>icon</td><td>{w}</td><td>Real</td></tr>"
        for k, m, c, w in rows
    )
    return (
        f"<table><caption>KPI evidence for {item}, Testshire Police</caption><thead><tr>"
        "<th>KPI</th><th>Month</th><th>Count in month</th><th>Variation</th><th>In words</th>"
        f"<th>Data</th></tr></thead><tbody>{body}</tbody></table>"
    )


COMMON = "shows common-cause variation: the latest month is within the range expected"
LEAKY_PANEL = (
    "<p>The SPC readings: each chart covers December 2019 to October 2022, and the mean and "
    "process limits are calculated from August 2021, so earlier months do not set them.</p>"
    + _panel_table(
        "Item A",
        [
            (
                "Robbery",
                "Oct 2022",
                "[c]",
                f"Robbery for Testshire Police {COMMON}; the count for October 2022 is below "
                "10 and is not shown.",
            ),
            (
                "Theft from the person",
                "Oct 2022",
                "[c]",
                f"Theft from the person for Testshire Police {COMMON}; the count for October "
                "2022 is below 10 and is not shown, 50% below Oct 2021 (12).",
            ),
            (
                "Homicide",
                "Oct 2022",
                "0",
                "Homicide for Testshire Police: about 0.4 offences a month on average, too few "
                "to judge whether anything has changed (the assessment judges 10 or more a "
                "month); 0 offences in October 2022.",
            ),
            (
                "Crimes charged",
                "Mar 2022",
                "[c]",
                f"Crimes charged for Testshire Police {COMMON}; the count for March 2022 is "
                "below 10 and is not shown.",
            ),
        ],
    )
    + _panel_table(
        "Item B",
        [
            (
                "Robbery",
                "Oct 2022",
                "7",
                f"Robbery for Testshire Police {COMMON}; 7 offences in October 2022.",
            )
        ],
    )
)


def test_the_intruder_finds_the_leaks_of_a_hand_made_panel_page() -> None:
    # By hand: robbery is withheld in one item's table and printed (7) in another's table
    # and words; theft from the person, withheld, is 50% below 12: 6; homicide, about 0.4 a
    # month over the 15 months from August 2021 to October 2022: 0.4 x 15 = 6.
    leaks = {(leak.what, leak.value) for leak in attack(Page(LEAKY_PANEL))}
    assert leaks == {
        ("Robbery, Oct 2022 (this page table)", 7),
        ("Robbery, Oct 2022 (this page words)", 7),
        ("Theft from the person, Oct 2022 from the change", 6),
        ("Homicide: the average times 15 months", 6),
    }
    # Without the leaks, nothing: the second robbery row withheld, no comparison, no average.
    safe = (
        LEAKY_PANEL.replace("<td>7</td>", "<td>[c]</td>")
        .replace("; 7 offences in October 2022.", "; the count is not shown.")
        .replace(", 50% below Oct 2021 (12)", "")
        .replace(": about 0.4 offences a month on average,", ":")
    )
    assert attack(Page(safe)) == []


def test_the_intruder_uses_the_previous_cycle_on_the_panel_page() -> None:
    # Crimes charged in March 2022 (an outcome KPI's latest settled month, the same in both
    # cycles): withheld on this page, printed (4) on the previous cycle's.
    before = _panel_table(
        "Item A",
        [
            (
                "Crimes charged",
                "Mar 2022",
                "4",
                f"Crimes charged for Testshire Police {COMMON}; 4 offences in March 2022.",
            )
        ],
    )
    found = [x for x in attack(Page(LEAKY_PANEL), [Page(before)]) if "Crimes" in x.what]
    assert [(x.what, x.value) for x in found] == [
        ("Crimes charged, Mar 2022 (previous table)", 4),
        ("Crimes charged, Mar 2022 (previous words)", 4),
    ]
    assert not [x for x in attack(Page(LEAKY_PANEL)) if "Crimes" in x.what]


def test_the_scan_finds_every_way_of_writing_a_generator_input() -> None:
    found = echoes(Page(LEAKY))
    text = "\n".join(found)
    assert "suspect male (0.76) as 76%" in text
    assert "victim male (0.69) as 69%" in text
    assert "knife or sharp instrument share (0.1) as 1 in 10" in text
    assert "(1.6) as 1.6 times" in text
    assert "night-time economy share (0.31) as 30.7%" in text  # a share cell, 30.7 -> 31
    more = Page("<p>A share of 0.52, 1.60x the rate; 38.2 per cent.</p>")
    assert len(echoes(more)) == 3
    assert echoes(Page("<p>17% below the baseline; 1 in 4; 2.5 times.</p>")) == []


def test_key_findings_are_read_from_the_box() -> None:
    assert key_findings(LEAKY)[0].startswith("76% of suspects")


# -------------------------------------------------------------------------- the real pages


@pytest.fixture(scope="module")
def needs_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = {}
    # One month's figures hold small counts (hours of the night, districts' under-25s,
    # repeat suspects under 25), so the attack has withheld counts to look for.
    for name, params in (
        ("2022-11", {}),
        ("2022-09", PREVIOUS),
        ("2022-11 one month", {"period_months": 1}),
    ):
        out[name] = execute_notebook(
            NOTEBOOKS / "needs_assessment.ipynb", tmp_path_factory.mktemp("needs"), **params
        )[1]
    return out


@pytest.fixture(scope="module")
def panel_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    # At the threshold of 10 the force-level page withholds nothing in either cycle; with
    # a threshold of 100 it withholds robbery (73 in October 2022) and possession of
    # weapons (81), so the attack has withheld counts to look for.
    return {
        name: execute_notebook(
            NOTEBOOKS / "panel_summary.ipynb", tmp_path_factory.mktemp("panel"), **params
        )[1]
        for name, params in (
            ("2022-11", {}),
            ("2022-09", PREVIOUS),
            ("2022-11 threshold 100", {"disclosure_threshold": 100}),
        )
    }


@pytest.mark.slow
def test_the_intruder_recovers_no_small_count_from_the_needs_pages(
    needs_pages: dict[str, str],
) -> None:
    for now, before in (("2022-11", "2022-09"), ("2022-11 one month", "2022-09")):
        page = Page(needs_pages[now])
        assert relations(page, []), "the intruder should find related figures to try"
        assert attack(page, [Page(needs_pages[before])]) == [], now
        assert attack(Page(needs_pages[before]), [page]) == [], before
    # The one-month pages do withhold counts, so the attack had something to look for.
    assert "[c]" in needs_pages["2022-11 one month"]


@pytest.mark.slow
def test_the_intruder_recovers_no_small_count_from_the_panel_pages(
    panel_pages: dict[str, str],
) -> None:
    for now, before, threshold in (
        ("2022-11", "2022-09", 10),
        ("2022-11 threshold 100", "2022-09", 100),
    ):
        page = Page(panel_pages[now])
        assert panel_rows(page), "the intruder should read the KPI evidence tables"
        assert panel_relations(page, [Page(panel_pages[before])]), now
        assert attack(page, [Page(panel_pages[before])], threshold=threshold) == [], now
        assert attack(Page(panel_pages[before]), [page], threshold=threshold) == [], before
    # With the threshold of 100 the page does withhold counts.
    page = Page(panel_pages["2022-11 threshold 100"])
    withheld_rows = [r for r in panel_rows(page) if r.cell is None]
    assert {r.kpi for r in withheld_rows} >= {"Robbery", "Possession of weapons"}
    # And the attack reads the real page's markup: the same page with the serious violence
    # item's table of the ordinary page (robbery 73, possession of weapons 81) added
    # gives both away.
    table = re.search(
        r"<table\b(?:(?!</table>).)*?KPI evidence for Serious violence.*?</table>",
        panel_pages["2022-11"],
        re.S,
    )
    assert table is not None
    leaky = Page(panel_pages["2022-11 threshold 100"] + table.group(0))
    found = {(x.what, x.value) for x in attack(leaky, threshold=100)}
    assert ("Robbery, Oct 2022 (this page table)", 73) in found
    assert ("Possession of weapons, Oct 2022 (this page table)", 81) in found


@pytest.mark.slow
def test_no_public_page_restates_a_generator_input(
    needs_pages: dict[str, str], panel_pages: dict[str, str]
) -> None:
    for name, html in {**needs_pages, **{f"panel {k}": v for k, v in panel_pages.items()}}.items():
        assert echoes(Page(html)) == [], name


@pytest.mark.slow
def test_no_key_finding_rests_on_the_synthetic_extract(
    needs_pages: dict[str, str], panel_pages: dict[str, str]
) -> None:
    for name, html in needs_pages.items():
        findings = key_findings(html)
        assert findings, name
        for f in findings:
            # A finding either rests on police.uk or says the extract's figures are
            # illustrative, with no figure of its own.
            assert "(police.uk, real)" in f or not re.search(r"\d", f), (name, f)
            assert "(synthetic)" not in f, (name, f)
        assert "Illustrative figures from the synthetic extract" in html
    for name, html in panel_pages.items():
        synthetic = {
            row[0].removesuffix(" (synthetic)")
            for t in Page(html).tables
            for row in t.rows[1:]
            if row and row[0].endswith(" (synthetic)")
        }
        assert synthetic, "the panel pages link synthetic KPIs to the agenda"
        for f in key_findings(html):
            assert "(synthetic)" not in f, (name, f)
            if f.startswith("Counted in the synthetic extract"):
                # Named only as illustrative, with no figure of its own.
                assert not re.search(r"\d", f), (name, f)
            elif f.startswith(("KPI evidence", "Too few counted")):
                # A verdict names no KPI counted in the synthetic extract.
                assert not any(k in f for k in synthetic), (name, f)
