"""Content of the data-quality briefing (``notebooks/data_quality.ipynb``).

:func:`collect` loads every source a cycle's briefings use and gathers their quality
records; the other functions turn that into plain-English findings, tables and a chart,
so the notebook only calls and displays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from scrutiny import provenance
from scrutiny.analysis.narrative import fmt_int, month_text
from scrutiny.briefings import common
from scrutiny.data.crimes import load_crimes
from scrutiny.data.extract import load_extract
from scrutiny.data.geography import force_geography
from scrutiny.data.home_office import load_recorded_crime
from scrutiny.data.quality import DataQuality
from scrutiny.data.sources import DataSources
from scrutiny.data.synthetic import ASSUMPTIONS

SOURCE_LINE = (
    "Source: data.police.uk street-level crime; Home Office police recorded crime open data; "
    "ONS. Open Government Licence v3.0."
)
BLUE = "#0072B2"  # Okabe-Ito blue (colour-blind safe)
ORANGE = "#E69F00"


@dataclass
class QualityReport:
    """Everything the data-quality briefing shows."""

    sources: DataSources
    data_to: str | None
    crimes: pd.DataFrame
    crimes_q: DataQuality
    extract_q: DataQuality
    extract_rows: int
    home_office_q: DataQuality
    districts: list[str] = field(default_factory=list)

    @property
    def synthetic(self) -> bool:
        """True when any input is synthetic (the extract, unless a real one was given)."""
        return self.extract_q.synthetic


def collect(sources: DataSources, data_to: str | None = None) -> QualityReport:
    """Load the crimes, the extract and the Home Office table, keeping their quality records."""
    crimes, cq = load_crimes(sources, data_to=data_to)
    extract, eq = load_extract(sources, data_to=data_to)
    hq = DataQuality(dataset="Home Office recorded crime")
    load_recorded_crime(
        sources.path("home_office_force"), financial_year=sources.financial_year, quality=hq
    )
    geo = force_geography(sources)
    return QualityReport(
        sources=sources,
        data_to=data_to,
        crimes=crimes,
        crimes_q=cq,
        extract_q=eq,
        extract_rows=len(extract),
        home_office_q=hq,
        districts=geo.district_names,
    )


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def key_findings(r: QualityReport) -> list[str]:
    """Plain-English findings for the key-findings box."""
    m = r.crimes_q.metrics
    out = [
        f"police.uk street-level crime for {r.sources.force} covers "
        f"{common.month_words(str(m['period']))} "
        f"({m['months covered']} months, {m['rows kept']:,} rows: {m['crimes']:,} crimes and "
        f"{m['anti-social behaviour incidents']:,} anti-social behaviour incidents).",
    ]
    missing = r.crimes_q.missing_months
    out.append(
        "No months are missing."
        if not missing
        else f"{len(missing)} month(s) have no data and count as zero: "
        f"{common.month_words(', '.join(missing))}."
    )
    out.append(exclusions_sentence(excluded_table(r)))
    out.append(
        f"{_pct(m['share geocoded'])} of rows have a location; "
        f"{_pct(m['share outside the force area'])} of those fall in LSOAs outside the force "
        "area and are kept in force totals but in no district."
    )
    if r.synthetic:
        out.append(
            f"The record-level extract ({r.extract_rows:,} crimes) is SYNTHETIC: real police.uk "
            "rows with times, ages, suspects and flags drawn from published figures. Anything "
            "built on it is illustrative."
        )
    else:
        out.append(f"The record-level extract ({r.extract_rows:,} crimes) is the force's own.")
    out.append(
        "Force-level Home Office recorded crime is for 2017/18 only; peer comparisons say so."
    )
    return out


def sources_table(r: QualityReport) -> pd.DataFrame:
    """One row per source: what it is, where from, period, rows, synthetic or real."""
    rows = []
    seen = set()
    for q in (r.crimes_q, r.extract_q, r.home_office_q):
        for s in q.sources:
            key = (s.name, s.path)
            if key in seen:
                continue
            seen.add(key)
            rows.append(
                {
                    "source": s.name,
                    "location": s.path,
                    "period": common.month_words(s.period or ""),
                    "rows": s.rows,
                    "synthetic": "Yes" if s.synthetic else "No",
                }
            )
    return pd.DataFrame(rows)


def monthly_counts(r: QualityReport) -> pd.DataFrame:
    """Rows per month (crimes and ASB), with missing months shown as zero."""
    df = r.crimes
    asb = df["crime_type"] == "Anti-social behaviour"
    by = pd.DataFrame(
        {
            "crimes": df.loc[~asb.to_numpy()].groupby("month").size(),
            "anti-social behaviour": df.loc[asb.to_numpy()].groupby("month").size(),
        }
    )
    months = list(by.index) + [pd.Timestamp(f"{m}-01") for m in r.crimes_q.missing_months]
    full = pd.date_range(min(months), max(months), freq="MS")
    by = by.reindex(full, fill_value=0).fillna(0).astype("int64")
    by.index.name = "month"
    out = by.reset_index()
    out["month"] = out["month"].dt.strftime("%Y-%m")
    out["missing"] = out["month"].isin(r.crimes_q.missing_months)
    return out


def monthly_figure(r: QualityReport):
    """Bar chart of crimes per month; returns (figure, alt text, data table)."""
    import matplotlib.pyplot as plt

    data = monthly_counts(r)
    fig, ax = plt.subplots(figsize=(9, 3.2))
    colours = [ORANGE if m else BLUE for m in data["missing"]]
    ax.bar(range(len(data)), data["crimes"], color=colours)
    step = max(1, len(data) // 12)
    ax.set_xticks(range(0, len(data), step))
    ax.set_xticklabels(data["month"].iloc[::step], rotation=45, ha="right")
    ax.set_ylabel("Crimes recorded")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    lo, hi = data["crimes"].idxmin(), data["crimes"].idxmax()
    alt = (
        f"Bar chart of crimes recorded each month from {data['month'].iloc[0]} to "
        f"{data['month'].iloc[-1]}. The lowest month is {data['month'][lo]} with "
        f"{data['crimes'][lo]:,} crimes and the highest {data['month'][hi]} with "
        f"{data['crimes'][hi]:,}."
    )
    if data["missing"].any():
        alt += " Months with no data are shown as zero in orange."
    return fig, alt, data


def title(r: QualityReport) -> str:
    """The page title: ``"Data quality: Leicestershire Police, data to October 2022"``."""
    if not r.data_to:
        return f"Data quality: {r.sources.force}"
    return f"Data quality: {r.sources.force}, data to {month_text(r.data_to)}"


def missing_months_text(r: QualityReport) -> str | None:
    """The callout for months with no data (None when every month has data)."""
    missing = r.crimes_q.missing_months
    if not missing:
        return None
    return (
        "Months with no data: "
        + common.month_words(", ".join(missing))
        + ". They count as zero in every series and are flagged."
    )


def exclusions_sentence(excluded: pd.DataFrame) -> str:
    """The key finding on rows left out, written from :func:`excluded_table` itself.

    The page shows that table under "Rows excluded and why", so the sentence and the table
    cannot disagree: both come from the same frame.
    """
    kept = excluded[excluded["rows"] > 0]
    if kept.empty:
        return "No rows were left out of any dataset."
    total = int(kept["rows"].sum())
    if len(kept) == 1:
        row = kept.iloc[0]
        return (
            f"{fmt_int(total)} {'row was' if total == 1 else 'rows were'} left out of the "
            f'{row["dataset"]}: {row["reason"]} (see "Rows excluded and why").'
        )
    by = kept.groupby("dataset", sort=False)["rows"].sum()
    parts = [f"{fmt_int(int(n))} from the {d}" for d, n in by.items()]
    return (
        f"{fmt_int(total)} rows were left out ({'; '.join(parts)}); the reasons are in "
        '"Rows excluded and why".'
    )


def excluded_table(r: QualityReport) -> pd.DataFrame:
    """Rows left out of each dataset and why."""
    rows = []
    for name, q in (("police.uk street-level crime", r.crimes_q), ("force extract", r.extract_q)):
        for rec in q.excluded().to_dict("records"):
            rows.append({"dataset": name, "reason": rec["reason"], "rows": rec["rows"]})
    return pd.DataFrame(rows, columns=["dataset", "reason", "rows"])


def location_table(r: QualityReport) -> pd.DataFrame:
    """Rows by where they fall: each district, outside the force area, no location."""
    df = r.crimes
    by = df.groupby("district", observed=False).size()
    rows = [{"area": d, "rows": int(by.get(d, 0))} for d in r.districts]
    outside = int((df["has_location"] & ~df["in_force_area"]).sum())
    rows.append({"area": "Outside the force area (neighbouring LSOAs)", "rows": outside})
    rows.append({"area": "No location", "rows": int((~df["has_location"]).sum())})
    out = pd.DataFrame(rows)
    out["share"] = out["rows"] / max(len(df), 1) * 100
    return out


def issues_table(r: QualityReport) -> pd.DataFrame:
    """Checks that did not stop the run, from every dataset."""
    frames = []
    for name, q in (
        ("police.uk street-level crime", r.crimes_q),
        ("force extract", r.extract_q),
        ("Home Office recorded crime", r.home_office_q),
    ):
        s = q.summary()
        s = s[(s["check"] != "rows excluded") & ~s["check"].isin(q.metrics)]
        frames.append(s.assign(dataset=name))
    out = pd.concat(frames, ignore_index=True)
    return out[["dataset", "check", "rows", "detail"]]


def assumptions_table() -> pd.DataFrame:
    """How the synthetic extract's attributes were drawn, each with its source."""
    return pd.DataFrame(
        [
            {"attribute": k, "value": v if isinstance(v, str) else f"{v:g}", "source": s}
            for k, (v, s) in ASSUMPTIONS.items()
        ]
    )


def inputs_table() -> pd.DataFrame:
    """Files read in this run (from the provenance log): path, period, sha256, synthetic."""
    return pd.DataFrame(
        [
            {
                "file": rec.path,
                "period": common.month_words(rec.period or ""),
                "sha256": rec.sha256[:12],
                "synthetic": "Yes" if rec.synthetic else "No",
            }
            for rec in provenance.recorded_inputs()
        ]
    )
