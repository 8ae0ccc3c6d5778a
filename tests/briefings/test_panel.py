"""Panel "Corporate Governance Board update" (scrutiny.briefings.panel): public v. restricted."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from conftest import execute_notebook
from scrutiny.analysis import assessment
from scrutiny.analysis.assessment import Assessment, KpiResult
from scrutiny.analysis.board import AgendaItem, Cycle, load_cycle
from scrutiny.analysis.kpis import Kpi
from scrutiny.analysis.method import Method
from scrutiny.briefings import panel
from scrutiny.data import DataQuality, DataSources
from scrutiny.present.tables import table_html

REPO = Path(__file__).resolve().parents[2]


def _item(id_: str, session: str, kpis: list[str] | None = None) -> dict[str, object]:
    return {
        "id": id_,
        "title": f"Title of {id_}",
        "session": session,
        "theme": "Theme",
        "request": f"Request about {id_}",
        "response": f"Response about {id_}",
        "outcome": f"Outcome about {id_}",
        "kpis": kpis or [],
    }


def _action(id_: str, item: str, due: str, status: str, session: str = "open") -> dict:
    return {
        "id": id_,
        "raised_at": "2022-09",
        "item": item,
        "description": f"Do {id_}",
        "owner": "ACC Crime",
        "due": due,
        "status": status,
        "update": "",
        "session": session,
    }


CYCLE = Cycle.model_validate(
    {
        "cycle": "2022-11",
        "title": "Toy board",
        "meeting_date": "2022-11-23",
        "data_to": "2022-10",
        "agenda": [_item("rape", "open", ["toy"]), _item("secret", "closed", ["other"])],
        "actions": [
            _action("A-1", "rape", "2022-11-01", "in progress"),  # 22 days overdue
            _action("A-2", "rape", "2022-11-01", "complete"),  # late but complete
            _action("A-3", "rape", "2022-11-23", "open"),  # due on the day: not overdue
            _action("A-4", "secret", "2022-10-01", "open", session="closed"),
        ],
    }
)


def test_public_selection_drops_closed_items_and_actions() -> None:
    s = panel.select(CYCLE, "open")
    assert [i.id for i in s.agenda] == ["rape"]
    assert [a.id for a in s.actions] == ["A-1", "A-2", "A-3"]
    assert panel.kpi_ids(s) == ["toy"]  # the closed item's KPI is never loaded
    assert s.closed_note is not None and "1 agenda item and 1 action were" in s.closed_note
    assert "secret" not in s.closed_note
    everything = panel.select(CYCLE, "all")
    assert [i.id for i in everything.agenda] == ["rape", "secret"]
    assert everything.closed_note is None


def test_earlier_closed_items_are_not_named_in_public() -> None:
    earlier = Cycle.model_validate(
        {
            "cycle": "2022-09",
            "title": "Earlier",
            "meeting_date": "2022-09-21",
            "data_to": "2022-08",
            "agenda": [_item("old_secret", "closed"), _item("old_open", "open")],
        }
    )
    public = panel.item_titles(panel.select(CYCLE, "open"), [earlier])
    assert public["old_secret"] == panel.CLOSED_ITEM
    assert public["old_open"] == "Title of old_open"
    assert "secret" not in public  # this cycle's closed item is not even listed
    restricted = panel.item_titles(panel.select(CYCLE, "all"), [earlier])
    assert restricted["old_secret"] == "Title of old_secret"


def test_overdue_actions_are_marked_in_words_first() -> None:
    table = panel.action_table(
        panel.select(CYCLE, "open"), {"rape": "Rape performance"}, as_at=date(2022, 11, 23)
    )
    assert table["ID"].tolist()[0] == "A-1"  # overdue first
    status = dict(zip(table["ID"], table["Status"], strict=True))
    # Due 1 November, board 23 November: 22 days.
    assert ">Overdue by 22 days</span> (in progress)" in status["A-1"]
    assert status["A-2"] == "Complete"
    assert status["A-3"] == "Open"
    assert table.loc[0, "Item"] == "Rape performance"
    html = table_html(table, raw_html_columns=("Status",))
    assert html.count('class="overdue"') == 1


# -------------------------------------------------------------------------- KPI evidence
# Lines are built from a hand-made assessment (assessment.analyse_series on hand-made
# series): the panel takes its verdicts and sentences from it, never computes its own.


def _series(counts: list[int], *, start: str = "2021-11", synthetic: bool = False) -> pd.DataFrame:
    """A kpi_series-shaped frame of monthly counts (population 1,000,000)."""
    months = pd.date_range(f"{start}-01", periods=len(counts), freq="MS")
    return pd.DataFrame(
        {
            "month": months,
            "count": counts,
            "population": 1_000_000,
            "rate_per_1000": [c / 1000 for c in counts],
            "denominator": 1_000_000.0,
            "rate": [c / 1000 for c in counts],
            "missing": False,
            "synthetic": synthetic,
        }
    )


TOY = Kpi(
    id="toy",
    name="Homicide",
    description="d",
    definition={"offence_codes": ["1/4.1/4.10/4.2"]},
    direction="decrease",
)
ROBBERY = Kpi(
    id="robbery",
    name="Robbery",
    description="d",
    definition={"police_uk_categories": ["Robbery"]},
    direction="decrease",
)


def _result(kpi: Kpi, series: pd.DataFrame, rebase: str | None = None) -> KpiResult:
    return assessment.analyse_series(
        kpi, series, area="Force", is_force=True, end="2022-10", rebase=rebase
    )


def _report(results: list[KpiResult], *, start: str = "2020-11") -> Assessment:
    return Assessment(
        sources=DataSources(force="Force"),
        data_to="2022-10",
        start=start,
        rebase="2021-08",
        method=Method(),
        registry={r.kpi.id: r.kpi for r in results},
        districts=[],
        results={(r.kpi.id, "Force"): r for r in results},
        peers=None,
        peer_note="no other force",
        crimes_quality=DataQuality(),
        extract_quality=DataQuality(),
    )


# 2020-11 to 2022-10: nine months at 100, then fifteen alternating 155 and 145 from August
# 2021 (the rebase month), ending on 155.
STEP = [100] * 9 + [155, 145] * 7 + [155]


def test_a_line_is_the_assessments_reading_not_one_of_its_own() -> None:
    # Limits from August 2021 (as the cycle's method sets them): mean (8 x 155 + 7 x 145)
    # / 15 = 2,255/15 = 150.3; every moving range is 10, so the limits are 150.3 +/- 26.6
    # = 123.7 to 176.9. October's 155 is inside; the points alternate about the mean (no
    # run), and there is no trend: common cause.
    rebased = _result(ROBBERY, _series(STEP, start="2020-11"), rebase="2021-08")
    line = panel.kpi_line(rebased, threshold=10)
    assert line.variation == "common_cause" and not line.withheld and line.count == 155
    assert line.month == pd.Timestamp("2022-10-01")
    assert line.sentence == rebased.spc_sentence()
    assert line.sentence.startswith("Robbery for Force shows common-cause variation: ")
    assert "155 offences in October 2022" in line.sentence
    # One set of limits over all 24 months instead: mean (900 + 2,255)/24 = 131.5 and the
    # last 15 points are all above it, a run: special-cause concern. The panel prints
    # whatever the assessment it is given says; it has no reading of its own.
    whole = _result(ROBBERY, _series(STEP, start="2020-11"))
    assert panel.kpi_line(whole, threshold=10).variation == "concern_high"
    report = _report([rebased])
    lines = panel.lines_for(report, ["robbery"], threshold=10, cycle_file="c.yaml")
    assert lines["robbery"].sentence == report.result("robbery").spc_sentence()


def test_a_small_latest_count_is_withheld_from_table_and_sentence() -> None:
    # Nov 2021 to Oct 2022: 145 in all, mean 12.08 a month (enough to judge); moving ranges
    # 1,2,1,2,2,1,2,1,2,1,5 (mean 20/11 = 1.82); limits 12.08 +/- 4.84 = 7.25 to 16.92:
    # October's 8 is inside; no run of 7, no trend, and only one point beyond two sigma
    # (8.86): common cause.
    counts = [12, 13, 11, 12, 14, 12, 11, 13, 12, 14, 13, 8]
    r = _result(TOY, _series(counts, synthetic=True))
    line = panel.kpi_line(r, threshold=10)
    assert line.withheld and line.count == 8 and line.synthetic
    assert line.variation == "common_cause"
    assert line.sentence == (
        "Homicide for Force shows common-cause variation: the latest month is within the "
        "range expected from past variation, with no sign of a real change; the count for "
        "October 2022 is below 10 and is not shown."
    )
    table = panel.kpi_table([line])
    assert table.loc[0, "Count in month"] == "[c]" and "Share" not in table.columns
    assert table.loc[0, "KPI"] == "Homicide (synthetic)" and table.loc[0, "Data"] == "Synthetic"
    assert table.loc[0, "In words"] == f"{line.sentence} {panel.SYNTHETIC_WORDS}"
    html = table_html(table, raw_html_columns=("Variation",), count_columns=("Count in month",))
    assert '<td class="count">[c]</td>' in html
    # Restricted version (no threshold): the count is shown, in the assessment's words.
    open_line = panel.kpi_line(r, threshold=None)
    assert not open_line.withheld and open_line.sentence == r.spc_sentence()
    assert "8 offences in October 2022" in open_line.sentence


def test_too_few_to_judge_keeps_its_average_only_when_it_gives_nothing_away() -> None:
    # 64 in 12 months, about 5.3 a month: below the 10 a month the assessment judges.
    r = _result(TOY, _series([5, 6, 4, 7, 5, 6, 5, 4, 6, 5, 7, 4]))
    line = panel.kpi_line(r, threshold=10)
    assert line.variation == "too_few" and line.withheld and line.count == 4
    assert line.sentence == (
        "Homicide for Force: about 5.3 offences a month on average, too few to judge whether "
        "anything has changed (the assessment judges 10 or more a month); the count for "
        "October 2022 is below 10 and is not shown."
    )
    # 5 in 12 months: "about 0.4 a month" over the 12 would give the 5 away, so it goes.
    rare = _result(TOY, _series([1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1]))
    assert "about 0.4 offences a month on average" in rare.spc_sentence()
    assert panel.kpi_line(rare, threshold=10).sentence == (
        "Homicide for Force: too few to judge whether anything has changed (the assessment "
        "judges 10 or more a month); the count for October 2022 is below 10 and is not shown."
    )
    assert panel.kpi_line(rare, threshold=None).sentence == rare.spc_sentence()
    selection = panel.select(CYCLE, "open")
    actions = panel.action_table(selection, {}, as_at=date(2022, 11, 23))
    found = panel.key_findings(CYCLE, selection, {"toy": line}, actions)
    assert "Too few counted a month to judge whether anything has changed: Homicide." in found
    assert not any("Every KPI" in f or "special-cause" in f for f in found)


def test_a_small_baseline_count_is_left_out_of_the_public_sentence() -> None:
    # 2020-11 to 2022-10 at 40 a month, except October 2021 at 3: the sentence compares
    # October 2022 (40) with October 2021 and would quote the 3.
    counts = [40] * 11 + [3] + [40] * 12
    r = _result(ROBBERY, _series(counts, start="2020-11"))
    assert "40 offences in October 2022" in r.spc_sentence()
    assert "against 3 in Oct 2021" in r.spc_sentence()
    public = panel.kpi_line(r, threshold=10)
    assert not public.withheld and public.count == 40
    assert public.sentence == r.spc_sentence(baseline=False)
    assert public.sentence.endswith("; 40 offences in October 2022.")
    assert " 3 " not in public.sentence
    assert panel.kpi_line(r, threshold=None).sentence == r.spc_sentence()


def test_an_agenda_kpi_not_in_the_registry_is_an_error() -> None:
    report = _report([_result(ROBBERY, _series(STEP, start="2020-11"), rebase="2021-08")])
    with pytest.raises(ValueError, match=r"c\.yaml: agenda KPI\(s\) nope are not in the KPI"):
        panel.lines_for(report, ["robbery", "nope"], threshold=10, cycle_file="c.yaml")


def test_synthetic_kpis_are_never_findings() -> None:
    # Both series are the step without a rebase (special-cause concern, see above); the
    # one counted in the synthetic extract is named as illustrative, not as a finding.
    real = _result(ROBBERY, _series(STEP, start="2020-11"))
    fake = _result(TOY, _series(STEP, start="2020-11", synthetic=True))
    lines = {"robbery": panel.kpi_line(real), "toy": panel.kpi_line(fake)}
    selection = panel.select(CYCLE, "open")
    actions = panel.action_table(selection, {}, as_at=date(2022, 11, 23))
    found = panel.key_findings(CYCLE, selection, lines, actions)
    assert "KPI evidence showing special-cause concern: Robbery." in found
    assert "Counted in the synthetic extract, so illustrative and not a finding: Homicide." in found
    assert not any("Homicide" in f and "special-cause" in f for f in found)
    only_fake = panel.key_findings(CYCLE, selection, {"toy": lines["toy"]}, actions)
    assert not any("special-cause" in f or "Every KPI" in f for f in only_fake)


def test_spc_note_names_the_cycles_limits() -> None:
    r = _result(ROBBERY, _series(STEP, start="2020-11"), rebase="2021-08")
    report = _report([r])
    lines = {"robbery": panel.kpi_line(r)}
    assert panel.spc_note(report, lines) == (
        "The SPC readings are those of the cycle's assessment, the same on every page of this "
        "cycle: each chart covers November 2020 to October 2022, and the mean and process "
        "limits are calculated from August 2021, so earlier months do not set them."
    )
    whole = _result(ROBBERY, _series(STEP, start="2020-11"))
    assert panel.spc_note(report, {"robbery": panel.kpi_line(whole)}).endswith(
        "with one mean and one set of process limits over the whole period."
    )
    assert panel.spc_note(report, {}) is None


def test_all_sessions_need_official_sensitive() -> None:
    assert panel.check_session("open", "OFFICIAL") == "open"
    assert panel.check_session("all", "OFFICIAL-SENSITIVE") == "all"
    with pytest.raises(ValueError, match="must be 'OFFICIAL-SENSITIVE'"):
        panel.check_session("all", "OFFICIAL")
    with pytest.raises(ValueError, match="parameter 'session'"):
        panel.check_session("closed", "OFFICIAL")


def _run(tmp_path: Path, **parameters: object) -> str:
    return execute_notebook(REPO / "notebooks" / "panel_summary.ipynb", tmp_path, **parameters)[1]


@pytest.mark.slow
def test_public_notebook_with_defaults_has_no_closed_item_and_no_small_count(
    tmp_path: Path,
) -> None:
    html = _run(tmp_path)  # defaults: session "open", the 2022-11 cycle
    cycle = load_cycle(REPO / "params" / "cycles" / "2022-11.yaml")
    closed = [i for i in cycle.agenda if i.session == "closed"]
    assert closed, "the default cycle should have closed items for this test to mean much"
    for item in closed:
        for text in (item.title, item.request, item.response, item.outcome):
            assert text not in html
    for action in cycle.actions:
        if action.session == "closed":
            assert action.id not in html and action.description not in html
    cells = re.findall(r'<t[dh] class="[^"]*\bcount\b[^"]*">(.*?)</t[dh]>', html)
    assert cells, "the KPI tables should mark their count cells"
    for cell in cells:
        assert cell in ("[c]", "0") or int(cell.replace(",", "")) >= 10, cell
    assert "Overdue by" in html and html.count("<h1>") == 1


@pytest.mark.slow
def test_restricted_notebook_shows_closed_items(tmp_path: Path) -> None:
    html = _run(tmp_path, session="all", classification="OFFICIAL-SENSITIVE")
    assert "Target Operating Model benefits realisation (closed session)" in html


# ------------------------------------------------------------------ questions (issue 14)


def test_the_restricted_paper_carries_the_questions_and_the_public_one_does_not() -> None:
    # One set of limits over all 24 months (no rebase): mean 131.5 and the last 15 points
    # above it, a run: special-cause concern, higher (as in the test above).
    step = _result(ROBBERY, _series(STEP, start="2020-11"))
    report = _report([step])
    item = AgendaItem.model_validate(_item("robbery", "open", ["robbery"]))
    assert panel.item_questions(report, item, "open") is None
    asked = panel.item_questions(report, item, "all")
    assert asked is not None
    assert asked.iloc[0]["Question"] == (
        "What has driven the rise in robbery for Force, and what specifically is being done "
        "about it?"
    )
    # The same function as the performance exceptions: the same words.
    from scrutiny.analysis import questions

    pd.testing.assert_frame_equal(asked, questions.for_kpi(step))
    # An item without a KPI gets an empty frame, not a row saying "none".
    bare = AgendaItem.model_validate(_item("estates", "open"))
    assert panel.item_questions(report, bare, "all").empty
