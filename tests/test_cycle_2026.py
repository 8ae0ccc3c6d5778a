"""The 2026-01 cycle: every briefing the 2025 police.uk data support, each saying what it cannot.

The force's own series is the 12 months of 2025 street files held
(``data/raw/police-uk/national-2025``). One run of ``scrutiny run params/cycles/2026-01.yaml``
through the real CLI (module fixture) is shared by the slow tests: every briefing succeeds,
every SPC verdict is followed by the words "trial limits", the 12-month change says only 12
months are held, no page quotes a month after 2025-12 (the meeting's own date and the
deep dive's labelled forecast aside), and the pages pass the browser and axe checks.
The pure tests at the top check the assessment's new rules on hand-made series.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from conftest import REPO, hand_kpi, hand_series, report_problems, run_cli
from scrutiny.analysis import assessment, plan
from scrutiny.analysis.method import Method

CYCLE_FILE = REPO / "params" / "cycles" / "2026-01.yaml"
CYCLE = yaml.safe_load(CYCLE_FILE.read_text(encoding="utf-8"))
BRIEFINGS = {b["name"]: b for b in CYCLE["briefings"]}

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
SHORT = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
#: A month written any way the pages write one, in 2026 or later.
LATER_MONTH = re.compile(
    rf"\b(?:(?:{MONTHS}|{SHORT}) 20(?:2[6-9]|[3-9]\d)|20(?:2[6-9]|[3-9]\d)-[01]\d)\b"
)
#: The head of narrative.spc_sentence: "<KPI> shows common-cause variation: ...".
SPC_VERDICT = re.compile(
    r"shows (?:common-cause variation|special-cause (?:concern|improvement|variation)):"
)


# -- pure: the assessment on 12 hand-made months ---------------------------------------

COUNTS = [30, 34, 29, 31, 35, 28, 33, 30, 32, 29, 31, 30]  # 12 months of 2025


def _result(method: Method) -> assessment.KpiResult:
    series = hand_series(COUNTS, start="2025-01")
    return assessment.analyse_series(
        hand_kpi(), series, area="Testshire", is_force=True, end="2025-12", method=method
    )


def test_twelve_months_are_trial_limits_when_the_method_asks_for_20() -> None:
    settled = _result(Method(spc_rebase=None))
    trial = _result(Method(spc_rebase=None, settled_limits_points=20))
    assert not settled.summary.trial_limits  # 12 points = spc.MIN_POINTS: settled
    assert trial.summary.trial_limits
    assert "trial limits" not in settled.spc_sentence()
    assert trial.spc_sentence().endswith(
        "The limits are trial limits: they rest on 12 months, too few to settle them."
    )
    method = Method(settled_limits_points=20)
    note = assessment.trial_limits_note({("burglary", "Testshire"): trial}, method)
    assert note is not None and "1 of the 1 SPC charts" in note and "fewer than 20" in note
    assert assessment.trial_limits_note({("burglary", "Testshire"): settled}, Method()) is None


def test_twelve_months_give_no_12_month_change() -> None:
    r = _result(Method(spc_rebase=None, settled_limits_points=20))
    rolling = r.baselines.set_index("baseline").loc["Previous 12 months"]
    assert rolling["verdict"] == "not available"
    assert rolling["note"] == "only 12 months held, January 2025 to December 2025"
    assert r.baseline_text("rolling_12") == (
        "Not available (only 12 months held, January 2025 to December 2025)"
    )


def test_plan_baseline_before_the_data_is_not_graded() -> None:
    r = _result(Method(spc_rebase=None))
    before = plan.Period(start="2019-12", end="2020-02", label="December 2019 to February 2020")
    inside = plan.Period(start="2025-01", end="2025-03", label="January to March 2025")
    why = assessment.baseline_not_held(r, before)
    assert why == (
        "the plan's baseline, December 2019 to February 2020, is before the data held "
        "(January 2025 to December 2025), so the change the grade rests on cannot be measured"
    )
    assert assessment.baseline_not_held(r, inside) is None


# -- slow: one render of the cycle -------------------------------------------------------


@pytest.fixture(scope="module")
def run_2026(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    out = tmp_path_factory.mktemp("reports")
    proc = run_cli("run", CYCLE_FILE, "--reports-dir", out, "--jobs", "2", timeout=1800)
    return proc, out / CYCLE["cycle"]


def _text(page: str) -> str:
    """The visible words of an HTML fragment, one space between them."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def _body(path: Path) -> str:
    """A page's findings: without the header (cycle title, meeting date), the provenance
    section ("About this report": run times) and the deep dive's labelled forecast."""
    page = path.read_text(encoding="utf-8")
    main = re.search(r"<main\b.*?</main>", page, flags=re.S)
    page = main.group(0) if main else page
    page = re.split(r"<h2[^>]*>\s*About this report", page)[0]
    page = re.sub(r"<h3[^>]*>\s*Forecast\s*</h3>.*?(?=<h[23])", " ", page, flags=re.S)
    meeting = pd.Timestamp(CYCLE["meeting_date"])
    return _text(page).replace(f"{meeting.day} {meeting:%B %Y}", "the meeting date")


@pytest.mark.slow
def test_every_briefing_renders(run_2026) -> None:
    proc, folder = run_2026
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["briefings"]) == set(BRIEFINGS)
    assert {"performance_exceptions", "plan_delivery", "data_quality"} <= set(BRIEFINGS)
    for name, entry in manifest["briefings"].items():
        assert entry["status"] == "ok", (name, entry.get("error"))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BRIEFINGS))
def test_spc_verdicts_say_trial_limits_and_no_later_month(run_2026, name) -> None:
    _, folder = run_2026
    text = _body(folder / f"{name}.html")
    later = sorted(set(LATER_MONTH.findall(text)))
    assert not later, f"{name} quotes months after 2025-12: {later}"
    verdicts = [m.start() for m in SPC_VERDICT.finditer(text)]
    icons = "-cause variation" in text
    if verdicts or icons:
        assert "trial limits" in text.lower(), name
    # Every SPC sentence is followed by the trial-limits sentence, before the next verdict.
    for start, end in zip(verdicts, [*verdicts[1:], len(text)], strict=False):
        assert "The limits are trial limits" in text[start:end], (name, text[start : start + 300])


@pytest.mark.slow
def test_pages_say_what_the_2025_data_cannot_support(run_2026) -> None:
    _, folder = run_2026
    perf = _body(folder / "performance_exceptions.html")
    assert "Not available (only 12 months held, January 2025 to December 2025)" in perf
    assert "Trial limits:" in perf  # the assessment's note, shown on the page
    assert "synthetic" in perf.lower()  # force-extract KPIs stay labelled synthetic
    plan_page = _body(folder / "plan_delivery.html")
    assert "0 of the 20 KPIs under the Plan's themes are graded" in plan_page
    assert "is before the data held (January 2025 to December 2025)" in plan_page
    grades = pd.read_csv(folder / "assessment" / "grades.csv")
    assert set(grades["grade"]) == {"not graded"}
    dq = _body(folder / "data_quality.html")
    assert "rows placed by LSOA name 15,076" in dq
    dive = _body(folder / "deep_dive_vawg.html")
    # outcomes only of crimes recorded in months held (January 2025 on), never 2024
    assert "recorded in January 2025 to May 2025" in dive
    assert "June 2024" not in dive


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("name", [*sorted(BRIEFINGS), "index"])
def test_page_in_browser(run_2026, check_report, axe_violations, name) -> None:
    _, folder = run_2026
    path = folder / f"{name}.html"
    expected = BRIEFINGS[name]["classification"] if name in BRIEFINGS else None
    assert not report_problems(check_report(path), classification=expected)
    assert not axe_violations(path)
