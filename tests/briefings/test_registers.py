"""The registers briefing (scrutiny.briefings.registers), the plan delivery page's activity
section, and, end to end (slow), both cycles rendered with the browser and axe checks and
the public pages scanned for closed-session register entries; the November 2022 budget page
for 2023-24 with its caveat on the referendum limit."""

from __future__ import annotations

import html as html_mod
from datetime import date
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from conftest import REPO, report_problems, run_cli  # noqa: E402
from scrutiny.analysis import registers as reg  # noqa: E402
from scrutiny.analysis.board import load_cycle  # noqa: E402
from scrutiny.analysis.registers import Collaboration, Registers, Risk  # noqa: E402
from scrutiny.briefings import plan_delivery as pdl  # noqa: E402
from scrutiny.briefings import registers as rb  # noqa: E402

CYCLES = REPO / "params" / "cycles"


def _risk(id_, li, im):
    return Risk(
        id=id_,
        title=f"Risk {id_}",
        owner="CFO",
        likelihood=li,
        impact=im,
        controls="c",
        review_due=date(2023, 1, 1),
    )


def _collab(id_, cost, evidence=""):
    return Collaboration(
        id=id_,
        title=id_,
        partners=["p"],
        annual_cost=cost,
        benefits="b",
        evidence=evidence,
        owner="o",
        review_due=date(2023, 1, 1),
        status="active",
    )


def test_check_session_needs_official_sensitive_for_closed_entries():
    assert rb.check_session("all", "OFFICIAL-SENSITIVE") == "all"
    assert rb.check_session("open", "OFFICIAL") == "open"
    with pytest.raises(ValueError, match="must be 'OFFICIAL-SENSITIVE'"):
        rb.check_session("all", "OFFICIAL")
    with pytest.raises(ValueError, match="expected 'open' or 'all'"):
        rb.check_session("closed", "OFFICIAL-SENSITIVE")


def test_heat_map_alt_text_names_every_risk_by_level():
    risks = [_risk("R1", 4, 4), _risk("R2", 2, 3), _risk("R3", 1, 2)]
    alt = rb.heat_map_alt(risks)
    assert alt.startswith("Risk heat map: 3 risks placed on a 5 by 5 grid")
    assert "High: R1 (likelihood 4, impact 4, score 16)" in alt
    assert "Medium: R2 (likelihood 2, impact 3, score 6)" in alt
    assert "Low: R3 (likelihood 1, impact 2, score 2)" in alt
    chart = rb.heat_map(risks, illustrative=True)
    assert "(illustrative register)" in chart.caption
    assert chart.data["IDs"].tolist() == ["R1", "R2", "R3"]
    assert rb.heat_map_alt([]) == "Risk heat map: no risks on the register."


def test_collaboration_sentence_total_and_missing_evidence():
    regs = Registers(collaborations=[_collab("A", 6.1, "report"), _collab("B", 3.4)])
    # 6.1 + 3.4 = 9.5
    assert rb.collaboration_sentence(regs) == (
        "The 2 collaborations listed cost £9.50m a year in total. 1 gives no evidence yet "
        "for the benefits claimed: B."
    )
    assert rb.collaboration_sentence(Registers()) is None


def test_summary_and_findings_for_the_november_board():
    boards = rb.load(CYCLES / "2022-11.yaml", "2022-09", "all")
    flags = reg.flags(boards.registers, as_at=boards.cycle.meeting_date)
    risks = reg.risk_movement(boards.registers.risks)
    changes = reg.changes(boards.registers, boards.previous)
    summary = rb.summary_table(flags).set_index("Register")
    # Hand count from the cycle file: H-02 late (due 30 Sep), H-04 at risk; R-04 review
    # 16 Nov late, R-01 and R-02 high and rising; P-01 red, P-02 over budget; D-03, D-07
    # complete, D-04 late (31 Oct), D-05 at risk.
    assert summary.loc["HMICFRS recommendations and areas for improvement"].tolist() == [
        4,
        0,
        2,
        1,
        1,
    ]
    assert summary.loc["Corporate risk register"].tolist() == [5, 0, 2, 1, 2]
    assert summary.loc["Transformation and change projects"].tolist() == [3, 0, 1, 0, 2]
    assert summary.loc["Delivery plan activity"].tolist() == [7, 2, 3, 1, 1]
    findings = rb.key_findings(boards, flags, risks, changes)
    assert findings[0].startswith("Illustrative: the register entries on this page")
    assert findings[1] == (
        "21 register entries are not yet done: 3 late (past the date set) and 6 more at risk."
    )
    assert "Late: H-02, " in findings[2]
    assert any("cost £9.50m a year in total" in f for f in findings)
    assert any(
        "2 high (score 15 or more of 25) (R-02, R-01); since the last board 2 rose and 1 fell." in f
        for f in findings
    )
    table = rb.risk_table(boards.registers, flags)
    assert table[["ID", "Score", "Last board", "Movement"]].values.tolist() == [
        ["R-02", "20 (high)", "16", "Up 4"],
        ["R-01", "16 (high)", "12", "Up 4"],
        ["R-03", "10 (medium)", "15", "Down 5"],
        ["R-04", "9 (medium)", "9", "No change"],
        ["R-05", "9 (medium)", "new", "New"],
    ]
    projects = rb.project_table(boards.registers, flags).set_index("ID")
    assert projects.loc["P-02", "Against budget"] == "£0.10m over"  # 2.60 - 2.50


def test_the_first_board_has_no_previous_board():
    # The notebook's default previous_cycle is 2022-09: for 2022-09 itself it must not
    # compare the cycle with itself.
    boards = rb.load(CYCLES / "2022-09.yaml", "2022-09", "all")
    assert boards.previous is None and boards.previous_cycle is None
    assert rb.load(CYCLES / "2022-11.yaml", "", "all").previous is None


def test_agenda_note_names_the_items_that_list_the_briefing():
    # An agenda item lists the briefings that are its evidence (``briefings``), when the
    # cycle file's model has that key; duck-typed here.
    items = [
        SimpleNamespace(id="hmicfrs", title="HMICFRS PEEL areas", briefings=["registers"]),
        SimpleNamespace(id="tom", title="Target Operating Model", briefings=[]),
        SimpleNamespace(id="finance", title="MTFP"),  # no key at all
    ]
    cycle = SimpleNamespace(agenda=items)
    assert rb.agenda_note(cycle, "registers") == (
        "This briefing reports on the agenda item 'HMICFRS PEEL areas'."
    )
    assert rb.agenda_note(cycle, "budget") is None


def test_open_session_load_drops_closed_entries():
    boards = rb.load(CYCLES / "2022-11.yaml", "2022-09", "open")
    ids = {e.id for _, e in boards.registers.entries()}
    ids_before = {e.id for _, e in boards.previous.entries()}
    closed = {"H-02", "H-04", "R-03", "P-01", "P-03", "D-06"}
    assert not closed & (ids | ids_before)
    assert {"H-01", "R-01", "C-EMSOU", "P-02", "D-01"} <= ids


def test_plan_delivery_activity_is_open_session_only():
    activity = pdl.delivery_activity(str(CYCLES / "2022-11.yaml"))
    assert activity.closed == 1  # D-06
    assert "D-06" not in set(activity.flags["id"]) | set(activity.changes["id"])
    assert pdl.activity_sentence(activity, "vawg") == (
        "2 activities: none done, 2 on track, none late and none at risk."
    )
    assert pdl.activity_sentence(activity, "neighbourhood_crime") == (
        "1 activity: none done, none on track, 1 late and none at risk."
    )
    assert pdl.activity_sentence(activity, "drugs") == (
        "No open-session delivery plan activity is recorded for this theme."
    )
    table = pdl.activity_table(activity, "neighbourhood_crime")
    assert table["Progress"].tolist() == [
        '<strong class="flag">Late</strong>: overdue by 23 days (due 31 October 2022)'
    ]
    changed = pdl.activity_changes_table(activity)
    assert changed[["ID", "Change"]].values.tolist() == [
        ["D-03", "Status in progress to complete"],
        ["D-05", "Status in progress to at risk"],
        ["D-07", "Status in progress to complete"],
    ]
    intro = pdl.activity_intro(activity)
    assert intro.endswith("1 activity was taken in closed session and is not shown on this page.")


def test_theme_kpi_sentence_counts_grades():
    grades = pd.DataFrame(
        {"theme": ["A", "A", "A", "B"], "grade": ["good", "not graded", "good", "inadequate"]}
    )
    assert pdl.theme_kpi_sentence(grades, "A") == (
        "KPI evidence (3 KPIs, graded above): 2 good, 1 not graded."
    )
    assert pdl.theme_kpi_sentence(grades, "C") == "No KPI evidence is graded for this theme."


# --------------------------------------------------------------------------- end to end


def _closed_register_texts(cycle: str) -> list[str]:
    c = load_cycle(CYCLES / f"{cycle}.yaml")
    out = []
    for key, e in c.registers.entries():
        if e.session == "closed":
            out += [e.id, reg.title_of(key, e)]
    return out


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    runs = {}
    for cycle, only in (
        ("2022-11", ["registers", "plan_delivery", "panel_summary_public", "budget_mtfp_2023_24"]),
        ("2022-09", ["registers"]),
    ):
        args = [a for name in only for a in ("--only", name)]
        proc = run_cli(
            "run",
            CYCLES / f"{cycle}.yaml",
            "--reports-dir",
            out,
            "--jobs",
            "2",
            *args,
            timeout=1800,
        )
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        runs[cycle] = out / cycle
    return runs


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("cycle", ["2022-09", "2022-11"])
def test_registers_page_in_browser(rendered, check_report, axe_violations, cycle):
    path = rendered[cycle] / "registers.html"
    facts = check_report(path)
    assert not report_problems(facts, classification="OFFICIAL-SENSITIVE")
    assert not axe_violations(path)
    assert len(facts["images"]) == 1 and facts["images"][0]["alt"].startswith("Risk heat map")
    levels = [h[0] for h in facts["headings"]]
    assert levels[0] == 1 and levels.count(1) == 1
    text = html_mod.unescape(path.read_text(encoding="utf-8"))
    assert "Illustrative registers" in text
    # The restricted page carries the closed entries: the public scan below can fail.
    for t in _closed_register_texts(cycle):
        assert t in text, t
    if cycle == "2022-11":
        assert "Changes since the board of 21 September 2022" in text
        assert "Score 12 to 16" in text
    else:
        assert "There is no previous cycle file to compare with." in text


@pytest.mark.slow
def test_public_pages_hold_no_closed_register_entry(rendered):
    closed = _closed_register_texts("2022-11") + _closed_register_texts("2022-09")
    assert closed
    for name in ("plan_delivery", "panel_summary_public"):
        page = html_mod.unescape((rendered["2022-11"] / f"{name}.html").read_text("utf-8"))
        for t in closed:
            assert t not in page, (name, t)
    plan_page = html_mod.unescape((rendered["2022-11"] / "plan_delivery.html").read_text("utf-8"))
    assert "Attend every home burglary and record the attendance" in plan_page  # open: shown
    assert "Illustrative activity" in plan_page


@pytest.mark.slow
@pytest.mark.browser
def test_budget_2023_24_page(rendered, check_report, axe_violations):
    path = rendered["2022-11"] / "budget_mtfp_2023_24.html"
    assert not report_problems(check_report(path), classification="OFFICIAL")
    assert not axe_violations(path)
    text = html_mod.unescape(path.read_text(encoding="utf-8"))
    # The limit and its date, and that the board met before it
    assert "The board met on 23 November 2022, before the 2023-24 referendum limit" in text
    assert "provisional police funding settlement of 14 December 2022" in text
    assert "Within referendum limit" in text and "£273.23" in text  # 258.23 + 15
    assert "No option is decided yet" in text
    assert "hansard.parliament.uk" in text  # the citation, in the assumptions table


def test_progress_cell_writes_the_flag_out():
    assert rb.progress_html("on track", "") == "On track"
    cell = rb.progress_html("late", "overdue by 7 days (due 16 November 2022)")
    assert cell.startswith('<span class="flag"') and ">Late</span>: overdue by 7 days" in cell
    assert "&lt;" in rb.progress_html("at risk", "<b>")  # the flag text is escaped
