"""Content of the people briefing (``notebooks/people.ipynb``).

Two parts, kept apart on the page:

* **Published workforce** (real): officers, staff and PCSOs of the force from the Home
  Office workforce tables, exactly as published (every figure traceable to its sheet and
  cell), per 1,000 residents against the peer group of the cycle's assessment and all
  English forces (:mod:`scrutiny.analysis.people`);
* **The force's people return** (today a SYNTHETIC example): strength against
  establishment, joiners, leavers, sickness and complaints. Its figures are labelled
  synthetic on every chart and table, are never graded, never exceptions and never a key
  finding of the page.

:func:`collect` reads the data (the peers from the cycle's assessment); everything else
is pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from scrutiny import config
from scrutiny.analysis import assessment, people
from scrutiny.analysis.narrative import fmt_int, month_text
from scrutiny.briefings import common
from scrutiny.data import DataSources, force_profiles
from scrutiny.data.geography import force_key
from scrutiny.data.returns import FILES, RETURNS_DIR, load_return
from scrutiny.data.workforce import (
    WORKER_LABELS,
    WORKER_TITLES,
    WORKFORCE_DIR,
    latest_figures,
    load_workforce,
)
from scrutiny.present.charts import Chart, line_chart

WORKFORCE_SOURCE = (
    "Source: Home Office police workforce tables (2014 to 2019; officers 2025); ONS 2011 Census."
)
#: Dates the committed tables do not cover are shown as gaps, never joined by a line.
GAP_DAYS = 200
RETURN_SOURCE = "Source: the force's monthly people return (SYNTHETIC example, illustrative)."
SYNTHETIC_RETURN_NOTE = (
    "The people return below is a SYNTHETIC example: no force has supplied one yet. Its "
    "figures are illustrative, built from published national figures where they exist "
    "(data/README.md says which) and invented elsewhere. They are not the force's "
    "figures, are never graded and are not findings."
)
POPULATION_NOTE = people.POPULATION_NOTE
DERIVED_2025_NOTE = (
    "The 31 March 2025 officer figures come from a derived per-force table of the Home "
    "Office workforce statistics, not checked cell by cell against the published tables "
    "(data/README.md); every other workforce figure is read from the published tables."
)


@dataclass
class PeopleReport:
    """What the people page shows (see :func:`collect`)."""

    force: str
    data_to: str
    workforce: pd.DataFrame
    profiles: pd.DataFrame
    peers: list[str]
    peer_note: str
    per_1000: dict[str, pd.DataFrame]
    people_return: pd.DataFrame | None
    summary: people.PeopleSummary | None
    notes: list[str] = field(default_factory=list)

    @property
    def return_synthetic(self) -> bool:
        """Whether the people return is synthetic."""
        return self.summary is not None and self.summary.synthetic


def collect(
    sources: DataSources,
    *,
    data_to: str,
    cycle_file: str = "",
    workforce_dir: str = "",
    returns_dir: str = "",
) -> PeopleReport:
    """Read the workforce tables, the people return and the cycle's peer group.

    Parameters
    ----------
    sources
        The force and its files (the peers come from the cycle's assessment of them).
    data_to
        Last month of the cycle (``YYYY-MM``): the people return is described to here.
    cycle_file
        The cycle file (its method gives the assessment; empty: default method).
    workforce_dir, returns_dir
        Folders of the workforce workbooks and the force returns (empty: committed).
    """
    wf = load_workforce(config.resolve(workforce_dir) if workforce_dir else WORKFORCE_DIR)
    profiles = force_profiles(sources)
    report = assessment.for_briefing(sources, data_to=data_to, cycle_file=cycle_file)
    peers = list(report.peers.peers) if report.peers is not None else []
    note = "" if report.peers is not None else report.peer_note
    per = {
        w: people.workforce_per_1000(wf, profiles, sources.force, peers, worker_type=w)
        for w in WORKER_LABELS
    }
    folder = config.resolve(returns_dir) if returns_dir else RETURNS_DIR
    path = Path(folder) / FILES["people"]
    ret = load_return(path, "people")
    summary = people.people_return_summary(ret, data_to)
    return PeopleReport(sources.force, data_to, wf, profiles, peers, note, per, ret, summary)


def key_findings(r: PeopleReport) -> list[str]:
    """The key findings: from the published workforce tables only (never the synthetic return)."""
    first = people.per_1000_sentence(r.per_1000["officer"], r.force, "officer")
    if first.startswith("At 31 March 2025"):
        first += (
            " The 2025 officer figures come from a derived table of the Home Office statistics."
        )
    out = [first]
    series = people.force_series(r.workforce, r.force)
    pub = series[series["as_at"] <= pd.Timestamp("2019-09-30")].dropna(subset=["officer"])
    if len(pub) >= 2:
        a, b = pub.iloc[0], pub.iloc[-1]
        change = b["officer"] - a["officer"]
        out.append(
            f"The published tables show {fmt_int(a['officer'])} officers (FTE) at "
            f"{a['as_at']:%-d %B %Y} and {fmt_int(b['officer'])} at {b['as_at']:%-d %B %Y}, "
            f"{'a fall' if change < 0 else 'a rise'} of {fmt_int(abs(change))}."
        )
    for w in ("staff", "pcso"):
        t = r.per_1000[w].dropna(subset=["force_per_1000"])
        if len(t):
            last = t.iloc[-1]
            out.append(
                f"{WORKER_TITLES[w]} at {last['as_at']:%-d %B %Y}: "
                f"{last['force_per_1000']:.2f} per 1,000 residents against "
                f"{last['peer_per_1000']:.2f} for the peers pooled."
            )
    return out


def peer_sentence(r: PeopleReport) -> str:
    """Which peers, and why there are none when there are none."""
    if not r.peers:
        return f"No peer group: {r.peer_note}."
    return (
        "Peers are the force's most similar forces on size and make-up, the group the "
        "cycle's assessment uses for every KPI: " + ", ".join(r.peers) + "."
    )


def per_1000_chart(r: PeopleReport, worker_type: str = "officer") -> Chart:
    """Line chart: the force, its peers pooled and England, per 1,000 residents."""
    t = r.per_1000[worker_type].set_index("as_at")
    data = t[["force_per_1000", "peer_per_1000", "england_per_1000"]]
    data.index = pd.DatetimeIndex(data.index)
    # A half-yearly series. Where dates are missing (October 2019 to February 2025) the
    # chart stops rather than join 2019 to 2025 as if the years between were known; the
    # later figures are in the peer table.
    later = [
        b for a, b in zip(data.index[:-1], data.index[1:], strict=True) if (b - a).days > GAP_DAYS
    ]
    if later:
        data = data[data.index < later[0]]
    what = WORKER_LABELS[worker_type]
    return line_chart(
        data,
        f"Full-time equivalent {what} per 1,000 residents",
        y_label="FTE per 1,000 residents (2011 Census)",
        labels={
            "force_per_1000": r.force,
            "peer_per_1000": "Peers pooled",
            "england_per_1000": "England",
        },
        source=WORKFORCE_SOURCE,
        caption=f"{WORKER_TITLES[worker_type]} per 1,000 residents: {r.force}, its peers and "
        "England"
        + (f" to {data.index[-1]:%B %Y} (later figures: see the table below)" if later else ""),
    )


def force_table(r: PeopleReport) -> pd.DataFrame:
    """The force's FTE by date and worker type, with the table and cell of each figure."""
    lf = latest_figures(r.workforce)
    lf = lf[(lf["measure"] == "FTE")]
    mine = lf[lf["force"].map(force_key) == force_key(r.force)].copy()
    mine["Worker type"] = mine["worker_type"].map(WORKER_LABELS)
    mine["As at"] = mine["as_at"].dt.strftime("%-d %B %Y")
    mine["Published in"] = mine["source"] + " (" + mine["cell"] + ")"
    out = mine.sort_values(["as_at", "worker_type"])[
        ["As at", "Worker type", "value", "Published in"]
    ].rename(columns={"value": "FTE"})
    return out.reset_index(drop=True)


def peer_table(r: PeopleReport, as_at: str = "2025-03-31") -> pd.DataFrame:
    """Officers per 1,000 residents for the force and each peer at ``as_at``."""
    t = people.peer_table(r.workforce, r.profiles, r.force, r.peers, as_at)
    return t.rename(
        columns={
            "force": "Force",
            "fte": "Officers (FTE)",
            "population_2011": "Residents (2011 Census)",
            "per_1000": "Officers per 1,000 residents",
        }
    ).drop(columns=["is_force"])


# ------------------------------------------------------------------ the people return


def strength_chart(r: PeopleReport) -> Chart:
    """Officer strength against establishment by month (synthetic while the return is)."""
    ret = r.people_return
    assert ret is not None
    end = pd.Timestamp(f"{r.data_to}-01")
    d = ret[ret["month"] <= end].set_index("month")[["officer_strength", "officer_establishment"]]
    return line_chart(
        d,
        "Officer strength against establishment",
        y_label="Officers (FTE)",
        labels={"officer_strength": "Strength", "officer_establishment": "Establishment"},
        source=RETURN_SOURCE,
        synthetic=r.return_synthetic,
        caption=(
            "Officer strength against establishment by month"
            + (" (SYNTHETIC example return)" if r.return_synthetic else "")
        ),
    )


def return_table(r: PeopleReport) -> pd.DataFrame:
    """Establishment, strength, joiners, leavers and sickness by worker type."""
    assert r.summary is not None
    t = r.summary.table.copy()
    t["worker_type"] = t["worker_type"].map(WORKER_LABELS)
    return t.rename(
        columns={
            "worker_type": "Worker type",
            "establishment": "Establishment (FTE)",
            "strength": "Strength (FTE)",
            "gap": "Strength minus establishment",
            "strength_pct": "Strength, % of establishment",
            "joiners_12m": "Joiners, 12 months",
            "leavers_12m": "Leavers, 12 months",
            "sickness_days_per_fte_12m": "Sickness days per FTE, 12 months",
        }
    )


def sources_table(r: PeopleReport) -> pd.DataFrame:
    """The page's data sources: real or synthetic."""
    files = sorted(r.workforce["source"].unique())
    period = f"{r.workforce['as_at'].min():%Y-%m} to {r.workforce['as_at'].max():%Y-%m}"
    rows = [
        {
            "source": "Home Office police workforce open data tables",
            "location": "data/raw/home-office/workforce/ and officer-fte-2025-03-31.csv",
            "period": period + f" ({len(files)} files)",
            "data": common.REAL,
        },
        {
            "source": "ONS 2011 Census population by LSOA, summed to force areas",
            "location": "data/raw/ons/",
            "period": "2011",
            "data": common.REAL,
        },
    ]
    if r.people_return is not None:
        m = r.people_return["month"]
        rows.append(
            {
                "source": "Force people return",
                "location": str(r.people_return.attrs.get("source", "")),
                "period": f"{month_text(m.min().strftime('%Y-%m'))} to "
                f"{month_text(min(m.max(), pd.Timestamp(r.data_to + '-01')).strftime('%Y-%m'))}",
                "data": common.SYNTHETIC if r.return_synthetic else common.REAL,
            }
        )
    return common.sources_table(extra=rows)
