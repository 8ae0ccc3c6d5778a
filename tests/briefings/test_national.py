"""The national benchmarking briefing (scrutiny.briefings.national) and its 2026-01 cycle.

Expected values: Leicestershire's 2025 counts are summed here from the published counts
file with the csv module; its 2011 population is the published 2011 Census figures for
Leicester (329,839), Leicestershire county (650,489) and Rutland (37,369), 1,017,697.
"""

from __future__ import annotations

import csv
import gzip
import shutil
from pathlib import Path

import pytest

from conftest import REPO, report_problems, run_cli
from scrutiny.briefings import national as nb
from scrutiny.data import DataSources
from scrutiny.data.geography import load_district_lookup
from scrutiny.errors import DataError

COUNTS = (
    REPO / "data/raw/police-uk/national-2025-counts/monthly-counts-by-force-crime-type-2025.csv"
)
STREET = REPO / "data/raw/police-uk/national-2025"
CYCLE = REPO / "params/cycles/2026-01.yaml"
LEICS_2011 = 329_839 + 650_489 + 37_369


def _published(
    force_slug: str, types: set[str] | None = None, months: set[str] | None = None
) -> int:
    with open(COUNTS, newline="", encoding="utf-8") as fh:
        return sum(
            int(r["count"])
            for r in csv.DictReader(fh)
            if r["file_force"] == force_slug
            and (types is None or r["crime_type"] in types)
            and (months is None or r["month"] in months)
        )


@pytest.fixture(scope="module")
def report() -> nb.NationalReport:
    return nb.collect(DataSources(), data_to="2025-12", counts=str(COUNTS), street=str(STREET))


def _kpi(r: nb.NationalReport, kpi_id: str):
    return next(k for k in r.bench.kpis if k.kpi_id == kpi_id)


def test_force_rate_from_published_counts_and_census(report: nb.NationalReport) -> None:
    burglary = _kpi(report, "burglary")
    row = burglary.force_row("Leicestershire")
    want = _published("leicestershire", {"Burglary"})
    assert row["count"] == want
    assert row["population"] == LEICS_2011
    assert row["rate"] == pytest.approx(want / LEICS_2011 * 1000)
    asb = "Anti-social behaviour"
    with open(COUNTS, newline="", encoding="utf-8") as fh:
        types = {r["crime_type"] for r in csv.DictReader(fh)} - {asb}
    assert _kpi(report, "all_crime").force_row("Leicestershire")["count"] == _published(
        "leicestershire", types
    )


def test_forces_left_out_with_reasons(report: nb.NationalReport) -> None:
    left = dict(zip(report.bench.left_out["force"], report.bench.left_out["reason"], strict=True))
    assert "England only" in left["Dyfed-Powys Police"]
    assert "railways" in left["British Transport Police"]
    assert "daytime population" in left["City of London Police"]
    assert "July 2025" in left["Thames Valley Police"]  # 11 months, not annualised
    assert "6 of the 12 months" in left["Avon and Somerset Constabulary"]
    compared = set(_kpi(report, "burglary").table.index)
    assert not compared & {"City of London", "Thames Valley", "Avon and Somerset"}
    # The table's peers without a rate say why
    t = nb.peers_table(report)
    tv = t.loc[t["Force"] == "Thames Valley", "In the rates"].iloc[0]
    assert tv.startswith("No: 11 of the 12 months")


def test_summary_and_findings_say_what_is_not_held(report: nb.NationalReport) -> None:
    s = nb.summary_table(report)
    assert len(s) == len(report.bench.kpis) == 12
    assert set(s["Change on previous 12 months"]) == {"Not held"}
    findings = " ".join(nb.key_findings(report))
    assert "no change on the previous 12 months" in findings
    assert "simple mean" in findings and "2011 Census" in findings


def test_districts_from_lsoa_names_add_up_to_the_force_total(report: nb.NationalReport) -> None:
    d = report.districts
    assert d is not None
    total = int(d["Crimes"].sum() + d["Anti-social behaviour"].sum())
    assert total == _published("leicestershire")
    names = set(d["District"])
    assert {"Leicester", "Charnwood", "Rutland", "Outside the force area"} <= names
    checks = set(nb.quality_table(report)["Check"])
    assert "district taken from the LSOA name" in checks


def test_no_data_after_data_to(tmp_path: Path) -> None:
    counts = tmp_path / "monthly-counts-by-force-crime-type-2025.csv"
    shutil.copy(COUNTS, counts)
    with open(counts, "a", encoding="utf-8") as fh:
        fh.write("2026-01,leicestershire,Leicestershire Police,Burglary,99999\n")
    r = nb.collect(DataSources(), data_to="2025-12", counts=str(counts))
    assert _kpi(r, "burglary").force_row("Leicestershire")["count"] == _published(
        "leicestershire", {"Burglary"}
    )
    assert ("counts for months after data_to (2025-12)", 99999) in r.quality.exclusions.items()
    # data_to mid-year: the 12 months to June 2025 hold 6 months; no force is annualised
    r6 = nb.collect(DataSources(), data_to="2025-06", counts=str(COUNTS))
    assert r6.bench.kpis == [] or _kpi(r6, "burglary").force_row("Leicestershire") is None
    left = dict(zip(r6.bench.left_out["force"], r6.bench.left_out["reason"], strict=True))
    assert left["Leicestershire Police"].startswith("6 of the 12 months")


def test_welsh_force_never_stops_the_run() -> None:
    r = nb.collect(DataSources(force="Dyfed-Powys Police"), data_to="2025-12", counts=str(COUNTS))
    findings = nb.key_findings(r)
    assert "England only" in findings[0]
    assert r.bench.group is None


def test_configured_peers_win_and_weighted_average() -> None:
    r = nb.collect(
        DataSources(),
        data_to="2025-12",
        counts=str(COUNTS),
        peer_list=["Nottinghamshire", "Derbyshire"],
        peer_average="weighted",
    )
    k = _kpi(r, "burglary")
    assert r.bench.group.peers == ["Nottinghamshire", "Derbyshire"]
    forces = {"leicestershire", "nottinghamshire", "derbyshire"}
    total = sum(_published(f, {"Burglary"}) for f in forces)
    pop = k.table.loc[["Leicestershire", "Nottinghamshire", "Derbyshire"], "population"].sum()
    assert k.peer_average == pytest.approx(total / pop * 1000)
    assert "named in the force's parameters" in " ".join(nb.key_findings(r))


def test_funnel_chart_has_alt_text_and_data(report: nb.NationalReport) -> None:
    chart = nb.funnel_chart(report, _kpi(report, "burglary"))
    assert "Leicestershire is at" in chart.alt and "over-dispersion" in chart.alt
    assert len(chart.data) == len(_kpi(report, "burglary").table)


@pytest.mark.slow
def test_2026_01_cycle_renders_and_passes_browser_checks(
    tmp_path: Path, check_report, axe_violations
) -> None:
    proc = run_cli("run", CYCLE, "--reports-dir", tmp_path, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    page = tmp_path / "2026-01" / "national_benchmarking.html"
    facts = check_report(page)
    assert report_problems(facts, classification="OFFICIAL") == []
    assert axe_violations(page) == []
    html = page.read_text(encoding="utf-8")
    assert "January 2025 to December 2025" in html
    assert "Who the peers are and why" in html


def test_says_the_force_series_is_too_short_for_settled_spc_limits(
    report: nb.NationalReport,
) -> None:
    assert report.force_months == 12  # the 12 committed 2025 files
    limits = " ".join(nb.cannot_say(report))
    assert "12 months up to December 2025" in limits and "trial limits" in limits


def test_street_files_outside_the_window_give_a_reason_not_an_error() -> None:
    r = nb.collect(DataSources(), data_to="2022-10", counts=str(COUNTS), street=str(STREET))
    assert r.districts is None
    assert r.district_reason.startswith("no street files of the force are held")
    assert r.force_months == 0
    assert r.bench.kpis == []
    assert "none of those months" in nb.key_findings(r)[0]


def test_counts_from_street_files_need_only_parameters() -> None:
    """The counts can be the archive folder itself (here the three committed forces)."""
    r = nb.collect(DataSources(), data_to="2025-12", counts=str(STREET))
    k = _kpi(r, "burglary")
    assert sorted(k.table.index) == ["Cumbria", "Leicestershire"]  # City of London: no rate
    assert k.force_row("Leicestershire")["count"] == _published("leicestershire", {"Burglary"})
    assert k.force_row("Cumbria")["count"] == _published("cumbria", {"Burglary"})
    left = dict(zip(r.bench.left_out["force"], r.bench.left_out["reason"], strict=True))
    assert "daytime population" in left["City of London Police"]


def test_counts_written_by_the_command_feed_the_briefing(tmp_path: Path) -> None:
    out = tmp_path / "counts.parquet"
    proc = run_cli("national-counts", STREET, "--out", out, "--force", "leicestershire")
    assert proc.returncode == 0, proc.stderr
    r = nb.collect(DataSources(), data_to="2025-12", counts=str(out))
    burglary = _kpi(r, "burglary").force_row("Leicestershire")
    assert burglary["count"] == _published("leicestershire", {"Burglary"})


def test_annualised_forces_are_named_on_the_page() -> None:
    r = nb.collect(DataSources(), data_to="2025-12", counts=str(COUNTS), annualise=True)
    k = _kpi(r, "burglary")
    tv = k.table.loc["Thames Valley"]
    assert tv["months"] == 11 and bool(tv["annualised"])
    assert tv["count"] == round(_published("thames-valley", {"Burglary"}) * 12 / 11)
    text = " ".join(nb.key_findings(r))
    assert "Thames Valley (11 months)" in text and "Avon and Somerset (6 months)" in text
    chart = nb.funnel_chart(r, k)
    assert chart.data.set_index("Force").loc["Thames Valley", "Months published"] == 11


def test_a_peer_without_a_rate_is_named_and_left_out_of_the_average() -> None:
    # missing-files.txt: Thames Valley did not publish 2025-07
    r = nb.collect(
        DataSources(),
        data_to="2025-12",
        counts=str(COUNTS),
        peer_list=["Thames Valley", "Nottinghamshire"],
    )
    text = " ".join(nb.key_findings(r))
    assert "Thames Valley has no rate" in text and "use the other 1." in text
    k = _kpi(r, "burglary")
    assert list(k.peers.index) == ["Leicestershire", "Nottinghamshire"]
    rates = k.peers["rate"]
    assert k.peer_average == pytest.approx((rates.iloc[0] + rates.iloc[1]) / 2)
    s = nb.summary_table(r)
    assert set(s["Rank in the peer group (force included)"].str.endswith("of 2")) == {True}


def test_a_district_lookup_of_the_files_vintage_wins(tmp_path: Path) -> None:
    # A hand-made lookup puts the LSOAs named "Melton ..." in January into Rutland.
    with gzip.open(STREET / "2025-01" / "2025-01-leicestershire-street.csv.gz", "rt") as fh:
        moved = {r["LSOA code"] for r in csv.DictReader(fh) if r["LSOA name"].startswith("Melton")}
    lookup = tmp_path / "lsoa21.csv"
    rows = "".join(f"{c},x,E0,Rutland\n" for c in sorted(moved))
    lookup.write_text("LSOA21CD,LSOA21NM,LAD22CD,LAD22NM\n" + rows)
    # Independent count of crimes (not ASB) in Rutland after the move, all of 2025
    want = 0
    for f in sorted(STREET.rglob("*-leicestershire-street.csv.gz")):
        with gzip.open(f, "rt", newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                if r["Crime type"] == "Anti-social behaviour":
                    continue
                if r["LSOA code"] in moved or r["LSOA name"].startswith("Rutland "):
                    want += 1
    r = nb.collect(
        DataSources(),
        data_to="2025-12",
        counts=str(COUNTS),
        street=str(STREET),
        district_lookup=str(lookup),
    )
    d = r.districts.set_index("District")
    assert d.loc["Rutland", "Crimes"] == want
    assert "lookup given" in nb.district_text(r)
    bad = tmp_path / "bad.csv"
    bad.write_text("LSOA21CD,other\nE01000001,x\n")
    with pytest.raises(DataError, match="has no local authority name column"):
        load_district_lookup(bad)
