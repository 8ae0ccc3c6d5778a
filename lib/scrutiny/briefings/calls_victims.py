"""Content of the calls and victims briefing (``notebooks/calls_victims.ipynb``).

The return KPIs of the registry (``params/kpis.yaml``, ``return_kpis:``): 999 calls
answered within 10 seconds, 101 calls abandoned, victim satisfaction overall and for
domestic abuse, the last two serving the national measure "improve satisfaction among
victims, with a particular focus on victims of domestic abuse". Each is a monthly share
with an exact (Clopper-Pearson) interval (:mod:`scrutiny.analysis.force_returns`).

No force has supplied these returns yet, so the committed ones are SYNTHETIC examples
(:mod:`scrutiny.data.returns`): every figure on the page is labelled so, none is graded
or an exception, and the page is classified OFFICIAL-SENSITIVE in the cycles so that it
never reaches the public index. :func:`collect` reads the data; everything else is pure.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from scrutiny import config
from scrutiny.analysis.force_returns import return_kpi_series, return_kpi_summary
from scrutiny.analysis.force_returns import satisfaction_by_group as _by_group
from scrutiny.analysis.kpis import NATIONAL_MEASURES, ReturnKpi, load_return_kpis
from scrutiny.analysis.narrative import month_text
from scrutiny.briefings import common
from scrutiny.data.returns import FILES, RETURNS_DIR, load_returns
from scrutiny.present.charts import Chart, line_chart

SOURCE = "Source: the force's monthly calls and victim satisfaction returns"
SYNTHETIC_NOTE = (
    "Every figure on this page comes from SYNTHETIC example returns: no force has supplied "
    "its calls or victim satisfaction return yet. The 999 share varies round the national "
    "71% answered within 10 seconds (Home Office, November 2021 to April 2022); 101 "
    "volumes and abandonment and victim satisfaction levels are illustrative. The figures "
    "are not the force's, are never graded, never exceptions and never findings."
)
INTERVAL_NOTE = (
    "Intervals are exact (Clopper-Pearson) 95% intervals for a share. For the victim "
    "survey they show the uncertainty of asking a sample of victims; for calls, where "
    "every call is counted, they show only chance variation, so a change may be "
    "statistically clear and still small."
)


@dataclass
class CallsVictimsReport:
    """What the page shows (see :func:`collect`)."""

    data_to: str
    kpis: dict[str, ReturnKpi]
    returns: dict[str, pd.DataFrame]
    summary: pd.DataFrame

    @property
    def synthetic(self) -> bool:
        """Whether any return used is synthetic."""
        return bool(self.summary["synthetic"].any())


def collect(*, data_to: str, returns_dir: str = "", kpis_file: str = "") -> CallsVictimsReport:
    """Read the returns and the registry's return KPIs; summarise at ``data_to``."""
    folder = config.resolve(returns_dir) if returns_dir else RETURNS_DIR
    returns = load_returns(folder)
    kpis = load_return_kpis(config.resolve(kpis_file) if kpis_file else None)
    kpis = {k: v for k, v in kpis.items() if v.source in ("calls", "victims")}
    return CallsVictimsReport(data_to, kpis, returns, return_kpi_summary(kpis, returns, data_to))


def key_findings(r: CallsVictimsReport) -> list[str]:
    """One sentence per KPI, each saying when it is synthetic (these are never escalated).

    The page shows them as paragraphs under a heading, not in a key-findings box: while the
    returns are synthetic they are descriptions of illustrative figures, not findings.
    """
    return list(r.summary["sentence"])


def measure_sentence(r: CallsVictimsReport) -> str:
    """Which return KPIs serve the national victim satisfaction measure."""
    mid = "improve_victim_satisfaction"
    names = [k.name for k in r.kpis.values() if k.national_measure == mid]
    if not names:
        return f"No return KPI serves the national measure '{NATIONAL_MEASURES[mid]}'."
    text = (
        f"The national measure '{NATIONAL_MEASURES[mid]}' is served by "
        + " and ".join(n[:1].lower() + n[1:] for n in names)
        + "."
    )
    if r.synthetic:
        text += " While the survey return is synthetic, the measure has no real evidence here."
    return text


def summary_table(r: CallsVictimsReport) -> pd.DataFrame:
    """The KPIs side by side: latest month, 12 months, the 12 before, change, status."""
    s = r.summary

    def iv(p: float, lo: float, hi: float) -> str:
        return "–" if pd.isna(p) else f"{p:.1f}% ({lo:.1f}% to {hi:.1f}%)"

    return pd.DataFrame(
        {
            "KPI": s["name"],
            "Data": [common.SYNTHETIC if x else common.REAL for x in s["synthetic"]],
            "Latest month (95% interval)": [
                f"{month_text(m.strftime('%Y-%m'))}: " + iv(p, lo, hi)
                for m, p, lo, hi in zip(
                    s["latest_month"],
                    s["latest_share"],
                    s["latest_lower"],
                    s["latest_upper"],
                    strict=False,
                )
            ],
            "Latest 12 months (95% interval)": [
                iv(p, lo, hi)
                for p, lo, hi in zip(s["share_12m"], s["lower_12m"], s["upper_12m"], strict=False)
            ],
            "12 months before": ["–" if pd.isna(p) else f"{p:.1f}%" for p in s["share_prev_12m"]],
            "Standard": ["–" if pd.isna(t) else f"{t:.0f}%" for t in s["target"]],
            "Status": s["status"],
        }
    )


def kpi_chart(r: CallsVictimsReport, kpi_id: str) -> Chart:
    """Monthly share of one return KPI with its exact interval (and standard, if any)."""
    k = r.kpis[kpi_id]
    s = return_kpi_series(k, r.returns)
    s = s[s["month"] <= pd.Timestamp(f"{r.data_to}-01")].set_index("month")
    lo, hi = "Lower 95% limit", "Upper 95% limit"
    data = s[["share", "lower", "upper"]].rename(columns={"lower": lo, "upper": hi})
    labels = {"share": k.name}
    if k.target is not None:
        data["standard"] = k.target.value
        labels["standard"] = f"Standard ({k.target.value:.0f}%)"
    synthetic = bool(s["synthetic"].any())
    return line_chart(
        data,
        f"{k.name}, per cent by month",
        y_label="Per cent",
        series=[c for c in data.columns if c not in (lo, hi)],
        labels=labels,
        band=(lo, hi),
        band_label="95% exact interval",
        source=f"{SOURCE} ({'SYNTHETIC example' if synthetic else 'real'}).",
        synthetic=synthetic,
        caption=f"{k.name} by month" + (" (SYNTHETIC example return)" if synthetic else ""),
    )


def satisfaction_by_group(r: CallsVictimsReport) -> pd.DataFrame:
    """Victim satisfaction by survey group over the latest 12 months, with exact intervals."""
    t = _by_group(r.returns["victims"], r.data_to)
    first, last = t.attrs["period"]
    out = pd.DataFrame(
        {
            "Survey group": t["group"].str.capitalize(),
            "Asked": t["asked"],
            "Satisfied": t["satisfied"],
            "Satisfied, % (95% exact interval)": [
                f"{p:.1f}% ({lo:.1f}% to {hi:.1f}%)"
                for p, lo, hi in zip(t["share"], t["lower"], t["upper"], strict=False)
            ],
            "Data": [common.SYNTHETIC if x else common.REAL for x in t["synthetic"]],
        }
    )
    out.attrs["period"] = f"{month_text(first)} to {month_text(last)}"
    return out


def sources_table(r: CallsVictimsReport) -> pd.DataFrame:
    """The page's data sources: real or synthetic."""
    rows = []
    for kind in ("calls", "victims"):
        df = r.returns[kind]
        rows.append(
            {
                "source": f"Force {kind} return ({FILES[kind]})",
                "location": str(df.attrs.get("source", "")),
                "period": f"{month_text(df['month'].min().strftime('%Y-%m'))} to "
                f"{month_text(df['month'].max().strftime('%Y-%m'))}",
                "data": common.SYNTHETIC if bool(df["synthetic"].any()) else common.REAL,
            }
        )
    return common.sources_table(extra=rows)
