"""The method settings of a cycle's assessment, set once and recorded with the results.

A cycle file may hold a ``method:`` block (validated here, unknown keys are errors); a KPI
in the registry may override the SPC rebase month for itself (``method: {spc_rebase: ...}``).
Every briefing of the cycle reads the assessment computed with these settings, so no page
can use other limits, windows or significance levels than another.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

YearMonth = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]

#: First month of the current SPC period: the first full month after the last lockdown
#: restrictions in England ended (19 July 2021).
DEFAULT_REBASE = "2021-08"
#: Months under Covid-19 restrictions in England, inclusive: the first national lockdown
#: (23 March 2020) to the end of the last legal restrictions (19 July 2021). Seasonal
#: patterns are claimed only from years outside them
#: (:func:`scrutiny.stats.trends.seasonal_years`).
RESTRICTIONS = ("2020-03", "2021-07")


class Method(BaseModel):
    """How the assessment is computed (the cycle file's ``method:`` block).

    Attributes
    ----------
    months
        Length of every SPC chart in months, ending at the cycle's ``data_to`` (fewer when
        the data start later).
    spc_rebase
        First month of the current SPC period: the mean and limits are recalculated from it
        (None: one set of limits over the whole chart). Ignored, with a note, when it is not
        inside the chart.
    alpha
        Significance level of every change test and comparison.
    overdispersion
        How comparisons allow for crime counts varying more than chance: ``additive``
        (Spiegelhalter's random-effects funnel between forces; change tests scaled by the
        series' own dispersion), ``multiplicative`` (phi only) or ``none`` (exact Poisson,
        which calls almost every difference significant).
    min_expected
        The least expected count a month (the mean of the latest SPC segment) for which
        a KPI gets an SPC icon, can be an exception or is graded, and the least count in a
        baseline period for a change verdict; below it the page says "too few to judge".
        With fewer than about ten a month one or two crimes move the figure by 10-20% and
        the XmR limits assume a roughly symmetric spread that small counts do not have.
    outcome_completeness
        Outcome KPIs (such as the share charged) leave out of every verdict the latest months
        whose recorded charges are below this share of the eventual number, measured from
        two snapshots of the data (:mod:`scrutiny.analysis.maturity`).
    outcome_lag_months
        Set the number of provisional months directly instead (None: from the measured
        curve, or seven months, the lag measured on Leicestershire 2022, without one).
    settled_limits_points
        The least number of points a segment's limits rest on for them to be settled;
        below it they are trial limits and every SPC sentence says so. 12 follows
        NHSRplotthedots (Making Data Count's reference implementation); The Health Care
        Data Guide (p. 155) asks for 20 to 30 points for an individuals chart.
    two_in_three_beyond_limits
        Making Data Count's 2023 rule: a point beyond the process limits also counts
        towards "two of three points beyond two sigma" (the current guidance; ``false`` for
        the earlier rule, as NHSRplotthedots).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    months: int = Field(36, ge=12, le=120)
    spc_rebase: YearMonth | None = DEFAULT_REBASE
    alpha: float = Field(0.05, gt=0, lt=0.5)
    overdispersion: Literal["additive", "multiplicative", "none"] = "additive"
    two_in_three_beyond_limits: bool = True
    settled_limits_points: int = Field(12, ge=2, le=120)
    min_expected: float = Field(10.0, ge=0)
    outcome_completeness: float = Field(0.8, gt=0, le=1)
    outcome_lag_months: int | None = Field(None, ge=0, le=24)


class KpiMethod(BaseModel):
    """A KPI's own method settings in the registry (``params/kpis.yaml``).

    Attributes
    ----------
    spc_rebase
        This KPI's rebase month, or ``"none"`` for no rebase; absent: the cycle's.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    spc_rebase: YearMonth | Literal["none"] | None = None


def rebase_for(method: Method, kpi_method: KpiMethod | None) -> str | None:
    """The rebase month for one KPI: its own setting if it has one, else the cycle's.

    >>> rebase_for(Method(), None)
    '2021-08'
    >>> rebase_for(Method(), KpiMethod(spc_rebase="none")) is None
    True
    """
    if kpi_method is None or kpi_method.spc_rebase is None:
        return method.spc_rebase
    return None if kpi_method.spc_rebase == "none" else kpi_method.spc_rebase
