"""People briefing: officer numbers on the page equal the published tables; the synthetic
people return never reaches the key findings; the page renders in both cycles (slow)."""

from __future__ import annotations

import pytest

from conftest import REPO, check_page, render_only
from scrutiny.analysis import people as ap
from scrutiny.briefings import people as bp
from scrutiny.data import force_profiles
from scrutiny.data.workforce import load_workforce

CYCLES = [REPO / "params" / "cycles" / f"{c}.yaml" for c in ("2022-09", "2022-11")]
# the peer group the 2022-11 assessment uses (docs/peer-groups.md)
PEERS = [
    "Cheshire",
    "Staffordshire",
    "Nottinghamshire",
    "Cambridgeshire",
    "Lancashire",
    "Hertfordshire",
    "Northamptonshire",
]
# Officer FTE at 30 September 2019 read off police-workforce-sep19-tables.ods, sheet
# Table_1, column D (the cell's stored value), by hand.
SEP19_OFFICERS = {
    "Leicestershire": ("D24", 1803.26),
    "Cheshire": ("D12", 2009.65),
    "Staffordshire": ("D29", 1579.24),
    "Nottinghamshire": ("D27", 1924.65),
    "Cambridgeshire": ("D35", 1490.0),
    "Lancashire": ("D15", 2897.909),
    "Hertfordshire": ("D37", 2029.8),
    "Northamptonshire": ("D26", 1254.68),
}


@pytest.fixture(scope="module")
def report():
    wf = load_workforce()
    prof = force_profiles()
    per = {
        w: ap.workforce_per_1000(wf, prof, "Leicestershire Police", PEERS, worker_type=w)
        for w in ("officer", "staff", "pcso")
    }
    return bp.PeopleReport("Leicestershire Police", "2022-10", wf, prof, PEERS, "", per, None, None)


def test_force_table_shows_published_officer_cells(report):
    t = bp.force_table(report)
    off = t[t["Worker type"] == "police officers"].set_index("As at")
    # read off the published tables by hand: police-workforce-sep19-tables.ods, Table_1,
    # D24 (30 September 2019) and police-workforce-tabs-30sep15.ods, Table_1, B24
    assert round(off.loc["30 September 2019", "FTE"], 2) == 1803.26
    assert off.loc["30 September 2019", "Published in"] == (
        "police-workforce-sep19-tables.ods (Table_1!D24)"
    )
    assert round(off.loc["30 September 2014", "FTE"], 2) == 1985.24


def test_key_findings_come_from_published_figures_only(report):
    found = bp.key_findings(report)
    assert not any("SYNTHETIC" in f or "return" in f for f in found)
    # 1,985.24 at 30 September 2014 and 1,803.26 at 30 September 2019: a fall of 182
    assert any(
        "1,985 officers (FTE) at 30 September 2014 and 1,803 at 30 September 2019, "
        "a fall of 182" in f
        for f in found
    )


def test_peer_table_2019_equals_the_published_cells(report):
    t = bp.peer_table(report, "2019-09-30").set_index("Force")
    assert len(t) == 8
    for force, (_, fte) in SEP19_OFFICERS.items():
        assert t.loc[force, "Officers (FTE)"] == pytest.approx(fte, abs=1e-9), force


def test_peer_table_2025(report):
    t = bp.peer_table(report)
    assert t["Force"].iat[0] == "Leicestershire"
    # 2,248.14 officers (data/raw/home-office/officer-fte-2025-03-31.csv) over
    # 1,017,697 residents (2011 Census, the force's LSOAs)
    assert t["Officers per 1,000 residents"].iat[0] == pytest.approx(2248.14 / 1017697 * 1000)
    assert len(t) == 1 + len(PEERS)


def test_per_1000_chart_alt_text(report):
    ch = bp.per_1000_chart(report, "officer")
    assert ch.alt.startswith("Line chart of full-time equivalent police officers per 1,000")
    assert not ch.synthetic


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    return render_only("people", CYCLES, tmp_path_factory.mktemp("reports"), timeout=1500)


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("cycle", ["2022-09", "2022-11"])
def test_page_renders_and_passes_browser_and_axe(rendered, check_report, axe_violations, cycle):
    text = check_page(
        rendered[cycle],
        check_report,
        axe_violations,
        classification="OFFICIAL-SENSITIVE",
        images=4,
    )
    # the published officer FTE at 30 September 2019, and where it is in the tables
    assert "1,803.26" in text and "Table_1!D24" in text
    # the officer FTE of the force and its seven peers at 30 September 2019, as published
    for force, (_, fte) in SEP19_OFFICERS.items():
        assert f"{fte:,.2f}" in text, force
    assert "SYNTHETIC example" in text
    month = {"2022-09": "August 2022", "2022-11": "October 2022"}[cycle]
    assert f"board of {month}" in text
