"""Serious-violence needs assessment page (scrutiny.briefings.needs): disclosure, wording,
and the rendered page against the cycle's assessment.

The statistics themselves are tested in tests/analysis/test_needs.py.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from conftest import execute_notebook
from scrutiny.analysis import assessment
from scrutiny.analysis import needs as calc
from scrutiny.analysis.disclosure import Ledger, disclose
from scrutiny.briefings import needs
from scrutiny.data import DataSources, load_extract
from scrutiny.present.tables import table_html

REPO = Path(__file__).resolve().parents[2]
CYCLE_FILE = REPO / "params" / "cycles" / "2022-11.yaml"


def test_the_briefing_takes_no_statistics_of_its_own() -> None:
    # Its figures come from the assessment and analysis.needs: no scrutiny.stats, and no
    # KPI series of its own.
    source = (REPO / "lib" / "scrutiny" / "briefings" / "needs.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    modules = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in modules if m.startswith("scrutiny.stats")]
    assert "kpi_series" not in source and "change_test" not in source


# -------------------------------------------------------------------------- disclosure


def test_rates_for_page_withhold_rates_with_their_counts() -> None:
    # Beta has 4 offences (below 10), so it is withheld; Alpha must go too (one withheld
    # cell in a column with a known total could be worked out), and both rates with them.
    # Under 25: 12 and 10, both shown, with their rates.
    pop = pd.DataFrame(
        {"district": ["Alpha", "Beta"], "all_ages": [20_000, 5_000], "under_25": [4_000, 1_000]}
    )
    raw = calc.district_rates(
        pd.Series({"Alpha": 40, "Beta": 4}), pd.Series({"Alpha": 12, "Beta": 10}), pop
    )
    r = needs.rates_for_page(raw, threshold=10)
    assert list(r["offences"]) == ["[c]", "[c]"]
    assert r["rate_per_1000"].isna().all()
    assert r["share_of_force"].isna().all()
    assert r["under_25_ratio"].isna().all()  # it would give the all-ages rate back
    assert list(r["offences_under_25"]) == [12, 10]
    assert r.loc["Beta", "rate_per_1000_under_25"] == pytest.approx(10.0)  # 10 / 1,000
    shown = needs.rates_for_page(raw, threshold=None)
    assert list(shown["offences"]) == [40, 4]


def test_disclose_suppresses_a_toy_table() -> None:
    # B/x = 3 is withheld; then B/y (the only other cell of row B), A/x (the only other
    # of column x) and A/y (of column y): with totals known, all four must go.
    toy = pd.DataFrame({"x": [20, 3], "y": [30, 12]}, index=["A", "B"])
    shown = disclose(toy, threshold=10)
    assert (shown == "[c]").all().all()
    wide = pd.DataFrame({"x": [20, 3, 40], "y": [30, 12, 50]}, index=["A", "B", "C"])
    # With a third row: B/x and B/y go, then the smallest of A/C in each column (A).
    assert disclose(wide, threshold=10).loc["C"].tolist() == [40, 50]
    html = table_html(shown.reset_index(), count_columns=("x", "y"))
    assert '<td class="count">[c]</td>' in html
    assert disclose(toy, threshold=None).loc["B", "x"] == 3


def test_comparison_display_hides_the_averages_of_a_withheld_count() -> None:
    table = pd.DataFrame(
        {
            "period": ["Baseline", "Latest"],
            "months": [3, 12],
            "offences": [6.0, 120.0],
            "per_month": [2.0, 10.0],
            "change_pct": [float("nan"), 400.0],
            "verdict": ["", "significant increase"],
        }
    )
    shown = needs.comparison_display(table, threshold=10, alpha=0.01)
    assert shown["Offences"].tolist() == ["[c]", 120]
    assert pd.isna(shown.loc[0, "Offences per month"])  # 6 / 3 would give 6 back
    assert shown.loc[1, "Offences per month"] == 10.0
    assert "Change test (1%)" in shown.columns


def _kpis(current: list[float], before: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["Serious violence (VRN definition)", "Knife-enabled serious violence"],
            "synthetic": [True, True],
            "current_period": "Nov 2021 to Oct 2022",
            "current_count": current,
            "baseline_period": "Nov 2020 to Oct 2021",
            "baseline_count": before,
            "pct_change": [(c - b) / b * 100 for c, b in zip(current, before, strict=True)],
            "p_value": 0.01,
            "verdict": "significant increase",
            "note": "",
        },
        index=pd.Index(["serious_violence", "knife_serious_violence"], name="kpi"),
    )


def test_kpi_display_withholds_small_and_asked_for_counts_and_their_changes() -> None:
    # Knife-enabled: 8 now (below 10) against 20: the count and the -60% go, the 20 stays.
    shown = needs.kpi_display(_kpis([100, 8], [80, 20]), threshold=10)
    assert shown["Offences, Nov 2021 to Oct 2022"].tolist() == [100, "[c]"]
    assert shown["Offences, Nov 2020 to Oct 2021"].tolist() == [80, 20]
    assert shown["Change (%)"].tolist()[0] == pytest.approx(25.0)  # 100 v 80
    assert pd.isna(shown["Change (%)"].tolist()[1])
    # Withheld on request (a small difference from another figure), with its change.
    asked = needs.kpi_display(
        _kpis([100, 50], [80, 40]), threshold=10, withhold=("knife_serious_violence",)
    )
    assert asked["Offences, Nov 2021 to Oct 2022"].tolist() == [100, "[c]"]
    assert pd.isna(asked["Change (%)"].tolist()[1])
    assert needs.kpi_count_columns(_kpis([1, 1], [1, 1])) == (
        "Offences, Nov 2021 to Oct 2022",
        "Offences, Nov 2020 to Oct 2021",
    )


# -------------------------------------------------------------------------- findings


def _findings(threshold: int | None, knife: int, *, synthetic: bool = False) -> list[str]:
    # 100 offences, `knife` of them knife-enabled; 60 male and 40 female victims and
    # suspects; 30 of 50 offences with a suspect by repeat suspects (all ages), 12 of 20
    # for under-25s.
    sexes = pd.DataFrame(
        {"Female": [40, 40], "Male": [60, 60], "Unknown": [0, 0], "male_share": [60.0, 60.0]},
        index=["Victims", "Suspects"],
    )
    flags = calc.flag_shares({needs.KNIFE_VRN: knife, needs.NTE: 30, "public": 60}, 100)
    repeats = pd.DataFrame(
        {"with_suspect": [50, 20], "by_repeat": [30, 12], "share": [60.0, 60.0]},
        index=["All ages", "Suspect under 25"],
    )
    hours = pd.DataFrame({"offences": [1] * 24}, index=range(24))
    days = pd.DataFrame({"offences": [5, 1, 1, 1, 1, 1, 1]}, index=calc.DAYS)
    return needs.key_findings(
        force="Toy Police",
        period="the 12 months to October 2022",
        rates=pd.DataFrame({"rate_per_1000": [1.0], "share_of_force": [100.0]}, index=["A"]),
        force_rate={
            "offences": 100.0,
            "rate_per_1000": 1.0,
            "rate_per_1000_under_25": 2.0,
            "suspect_rate_under_25": 3.0,
            "suspect_rate_25_plus": 1.5,
            "suspect_ratio": 2.0,
        },
        sexes=sexes,
        repeats=repeats,
        flags=flags,
        hours=hours,
        days=days,
        sv_sentence="SV.",
        robbery_sentence="Robbery.",
        district="",
        synthetic=synthetic,
        threshold=threshold,
    )


def test_key_findings_from_a_real_extract_hold_back_shares_of_small_counts() -> None:
    found = _findings(threshold=10, knife=10)
    # 10 of 100 offences: 1 in 10 (10%); 60 of 100 male; 30 of 100 night-time economy.
    assert (
        "About 1 in 10 serious violence offences (10%) involved a knife or sharp instrument."
        in found
    )
    assert "60% of suspects and 60% of victims were male." in found
    assert "30% of serious violence was linked to the night-time economy." in found
    assert not any("synthetic" in f for f in found)
    # 4 knife-enabled offences: 4 is below 10, so the share would disclose it.
    small = _findings(threshold=10, knife=4)
    assert not any("knife" in f for f in small)
    assert any("knife" in f for f in _findings(threshold=None, knife=4))
    # 96 knife-enabled of 100: the 4 without a knife would be given away.
    assert not any("knife" in f for f in _findings(threshold=10, knife=96))


def test_no_synthetic_figure_is_a_key_finding() -> None:
    # A synthetic extract: only the police.uk robbery sentence is a finding, and one
    # sentence says where the illustrative figures are; no number rests on the extract.
    found = _findings(threshold=10, knife=10, synthetic=True)
    assert found == ["Robbery.", needs.SYNTHETIC_FINDING]
    assert not re.search(r"\d", needs.SYNTHETIC_FINDING)
    assert needs.ILLUSTRATIVE == "Illustrative figures from the synthetic extract"
    assert needs.level(2, synthetic=True) == 3 and needs.level(2, synthetic=False) == 2


def test_the_illustrative_section_says_its_proportions_are_the_generators_inputs() -> None:
    # The extract draws 1 in 10 serious violence offences as knife-enabled (the published
    # needs assessment's share): 906 of 8,893 on the page divides back to about 10%, so the
    # page must not claim those inputs are hidden; it says what such a ratio is.
    text = needs.illustrative_paragraph()
    assert "not restated" not in text
    assert "dividing one figure by another recovers those inputs" in text
    assert "not a fact about the force" in text


def test_age_sentence_from_a_synthetic_extract_states_no_ratio() -> None:
    rates = {
        "rate_per_1000": 7.8,
        "rate_per_1000_under_25": 12.0,
        "suspect_rate_under_25": 9.5,
        "suspect_rate_25_plus": 6.0,
        "suspect_ratio": 1.6,
    }
    synthetic = needs.age_sentence(rates, tag=" (synthetic)")
    assert "1.6" not in synthetic and "times" not in synthetic
    assert "12.0 offences per 1,000 residents aged 0-24" in synthetic
    assert "1.6 times the rate" in needs.age_sentence(rates, tag="")


def test_period_is_checked_before_anything_is_computed() -> None:
    with pytest.raises(ValueError, match="parameter 'period_months'"):
        nothing: needs.NeedsData = None  # type: ignore[assignment]
        needs.assess(nothing, district="", period_months=0, baseline="2020", threshold=10)
    with pytest.raises(ValueError, match="parameter 'district'.*Blaby"):
        needs.check_district("Blabby", ["Blaby", "Melton"])
    assert needs.check_district(" melton ", ["Blaby", "Melton"]) == "Melton"


# -------------------------------------------------------------------------- the page


class _Tables(HTMLParser):
    """Every table of a page: caption, header and body rows (cell text)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, object]] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            self.tables[-1]["caption"] = "".join(self._caption).strip()
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1]["rows"].append(self._row)  # type: ignore[union-attr]
            self._row = None

    def handle_data(self, data: str) -> None:
        for part in (self._cell, self._caption):
            if part is not None:
                part.append(data)


def _table(html: str, caption_start: str) -> pd.DataFrame:
    parser = _Tables()
    parser.feed(html)
    found = [t for t in parser.tables if str(t["caption"]).startswith(caption_start)]
    assert len(found) == 1, [t["caption"] for t in parser.tables]
    rows = found[0]["rows"]
    return pd.DataFrame(rows[1:], columns=rows[0])  # type: ignore[index]


def _number(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    _, html = execute_notebook(
        REPO / "notebooks" / "needs_assessment.ipynb", tmp_path_factory.mktemp("needs")
    )
    return html


@pytest.fixture(scope="module")
def cycle_assessment() -> assessment.Assessment:
    return assessment.for_cycle(CYCLE_FILE)


@pytest.mark.slow
def test_notebook_runs_with_its_defaults(page: str) -> None:
    assert page.count("<h1>") == 1 and "Key findings" in page
    assert "(synthetic)" in page and "callout-synthetic" in page


@pytest.mark.slow
def test_knife_enabled_serious_violence_on_the_page_is_the_boards_figure(
    page: str, cycle_assessment: assessment.Assessment
) -> None:
    """The 12-month figure under the KPI's name is the assessment's, counted by hand too."""
    kpis = _table(page, "The board's serious violence KPIs")
    row = kpis[kpis["KPI"] == "Knife-enabled serious violence"].iloc[0]
    on_page = _number(row["Offences, Nov 2021 to Oct 2022"])
    figures = cycle_assessment.tables()["kpis"].set_index(["kpi", "area"])
    count_12m = figures.loc[("knife_serious_violence", "Leicestershire Police"), "count_12m"]
    assert on_page == count_12m
    # By hand from the extract: serious violence offence codes (homicide, violence with
    # injury, robbery) flagged knife or sharp instrument, November 2021 to October 2022,
    # domestic abuse included.
    extract, _ = load_extract(DataSources(), data_to="2022-10")
    codes = {"1/4.1/4.10/4.2", "2", "37.1", "4.3", "4.4", "4.6", "4.7", "4.8", "4.9"}
    codes |= {"5D", "5E", "8N", "8P", "8S", "34A", "34B"}
    latest = extract[
        (extract["month"] >= "2021-11-01")
        & (extract["month"] <= "2022-10-01")
        & extract["offence_code"].astype(str).isin(codes)
        & extract["knife_sharp_instrument"].astype(bool)
    ]
    assert on_page == len(latest)
    # The sentence under the knives table quotes the same figure.
    assert f"Knife-enabled serious violence for Leicestershire Police: {on_page:,} offences" in page
    # The knife-enabled part of serious violence (no domestic abuse) has its own name.
    flags = _table(page, "Serious violence flagged in the extract")
    part = flags[flags["KPI"] == "Knife-enabled serious violence, excluding domestic abuse"]
    vrn = latest[~latest["domestic_abuse"].astype(bool)]
    assert _number(part["Offences"].iloc[0]) == len(vrn) < on_page


@pytest.mark.slow
def test_every_kpi_named_count_on_the_page_is_the_assessments(
    page: str, cycle_assessment: assessment.Assessment
) -> None:
    figures = cycle_assessment.tables()["kpis"].set_index(["kpi", "area"])

    def fig(kpi_id: str, area: str = "Leicestershire Police") -> float:
        return figures.loc[(kpi_id, area), "count_12m"]

    names = {k: v.name for k, v in cycle_assessment.registry.items()}
    # With a synthetic extract the robbery KPI (police.uk) is in the page's real KPI
    # table; the two counted in the extract are under the illustrative heading.
    kpis = pd.concat(
        [
            _table(page, "The board's KPIs on this page").set_index("KPI"),
            _table(page, "The board's serious violence KPIs").set_index("KPI"),
        ]
    )
    for kpi_id in ("serious_violence", "knife_serious_violence", "robbery"):
        assert _number(kpis.loc[names[kpi_id], "Offences, Nov 2021 to Oct 2022"]) == fig(kpi_id)
        assert (
            _number(kpis.loc[names[kpi_id], "Offences, Nov 2020 to Oct 2021"])
            == (figures.loc[(kpi_id, "Leicestershire Police"), "count_prev_12m"])
        )
    flags = _table(page, "Serious violence flagged in the extract").set_index("KPI")
    for kpi_id in calc.FLAG_KPIS.values():
        assert _number(flags.loc[names[kpi_id], "Offences"]) == fig(kpi_id)
        assert _number(flags.loc[names[kpi_id], "All serious violence"]) == fig("serious_violence")
    districts = _table(page, "Serious violence by district").set_index("District")
    for d in cycle_assessment.districts:
        assert _number(districts.loc[d, "Offences"]) == fig("serious_violence", d)
    robbery = _table(page, "Robbery per month against the baseline").set_index("Period")
    latest = robbery.loc["Latest 12 months, November 2021 to October 2022", "Offences"]
    assert _number(latest) == fig("robbery")


@pytest.mark.slow
def test_robbery_against_the_baseline_agrees_with_the_plan_grade(
    cycle_assessment: assessment.Assessment,
) -> None:
    """The plan grades robbery on the same months against the same pre-pandemic baseline:
    one test, one verdict."""
    a = cycle_assessment
    base = calc.parse_baseline("2019-12..2020-02", first_month="2019-12", last_month="2022-10")
    monthly = calc.kpi_monthly(a, "robbery", first_month="2019-12")
    result = a.result("robbery")
    table = calc.baseline_comparison(
        monthly,
        base,
        data_to="2022-10",
        alpha=a.method.alpha,
        phi=calc.dispersion_of(result),
        min_expected=a.method.min_expected,
    )
    same = table.iloc[1]  # December 2021 to February 2022, like for like
    grade = a.grade("robbery")
    assert same["period"] == "Same months, December 2021 to February 2022"
    assert grade["recent_period"] == "Dec 2021 to Feb 2022"
    assert same["offences"] == grade["recent"]
    assert same["per_month"] == pytest.approx(grade["recent_per_month"])
    assert table.iloc[0]["per_month"] == pytest.approx(grade["baseline_per_month"])
    assert same["p_value"] == pytest.approx(grade["p_value"])
    assert (same["verdict"], grade["change"]) in {
        ("significant decrease", "better"),
        ("significant increase", "worse"),
        ("no significant change", "no_significant_change"),
    }


@pytest.mark.slow
def test_with_a_real_extract_the_findings_use_it() -> None:
    """A real extract: the key findings count serious violence from it, with no tag.

    The extract's rows are the same as the synthetic one's, marked real (running the
    notebook on a real extract file recomputes the whole assessment, minutes; the
    findings depend on the extract only through these rows and its ``synthetic`` flag).
    """
    nd = needs.load(DataSources(), data_to="2022-10", cycle_file=str(CYCLE_FILE))
    real = dataclasses.replace(nd, synthetic=False)
    a = needs.assess(real, district="", period_months=12, baseline="2019-12..2020-02", threshold=10)
    # 8,893 offences in the 12 months: the board's figure, tested against the extract by
    # hand above.
    assert a.findings[0].startswith("8,893 serious violence offences were recorded")
    assert not any("synthetic" in f.lower() for f in a.findings)
    assert any("times the rate of those aged 25 and over" in f for f in a.findings)
    assert needs.SYNTHETIC_FINDING not in a.findings
    synthetic = needs.assess(
        nd, district="", period_months=12, baseline="2019-12..2020-02", threshold=10
    )
    assert synthetic.findings[1] == needs.SYNTHETIC_FINDING


def test_the_page_ledger_decides_what_the_tables_and_chart_withhold() -> None:
    # Baseline December to February: 26, 33 and 5 (= 64, 21.3 a month); data to February
    # 2021, latest 3 months 40, 41 and 42 (= 123), the page's serious violence total.
    months = pd.period_range("2019-12", "2021-02", freq="M")
    monthly = pd.Series([26, 33, 5] + [30] * 9 + [40, 41, 42], index=months, dtype=float)
    base = calc.Baseline(pd.Period("2019-12", "M"), pd.Period("2020-02", "M"))
    table = calc.baseline_comparison(monthly, base, data_to="2021-02", recent_months=3)
    # Four victims of unknown sex; no total of the row is printed (2,776 + 6,055 + 4 is
    # not the 123 offences), so Female and Male stay.
    sexes = pd.DataFrame(
        {"Female": [2776, 30], "Male": [6055, 58], "Unknown": [4, 35], "male_share": [68.6, 65.9]},
        index=["Victims", "Suspects"],
    )
    repeats = pd.DataFrame(
        {
            "period": ["p", "p"],
            "suspects": ["All ages", "Suspect under 25"],
            "with_suspect": [15, 12],
            "by_repeat": [0, 0],
            "share": [0.0, 0.0],
        }
    )
    flags = calc.flag_shares({"public": 118}, 123)
    led = calc.page_ledger(
        threshold=10,
        sv_total=123,
        trends_={"sv": (monthly, table)},
        windows=calc.comparison_windows(base, data_to="2021-02", recent_months=3),
        sexes=sexes,
        repeats=repeats,
        flags=flags,
        printed={calc.period_key("sv", 2): 123},
    )
    chart = needs.trend_chart(
        monthly, table, base, title="t", source="s", synthetic=True, ledger=led, series="sv"
    )
    assert chart.data["Offences"].tolist()[:4] == ["[c]", 33, "[c]", 30]  # 5, then 26
    shown = needs.comparison_display(table, threshold=10, ledger=led, series="sv")
    assert shown["Offences"].tolist() == [64, 123, 123]
    sex = needs.sexes_display(sexes, threshold=10, ledger=led).set_index("Who")
    assert sex.loc["Victims"].tolist() == [2776, 6055, "[c]", 68.6]
    # 15 - 12 = 3 suspects aged 25 and over: the under-25 row's count is withheld.
    rep = needs.repeats_display(repeats, threshold=10, ledger=led, shares=False)
    assert rep["Offences with a suspect"].tolist() == [15, "[c]"]
    assert "Share (%)" not in rep.columns
    # 123 - 118 = 5 offences not in a public place: the part is withheld, the whole stays.
    flag = needs.flags_display(flags, {"public": "Public place"}, threshold=10, ledger=led)
    assert flag["Offences"].tolist() == ["[c]"] and flag["All serious violence"].tolist() == [123]
    # When the baseline's total is withheld, so is its average line in the chart.
    led.withheld.add(calc.period_key("sv", 0))
    chart = needs.trend_chart(
        monthly, table, base, title="t", source="s", synthetic=True, ledger=led, series="sv"
    )
    avg = [c for c in chart.data.columns if c.startswith("Average")][0]
    assert chart.data[avg].isna().all()


def test_a_comparison_the_ledger_withholds_is_not_quoted() -> None:
    table = pd.DataFrame(
        {
            "period": ["Baseline", "Latest"],
            "months": [3, 12],
            "offences": [60.0, 240.0],
            "per_month": [20.0, 20.0],
            "change_pct": [float("nan"), 0.0],
            "verdict": ["", "no significant change"],
        }
    )
    base = calc.Baseline(pd.Period("2019-12", "M"), pd.Period("2020-02", "M"))
    said = needs.comparison_sentence("Robbery", table, base, tag="", threshold=10)
    assert "20 offences a month" in said and "baseline of 20 a month" in said
    led = Ledger(10)
    led.figure(calc.period_key("robbery", 0), 60)
    led.withheld.add(calc.period_key("robbery", 0))
    hidden = needs.comparison_sentence(
        "Robbery", table, base, tag="", threshold=10, ledger=led, series="robbery"
    )
    assert "too few offences" in hidden and "a month" not in hidden
