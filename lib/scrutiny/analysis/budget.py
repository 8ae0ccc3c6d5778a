"""The medium term financial plan (MTFP) and precept model: the Commissioner's budget decision.

Setting the budget and the precept is the Police and Crime Commissioner's own statutory
decision. The Corporate Governance Board takes it by comparing options (a Band D increase and
a revenue contribution to capital) on their surplus or deficit over the four-year MTFP and on
their debt charges, against the council tax referendum limit. This module is that arithmetic,
pure and testable:

* :func:`load_budget` reads a parameters file (``params/budget/*.yaml``), validates it with
  pydantic (unknown keys, missing or inconsistent years and impossible values are
  :class:`~scrutiny.errors.ParamsError` naming the file and the field path) and records it as
  an input of the briefing;
* :func:`project` turns one option into a yearly frame: precept income, funding, net revenue
  expenditure, debt charges (minimum revenue provision plus interest), surplus or deficit, the
  cumulative position and reserves;
* :func:`compare_options`, :func:`sensitivity`, :func:`reproduction` and
  :func:`assumptions_table` build the frames the briefing shows.

Money is in GBP millions throughout, except the Band D charge and council tax by band, which
are in pounds. Financial years are labelled like ``"2022-23"``. Every input in the file says
whether it is ``published`` (with a citation) or ``illustrative``.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scrutiny import config, provenance, yamlio
from scrutiny.errors import ParamsError

#: Council tax bands as a fraction of Band D (Local Government Finance Act 1992, s.5).
BAND_RATIOS: dict[str, Fraction] = {
    "A": Fraction(6, 9),
    "B": Fraction(7, 9),
    "C": Fraction(8, 9),
    "D": Fraction(9, 9),
    "E": Fraction(11, 9),
    "F": Fraction(13, 9),
    "G": Fraction(15, 9),
    "H": Fraction(18, 9),
}

#: Weeks in a year when turning a yearly charge into "pence per week" (as the papers do).
WEEKS_PER_YEAR = 52

#: A surplus or deficit smaller than this (GBP m) reads as "balanced".
BALANCED_TOLERANCE = 0.005

Source = Literal["published", "illustrative"]

_YEAR_RE = re.compile(r"^(\d{4})-(\d{2})$")


# --------------------------------------------------------------------------------------------
# Financial years
# --------------------------------------------------------------------------------------------


def check_year(label: str) -> str:
    """Return ``label`` if it is a financial year like ``"2022-23"``; raise ValueError if not."""
    m = _YEAR_RE.match(str(label))
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise ValueError(f"'{label}' is not a financial year like 2022-23")
    return str(label)


def next_year(label: str) -> str:
    """Return the financial year after ``label`` (``"2022-23"`` -> ``"2023-24"``)."""
    start = int(check_year(label)[:4]) + 1
    return f"{start}-{(start + 1) % 100:02d}"


# --------------------------------------------------------------------------------------------
# Parameter models (pydantic, extra="forbid")
# --------------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Sourced(_Strict):
    source: Source
    citation: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _published_needs_citation(self) -> _Sourced:
        if self.source == "published" and not (self.citation and self.citation.strip()):
            raise ValueError("a published input needs a citation saying where the paper gives it")
        return self


class Scalar(_Sourced):
    """One number with its source, e.g. the base-year Band D charge."""

    value: float


class Series(_Sourced):
    """Numbers by financial year with their source; a line may be several of these."""

    values: dict[str, float]

    @field_validator("values")
    @classmethod
    def _year_labels(cls, v: dict[str, float]) -> dict[str, float]:
        for year in v:
            check_year(year)
        return v


def _as_list(v: Any) -> Any:
    """Let a line be written as one mapping or as a list of mappings (one per source)."""
    return [v] if isinstance(v, dict) else v


def _wrap_items(v: Any) -> Any:
    """Apply :func:`_as_list` to each value of a mapping of named lines."""
    return {k: _as_list(x) for k, x in v.items()} if isinstance(v, dict) else v


class Lines(_Strict):
    """The yearly input lines. Every name here is a line an option may change."""

    tax_base: list[Series]
    tax_base_growth_pct: list[Series] = Field(default_factory=list)
    band_d_increase: list[Series]
    referendum_limit: list[Series]
    collection_fund: list[Series]
    core_grants: list[Series]
    other_income: list[Series]
    pay_inflation_pct: list[Series]
    non_pay_inflation_pct: list[Series]
    capital_programme: list[Series]
    capital_grants_and_receipts: list[Series]
    revenue_contribution_to_capital: list[Series] = Field(default_factory=list)
    interest_rate_pct: list[Series]

    @field_validator("*", mode="before")
    @classmethod
    def _wrap(cls, v: Any) -> Any:
        return _as_list(v)


class Constants(_Strict):
    """Single-valued inputs: the base-year cost split and the debt assumptions."""

    band_d_base: Scalar
    pay_base: Scalar
    non_pay_base: Scalar
    opening_cfr: Scalar
    existing_debt_life_years: Scalar
    asset_life_years: Scalar


class Reserves(_Strict):
    """Reserves at the start of the plan, their planned use, and where surpluses go."""

    opening: dict[str, Scalar]
    planned_use: dict[str, list[Series]] = Field(default_factory=dict)
    surplus_to: str

    @field_validator("planned_use", mode="before")
    @classmethod
    def _wrap(cls, v: Any) -> Any:
        return _wrap_items(v)


class Published(_Strict):
    """What the paper says an option produces, to check the model against."""

    mtfp_position: float
    debt_charges: dict[str, float] = Field(default_factory=dict)
    citation: str

    @field_validator("debt_charges")
    @classmethod
    def _year_labels(cls, v: dict[str, float]) -> dict[str, float]:
        for year in v:
            check_year(year)
        return v


class Option(_Strict):
    """One budget option: a name, the paper's colour and the lines it changes."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    colour: str
    summary: str
    changes: dict[str, list[Series]] = Field(default_factory=dict)
    published: Published | None = None

    @field_validator("changes", mode="before")
    @classmethod
    def _wrap(cls, v: Any) -> Any:
        return _wrap_items(v)


class Sensitivity(_Strict):
    """Sizes of the sensitivity tests (plus and minus)."""

    pay_award_points: float = 1.0
    tax_base_growth_points: float = 0.5
    grant_pct: float = 1.0


class BudgetParams(_Strict):
    """A budget parameters file (``params/budget/*.yaml``)."""

    title: str
    base_year: str
    years: list[str]
    decided_option: str | None = None
    decision: str | None = None
    decision_citation: str | None = None
    sources: str | None = Field(
        default=None, description="the source line under the charts (default: the 2022-23 papers)"
    )
    notes: list[str] = Field(
        default_factory=list, description="caveats the page must show, e.g. on dates"
    )
    constants: Constants
    lines: Lines
    growth: dict[str, list[Series]] = Field(default_factory=dict)
    savings: dict[str, list[Series]] = Field(default_factory=dict)
    reserves: Reserves
    options: list[Option]
    sensitivity: Sensitivity = Field(default_factory=Sensitivity)

    @field_validator("growth", "savings", mode="before")
    @classmethod
    def _wrap(cls, v: Any) -> Any:
        return _wrap_items(v)

    @field_validator("base_year")
    @classmethod
    def _base(cls, v: str) -> str:
        return check_year(v)

    @field_validator("years")
    @classmethod
    def _plan_years(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("the plan needs at least one financial year")
        for y in v:
            check_year(y)
        for a, b in zip(v, v[1:], strict=False):
            if next_year(a) != b:
                raise ValueError(f"years must be consecutive: {b} does not follow {a}")
        return v

    @property
    def all_years(self) -> list[str]:
        """The base year followed by the plan years."""
        return [self.base_year, *self.years]

    @model_validator(mode="after")
    def _consistent(self) -> BudgetParams:
        problems = _check_consistency(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def option(self, option_id: str) -> Option:
        """Return the option with ``option_id``; KeyError naming the known ids if absent."""
        for opt in self.options:
            if opt.id == option_id:
                return opt
        known = ", ".join(o.id for o in self.options)
        raise KeyError(f"no option '{option_id}' in the budget parameters (options: {known})")


# Which years each line must cover: "plan" = exactly the plan years, "all" = the base year and
# the plan years, "plan-subset"/"all-subset" = any of them (missing years count as zero).
_LINE_YEARS: dict[str, str] = {
    "tax_base": "tax-base",
    "tax_base_growth_pct": "growth-years",
    "band_d_increase": "plan",
    "referendum_limit": "plan",
    "collection_fund": "plan",
    "core_grants": "plan",
    "other_income": "plan",
    "pay_inflation_pct": "plan",
    "non_pay_inflation_pct": "plan",
    "capital_programme": "all",
    "capital_grants_and_receipts": "all",
    "revenue_contribution_to_capital": "all-subset",
    "interest_rate_pct": "all",
}

# Lower bounds (inclusive unless "positive") and what the number is, for clear messages.
_LINE_BOUNDS: dict[str, tuple[float, bool, str]] = {
    "tax_base": (0.0, True, "a positive number of Band D equivalent properties"),
    "tax_base_growth_pct": (-100.0, True, "a growth rate above -100%"),
    "referendum_limit": (0.0, False, "a limit of zero or more pounds"),
    "core_grants": (0.0, False, "zero or more (GBP m)"),
    "pay_inflation_pct": (-100.0, True, "a rate above -100%"),
    "non_pay_inflation_pct": (-100.0, True, "a rate above -100%"),
    "capital_programme": (0.0, False, "zero or more (GBP m)"),
    "capital_grants_and_receipts": (0.0, False, "zero or more (GBP m)"),
    "revenue_contribution_to_capital": (0.0, False, "zero or more (GBP m)"),
    "interest_rate_pct": (0.0, False, "a rate of zero or more per cent"),
}


def _merge(segments: list[Series], field: str, problems: list[str]) -> dict[str, float]:
    """Merge a line's segments into year -> value, reporting any year given twice."""
    out: dict[str, float] = {}
    for seg in segments:
        for year, value in seg.values.items():
            if year in out:
                problems.append(f"{field}: year {year} is given more than once")
            if not math.isfinite(value):
                problems.append(f"{field}.values.{year}: {value} is not a number")
            out[year] = value
    return out


def _check_years(
    field: str, years: set[str], rule: str, params: BudgetParams, problems: list[str]
) -> None:
    plan, every = set(params.years), set(params.all_years)
    allowed = {"plan": plan, "plan-subset": plan, "all": every, "all-subset": every}.get(rule)
    if allowed is None:
        return
    for y in sorted(years - allowed):
        where = "the plan years" if rule.startswith("plan") else "the base year or the plan years"
        problems.append(
            f"{field}: year {y} is not one of {where} "
            f"({', '.join(sorted(allowed))}); the years are inconsistent"
        )
    if rule in {"plan", "all"}:
        for y in sorted(allowed - years):
            problems.append(
                f"{field}: missing year {y} (every year {_span(allowed)} needs a value)"
            )


def _span(years: set[str]) -> str:
    ys = sorted(years)
    return ys[0] if len(ys) == 1 else f"{ys[0]} to {ys[-1]}"


def _check_bounds(field: str, values: dict[str, float], problems: list[str]) -> None:
    bound = _LINE_BOUNDS.get(field.split(".")[-1])
    if bound is None:
        return
    low, strict, what = bound
    for y, v in values.items():
        if (v <= low) if strict else (v < low):
            problems.append(f"{field}.values.{y} = {v:g}: expected {what}")


def _check_consistency(p: BudgetParams) -> list[str]:
    """Cross-field checks: year coverage, bounds, option changes, reserves. Returns problems."""
    problems: list[str] = []
    if p.base_year in p.years or next_year(p.base_year) != p.years[0]:
        problems.append(
            f"years: the plan must start the year after base_year {p.base_year} "
            f"(expected {next_year(p.base_year)}, got {p.years[0]})"
        )
        return problems

    merged = {
        name: _merge(getattr(p.lines, name), f"lines.{name}", problems) for name in _LINE_YEARS
    }
    for name, values in merged.items():
        _check_years(f"lines.{name}", set(values), _LINE_YEARS[name], p, problems)
        _check_bounds(f"lines.{name}", values, problems)

    # The tax base is given for some years and grown for the others: each year exactly once.
    known, grown = set(merged["tax_base"]), set(merged["tax_base_growth_pct"])
    if p.base_year not in known:
        problems.append(f"lines.tax_base: missing year {p.base_year} (the base year is needed)")
    for y in sorted(known - set(p.all_years)):
        problems.append(f"lines.tax_base: year {y} is outside {_span(set(p.all_years))}")
    for y in sorted(grown - set(p.years)):
        problems.append(f"lines.tax_base_growth_pct: year {y} is not a plan year")
    for y in p.years:
        if y in known and y in grown:
            problems.append(
                f"lines.tax_base and lines.tax_base_growth_pct both give {y}: give one or the other"
            )
        elif y not in known and y not in grown:
            problems.append(
                f"lines.tax_base: missing year {y} (give the tax base or "
                f"lines.tax_base_growth_pct for it)"
            )

    c = p.constants
    if c.band_d_base.value <= 0:
        problems.append(
            f"constants.band_d_base.value = {c.band_d_base.value:g}: expected a positive charge"
        )
    for name in ("pay_base", "non_pay_base", "opening_cfr"):
        v = getattr(c, name).value
        if v < 0:
            problems.append(f"constants.{name}.value = {v:g}: expected zero or more (GBP m)")
    for name in ("existing_debt_life_years", "asset_life_years"):
        v = getattr(c, name).value
        if v < 1 or v != int(v):
            problems.append(
                f"constants.{name}.value = {v:g}: expected a whole number of years >= 1"
            )

    for kind in ("growth", "savings"):
        for item, segs in getattr(p, kind).items():
            vals = _merge(segs, f"{kind}.{item}", problems)
            _check_years(f"{kind}.{item}", set(vals), "plan-subset", p, problems)

    r = p.reserves
    if r.surplus_to not in r.opening:
        problems.append(
            f"reserves.surplus_to: '{r.surplus_to}' is not a reserve in reserves.opening "
            f"({', '.join(r.opening)})"
        )
    for name, segs in r.planned_use.items():
        if name not in r.opening:
            problems.append(
                f"reserves.planned_use.{name}: no reserve '{name}' in reserves.opening "
                f"({', '.join(r.opening)})"
            )
        vals = _merge(segs, f"reserves.planned_use.{name}", problems)
        _check_years(f"reserves.planned_use.{name}", set(vals), "plan-subset", p, problems)

    ids = [o.id for o in p.options]
    if not ids:
        problems.append("options: at least one option is needed")
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"options: id '{dup}' is used more than once")
    if p.decided_option is not None and p.decided_option not in ids:
        problems.append(
            f"decided_option: '{p.decided_option}' is not an option id ({', '.join(ids)})"
        )
    for i, opt in enumerate(p.options):
        where = f"options[{i}] ({opt.id})"
        for line, segs in opt.changes.items():
            if line not in _LINE_YEARS:
                problems.append(
                    f"{where}.changes.{line}: unknown line; an option can change "
                    f"{', '.join(_LINE_YEARS)}"
                )
                continue
            vals = _merge(segs, f"{where}.changes.{line}", problems)
            rule = _LINE_YEARS[line]
            rule = {"plan": "plan-subset", "all": "all-subset"}.get(rule, rule)
            if line == "tax_base_growth_pct":
                rule = "plan-subset"
            _check_years(f"{where}.changes.{line}", set(vals), rule, p, problems)
            _check_bounds(f"{where}.changes.{line}", vals, problems)
        if opt.published:
            for y in opt.published.debt_charges:
                if y not in p.all_years:
                    problems.append(
                        f"{where}.published.debt_charges: year {y} is outside "
                        f"{_span(set(p.all_years))}"
                    )
        if not problems:
            # A contribution cannot exceed what the programme needs after grants and receipts.
            lines = _option_lines(p, opt)
            for y in p.all_years:
                need = lines["capital_programme"][y] - lines["capital_grants_and_receipts"][y]
                rcco = lines["revenue_contribution_to_capital"].get(y, 0.0)
                if rcco > need + 1e-9:
                    problems.append(
                        f"{where}: revenue_contribution_to_capital {y} = {rcco:g} is more than "
                        f"the capital programme less grants and receipts ({need:g})"
                    )
    return problems


def _option_lines(p: BudgetParams, opt: Option | None) -> dict[str, dict[str, float]]:
    """Year -> value for every line, with the option's changes applied."""
    scratch: list[str] = []
    lines = {name: _merge(getattr(p.lines, name), name, scratch) for name in _LINE_YEARS}
    if opt is not None:
        for line, segs in opt.changes.items():
            lines[line] = {**lines[line], **_merge(segs, line, scratch)}
    return lines


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def _format_loc(loc: tuple[Any, ...], raw: Any) -> str:
    """Render a pydantic error location as a dotted field path the user can find in the file.

    A line written as one mapping is wrapped in a list for validation; the list index pydantic
    reports for it is dropped so the path matches what is in the file.
    """
    parts: list[str] = []
    node = raw
    for item in loc:
        if isinstance(item, int):
            if isinstance(node, list):
                parts.append(f"[{item}]")
                node = node[item] if item < len(node) else None
            continue
        parts.append(("." if parts else "") + str(item))
        node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts)


def _describe(err: ValidationError, raw: Any) -> str:
    messages = []
    for e in err.errors():
        msg = str(e["msg"]).removeprefix("Value error, ")
        where = _format_loc(tuple(e["loc"]), raw)
        if e["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling against docs/budget.md)"
        elif e["type"] == "missing":
            msg = "required key is missing"
        messages.append(f"{where}: {msg}" if where else msg)
    return "; ".join(messages)


def parse_budget(raw: Any, file: str | os.PathLike[str] = "<budget parameters>") -> BudgetParams:
    """Validate already-parsed YAML; raise :class:`ParamsError` naming ``file`` and the field.

    Parameters
    ----------
    raw
        The mapping read from a budget parameters file.
    file
        The file name to put in error messages.

    Returns
    -------
    BudgetParams
        The validated parameters.
    """
    if not isinstance(raw, dict):
        raise ParamsError(file, "expected a mapping of budget parameters at the top level")
    try:
        return BudgetParams.model_validate(raw)
    except ValidationError as err:
        raise ParamsError(file, _describe(err, raw)) from None


def load_budget(path: str | os.PathLike[str], *, record: bool = True) -> BudgetParams:
    """Read, validate and (by default) record a budget parameters file as a briefing input.

    Parameters
    ----------
    path
        The YAML file, absolute or relative to the project root
        (e.g. ``"params/budget/mtfp-2022-23.yaml"``).
    record
        Call :func:`scrutiny.provenance.record_input` for the file.

    Returns
    -------
    BudgetParams
        The validated parameters.

    Raises
    ------
    ParamsError
        The file is missing, is not YAML, or any field is wrong (the message names it).
    """
    p = config.resolve(path)
    if not p.is_file():
        raise ParamsError(p, "file not found (expected a budget parameters YAML file)")
    raw = yamlio.read_yaml(p)  # ParamsError: not UTF-8, not YAML, alias bomb
    params = parse_budget(raw, file=p)
    if record:
        provenance.record_input(
            p,
            period=f"{params.base_year} to {params.years[-1]}",
            synthetic=False,
            description="Budget options: published figures with illustrative lines (labelled)",
        )
    return params


# --------------------------------------------------------------------------------------------
# Pure arithmetic
# --------------------------------------------------------------------------------------------


def tax_base_path(known: pd.Series, growth_pct: pd.Series, years: list[str]) -> pd.Series:
    """Tax base (Band D equivalents) by year: given where known, else grown from the year before.

    Parameters
    ----------
    known
        Tax base by year where published (must include the first of ``years``).
    growth_pct
        Growth on the year before, in per cent, for the other years.
    years
        All years in order.
    """
    out: dict[str, float] = {}
    prev = None
    for y in years:
        if y in known.index:
            out[y] = float(known[y])
        else:
            if prev is None:
                raise ValueError(f"the tax base for the first year {y} must be given")
            out[y] = prev * (1 + float(growth_pct[y]) / 100)
        prev = out[y]
    return pd.Series(out, name="tax_base", dtype=float).rename_axis("year")


def band_d_path(base: float, increases: pd.Series) -> pd.Series:
    """Band D charge (pounds) by year: the base-year charge plus each year's increase in pounds.

    Parameters
    ----------
    base
        The base-year Band D charge.
    increases
        The increase in pounds for each following year, in order.
    """
    values = base + increases.astype(float).cumsum()
    return values.rename("band_d")


def council_tax_bands(band_d: float, weeks: int = WEEKS_PER_YEAR) -> pd.DataFrame:
    """Council tax for Bands A to H from a Band D charge, yearly and weekly.

    Parameters
    ----------
    band_d
        The Band D charge in pounds.
    weeks
        Weeks per year for the weekly figure.

    Returns
    -------
    pandas.DataFrame
        Columns ``band``, ``ratio`` (e.g. ``"6/9"``), ``yearly`` and ``weekly`` (pounds),
        one row per band.
    """
    rows = []
    for band, frac in BAND_RATIOS.items():
        yearly = band_d * frac.numerator / frac.denominator
        rows.append(
            {
                "band": band,
                "ratio": f"{frac.numerator * 9 // frac.denominator}/9",
                "yearly": yearly,
                "weekly": yearly / weeks,
            }
        )
    return pd.DataFrame(rows)


def expenditure_path(
    pay_base: float,
    non_pay_base: float,
    pay_pct: pd.Series,
    non_pay_pct: pd.Series,
    growth: pd.Series,
    savings: pd.Series,
) -> pd.DataFrame:
    """Net revenue expenditure by plan year, built from the base year.

    Pay and non-pay are inflated from the base year by each year's rate. Growth and savings
    are recurring: an amount starting in a year stays in every later year (at the prices of
    the year it starts; it is not re-inflated).

    Parameters
    ----------
    pay_base, non_pay_base
        Base-year pay and non-pay costs (GBP m).
    pay_pct, non_pay_pct
        Inflation on the year before, per cent, indexed by plan year.
    growth, savings
        New recurring growth and savings starting in each plan year (GBP m, savings positive).

    Returns
    -------
    pandas.DataFrame
        Columns ``pay``, ``non_pay``, ``growth``, ``savings`` (cumulative) and
        ``net_revenue_expenditure``, indexed by plan year.
    """
    pay = pay_base * (1 + pay_pct.astype(float) / 100).cumprod()
    non_pay = non_pay_base * (1 + non_pay_pct.astype(float) / 100).cumprod()
    g = growth.reindex(pay.index, fill_value=0.0).astype(float).cumsum()
    s = savings.reindex(pay.index, fill_value=0.0).astype(float).cumsum()
    out = pd.DataFrame({"pay": pay, "non_pay": non_pay, "growth": g, "savings": s})
    out["net_revenue_expenditure"] = out["pay"] + out["non_pay"] + out["growth"] - out["savings"]
    return out.rename_axis("year")


def debt_path(
    programme: pd.Series,
    grants: pd.Series,
    rcco: pd.Series,
    interest_pct: pd.Series,
    *,
    opening_cfr: float,
    existing_life: int,
    asset_life: int,
) -> pd.DataFrame:
    """Borrowing, minimum revenue provision (MRP), interest and debt charges by year.

    * Borrowing = capital programme - grants and receipts - revenue contribution to capital.
    * MRP repays the debt held at the start (``opening_cfr``) in equal instalments over
      ``existing_life`` years from the first year, and each year's new borrowing in equal
      instalments over ``asset_life`` years from the year after (when the assets are in use).
    * The capital financing requirement (CFR) closes at opening + borrowing - MRP.
    * Interest = rate x the average of opening and closing CFR.
    * Debt charges = MRP + interest.

    Parameters
    ----------
    programme, grants, rcco, interest_pct
        Indexed by year in order (GBP m; interest in per cent).
    opening_cfr
        CFR at the start of the first year (GBP m).
    existing_life, asset_life
        Years over which existing debt and new borrowing are repaid.

    Returns
    -------
    pandas.DataFrame
        Columns ``borrowing``, ``mrp``, ``interest``, ``debt_charges``, ``cfr`` (closing).
    """
    years = list(programme.index)
    rcco = rcco.reindex(years, fill_value=0.0)
    borrowing = (programme - grants.reindex(years) - rcco).astype(float)
    if (borrowing < -1e-9).any():
        bad = borrowing[borrowing < -1e-9].index[0]
        raise ValueError(f"{bad}: grants and contributions exceed the capital programme")
    existing_mrp = opening_cfr / existing_life
    rows = []
    cfr_open = opening_cfr
    for j, y in enumerate(years):
        mrp = existing_mrp if j < existing_life else 0.0
        for k in range(j):
            if 1 <= j - k <= asset_life:
                mrp += borrowing.iloc[k] / asset_life
        cfr_close = cfr_open + borrowing.iloc[j] - mrp
        interest = float(interest_pct[y]) / 100 * (cfr_open + cfr_close) / 2
        rows.append(
            {
                "year": y,
                "borrowing": float(borrowing.iloc[j]),
                "mrp": mrp,
                "interest": interest,
                "debt_charges": mrp + interest,
                "cfr": cfr_close,
            }
        )
        cfr_open = cfr_close
    return pd.DataFrame(rows).set_index("year")


def reserves_path(
    opening: dict[str, float], planned_use: pd.DataFrame, surplus: pd.Series, surplus_to: str
) -> pd.DataFrame:
    """Closing balance of each reserve by plan year.

    Each year a reserve falls by its planned use (positive = drawn to support the budget) and
    the reserve named ``surplus_to`` (the budget equalisation reserve) takes the year's surplus
    or meets its deficit.

    Parameters
    ----------
    opening
        Balance of each reserve at the start of the first plan year (GBP m).
    planned_use
        Planned use by year (rows) and reserve (columns); missing entries are zero.
    surplus
        Surplus (+) or deficit (-) by plan year.
    surplus_to
        The reserve that takes surpluses and meets deficits.

    Returns
    -------
    pandas.DataFrame
        One column per reserve plus ``total``, indexed by plan year.
    """
    use = planned_use.reindex(index=surplus.index, columns=list(opening), fill_value=0.0)
    balance = dict(opening)
    rows = []
    for y in surplus.index:
        for name in balance:
            balance[name] -= float(use.loc[y, name])
        balance[surplus_to] += float(surplus[y])
        rows.append({"year": y, **balance, "total": sum(balance.values())})
    return pd.DataFrame(rows).set_index("year")


# --------------------------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shock:
    """A change to the inputs for a sensitivity test (zero = none).

    Attributes
    ----------
    pay_points
        Added to pay inflation (percentage points) in every plan year.
    tax_base_growth_points
        Added to tax base growth (percentage points) in every year the tax base is grown.
    grant_pct
        Core grants scaled by this many per cent in every plan year.
    """

    pay_points: float = 0.0
    tax_base_growth_points: float = 0.0
    grant_pct: float = 0.0


def _sum_items(items: dict[str, list[Series]], years: list[str]) -> pd.Series:
    total = pd.Series(0.0, index=years)
    scratch: list[str] = []
    for segs in items.values():
        total = total.add(pd.Series(_merge(segs, "", scratch), dtype=float), fill_value=0.0)
    return total.reindex(years, fill_value=0.0)


def option_inputs(params: BudgetParams, option_id: str, shock: Shock | None = None) -> pd.DataFrame:
    """The yearly inputs for one option (after its changes and any shock), base year first.

    Returns
    -------
    pandas.DataFrame
        One column per line, indexed by year (base year and plan years); lines that have no
        value for a year (e.g. plan-only lines in the base year) are NaN.
    """
    lines = _option_lines(params, params.option(option_id))
    frame = pd.DataFrame(
        {name: pd.Series(vals, dtype=float) for name, vals in lines.items()},
        index=pd.Index(params.all_years, name="year"),
    )
    frame["revenue_contribution_to_capital"] = frame["revenue_contribution_to_capital"].fillna(0.0)
    if shock is not None:
        plan = frame.index.isin(params.years)
        frame.loc[plan, "pay_inflation_pct"] += shock.pay_points
        frame["tax_base_growth_pct"] += shock.tax_base_growth_points
        frame.loc[plan, "core_grants"] *= 1 + shock.grant_pct / 100
    return frame


def project(params: BudgetParams, option_id: str, shock: Shock | None = None) -> pd.DataFrame:
    """Project one option over the base year and the plan years.

    Parameters
    ----------
    params
        Validated budget parameters.
    option_id
        The option to project.
    shock
        An optional sensitivity change to the inputs.

    Returns
    -------
    pandas.DataFrame
        Indexed by year. Columns: ``tax_base``, ``band_d``, ``band_d_increase``,
        ``increase_pct``, ``referendum_limit``, ``above_limit``, ``precept_income``,
        ``collection_fund``, ``core_grants``, ``other_income``, ``reserves_used``,
        ``total_funding``, ``pay``, ``non_pay``, ``growth``, ``savings``,
        ``net_revenue_expenditure``, ``borrowing``, ``mrp``, ``interest``, ``debt_charges``,
        ``cfr``, ``revenue_contribution``, ``total_expenditure``, ``surplus``, ``cumulative``,
        ``reserves``. Budget lines are NaN in the base year, which is there for the precept
        and debt charges the plan starts from. Money in GBP m, Band D in pounds.
    """
    inp = option_inputs(params, option_id, shock)
    plan, years = params.years, params.all_years
    c = params.constants

    known = inp["tax_base"].dropna()
    tax_base = tax_base_path(known, inp["tax_base_growth_pct"], years)
    band_d = band_d_path(c.band_d_base.value, inp.loc[plan, "band_d_increase"])
    band_d = pd.concat([pd.Series({params.base_year: c.band_d_base.value}), band_d])

    out = pd.DataFrame(index=pd.Index(years, name="year"))
    out["tax_base"] = tax_base
    out["band_d"] = band_d
    out["band_d_increase"] = inp["band_d_increase"]
    out["increase_pct"] = out["band_d_increase"] / out["band_d"].shift(1) * 100
    out["referendum_limit"] = inp["referendum_limit"]
    out["above_limit"] = (out["band_d_increase"] > out["referendum_limit"] + 1e-9).where(
        out.index.isin(plan)
    )
    out["precept_income"] = out["tax_base"] * out["band_d"] / 1e6

    use = _planned_use(params)
    out["collection_fund"] = inp["collection_fund"]
    out["core_grants"] = inp["core_grants"]
    out["other_income"] = inp["other_income"]
    out["reserves_used"] = use.sum(axis=1).reindex(plan).reindex(years)
    funding = ["precept_income", "collection_fund", "core_grants", "other_income", "reserves_used"]
    out["total_funding"] = out[funding].sum(axis=1, min_count=len(funding))

    exp = expenditure_path(
        c.pay_base.value,
        c.non_pay_base.value,
        inp.loc[plan, "pay_inflation_pct"],
        inp.loc[plan, "non_pay_inflation_pct"],
        _sum_items(params.growth, plan),
        _sum_items(params.savings, plan),
    )
    out = out.join(exp)

    debt = debt_path(
        inp["capital_programme"],
        inp["capital_grants_and_receipts"],
        inp["revenue_contribution_to_capital"],
        inp["interest_rate_pct"],
        opening_cfr=c.opening_cfr.value,
        existing_life=int(c.existing_debt_life_years.value),
        asset_life=int(c.asset_life_years.value),
    )
    out = out.join(debt)
    out["revenue_contribution"] = inp["revenue_contribution_to_capital"].where(out.index.isin(plan))
    out["total_expenditure"] = (
        out["net_revenue_expenditure"] + out["debt_charges"].where(out.index.isin(plan))
    ) + out["revenue_contribution"]
    out["surplus"] = out["total_funding"] - out["total_expenditure"]
    out["cumulative"] = out["surplus"].cumsum()

    res = reserves_path(
        {k: v.value for k, v in params.reserves.opening.items()},
        use,
        out.loc[plan, "surplus"],
        params.reserves.surplus_to,
    )
    out["reserves"] = res["total"]
    return out


def _planned_use(params: BudgetParams) -> pd.DataFrame:
    scratch: list[str] = []
    cols = {
        name: pd.Series(_merge(segs, "", scratch), dtype=float)
        for name, segs in params.reserves.planned_use.items()
    }
    frame = pd.DataFrame(cols).reindex(params.years) if cols else pd.DataFrame(index=params.years)
    return frame.fillna(0.0)


def reserves_by_option(params: BudgetParams) -> pd.DataFrame:
    """Closing total reserves by plan year (rows) and option name (columns), GBP m."""
    data = {o.name: project(params, o.id).loc[params.years, "reserves"] for o in params.options}
    return pd.DataFrame(data).rename_axis("year")


def compare_options(params: BudgetParams) -> pd.DataFrame:
    """One row per option: the figures the decision is taken on.

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``name``, ``colour``, ``band_d_increase`` and ``band_d`` (first plan
        year, pounds), ``increase_pct``, ``above_limit`` (any plan year), ``surplus_<year>``
        for each plan year, ``mtfp_position`` (cumulative over the plan), ``rcco_total``,
        ``debt_charges_<base>`` and ``debt_charges_<last>``, ``reserves_end`` (GBP m).
    """
    first, last, base = params.years[0], params.years[-1], params.base_year
    rows = []
    for o in params.options:
        r = project(params, o.id)
        row: dict[str, Any] = {
            "id": o.id,
            "name": o.name,
            "colour": o.colour,
            "band_d_increase": r.at[first, "band_d_increase"],
            "band_d": r.at[first, "band_d"],
            "increase_pct": r.at[first, "increase_pct"],
            "above_limit": bool(r.loc[params.years, "above_limit"].astype(bool).any()),
        }
        for y in params.years:
            row[f"surplus_{y}"] = r.at[y, "surplus"]
        row["mtfp_position"] = r.at[last, "cumulative"]
        row["rcco_total"] = r.loc[params.years, "revenue_contribution"].sum()
        row[f"debt_charges_{base}"] = r.at[base, "debt_charges"]
        row[f"debt_charges_{last}"] = r.at[last, "debt_charges"]
        row["reserves_end"] = r.at[last, "reserves"]
        rows.append(row)
    return pd.DataFrame(rows)


def referendum_breaches(params: BudgetParams) -> pd.DataFrame:
    """Every option and plan year whose Band D increase is above the referendum limit.

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``name``, ``year``, ``band_d_increase``, ``referendum_limit``; empty
        when every option is within the limit.
    """
    rows = []
    for o in params.options:
        r = project(params, o.id)
        for y in params.years:
            if bool(r.at[y, "above_limit"]):
                rows.append(
                    {
                        "id": o.id,
                        "name": o.name,
                        "year": y,
                        "band_d_increase": r.at[y, "band_d_increase"],
                        "referendum_limit": r.at[y, "referendum_limit"],
                    }
                )
    cols = ["id", "name", "year", "band_d_increase", "referendum_limit"]
    return pd.DataFrame(rows, columns=cols)


def sensitivity(params: BudgetParams, option_id: str) -> pd.DataFrame:
    """Effect of each sensitivity test on the option's cumulative position over the plan.

    Returns
    -------
    pandas.DataFrame
        One row per factor: ``factor``, ``low_label``, ``high_label``, ``base``,
        ``low`` and ``high`` (the cumulative position, GBP m) and ``low_change`` and
        ``high_change`` (against the base), sorted with the widest swing first.
    """
    s = params.sensitivity
    last = params.years[-1]
    base = project(params, option_id).at[last, "cumulative"]
    tests = [
        (
            "Pay award",
            f"{s.pay_award_points:g} point lower",
            f"{s.pay_award_points:g} point higher",
            Shock(pay_points=-s.pay_award_points),
            Shock(pay_points=s.pay_award_points),
        ),
        (
            "Tax base growth",
            f"{s.tax_base_growth_points:g} point lower",
            f"{s.tax_base_growth_points:g} point higher",
            Shock(tax_base_growth_points=-s.tax_base_growth_points),
            Shock(tax_base_growth_points=s.tax_base_growth_points),
        ),
        (
            "Core grants",
            f"{s.grant_pct:g}% lower",
            f"{s.grant_pct:g}% higher",
            Shock(grant_pct=-s.grant_pct),
            Shock(grant_pct=s.grant_pct),
        ),
    ]
    rows = []
    for factor, lo_label, hi_label, lo, hi in tests:
        lo_v = project(params, option_id, lo).at[last, "cumulative"]
        hi_v = project(params, option_id, hi).at[last, "cumulative"]
        rows.append(
            {
                "factor": factor,
                "low_label": lo_label,
                "high_label": hi_label,
                "base": base,
                "low": lo_v,
                "high": hi_v,
                "low_change": lo_v - base,
                "high_change": hi_v - base,
            }
        )
    out = pd.DataFrame(rows)
    swing = (out["high_change"] - out["low_change"]).abs()
    return out.loc[swing.sort_values(ascending=False).index].reset_index(drop=True)


def reproduction(params: BudgetParams) -> pd.DataFrame:
    """The model's results beside the figures the paper publishes for each option.

    Returns
    -------
    pandas.DataFrame
        One row per published figure: ``option``, ``measure``, ``published``, ``model``,
        ``difference`` (GBP m) and ``citation``.
    """
    rows = []
    for o in params.options:
        if o.published is None:
            continue
        r = project(params, o.id)
        last = params.years[-1]
        rows.append(
            {
                "option": o.name,
                "measure": f"Position over the MTFP {params.years[0]} to {last}",
                "published": o.published.mtfp_position,
                "model": r.at[last, "cumulative"],
                "citation": o.published.citation,
            }
        )
        for y, v in o.published.debt_charges.items():
            rows.append(
                {
                    "option": o.name,
                    "measure": f"Debt charges {y}",
                    "published": v,
                    "model": r.at[y, "debt_charges"],
                    "citation": o.published.citation,
                }
            )
    out = pd.DataFrame(rows, columns=["option", "measure", "published", "model", "citation"])
    out.insert(4, "difference", out["model"] - out["published"])
    return out


def assumptions_table(params: BudgetParams) -> pd.DataFrame:
    """Every input with its values, whether published or illustrative, and its citation.

    Returns
    -------
    pandas.DataFrame
        Columns ``input`` (the field path, e.g. ``lines.core_grants`` or
        ``options.1-orange.revenue_contribution_to_capital``), ``values`` (``"2022-23: 10"``
        pairs, or the single value), ``source``, ``citation`` and ``note``.
    """
    rows: list[dict[str, str]] = []

    def add(name: str, seg: Scalar | Series) -> None:
        if isinstance(seg, Scalar):
            values = f"{seg.value:,.6g}"
        else:
            values = "; ".join(f"{y}: {v:,.6g}" for y, v in seg.values.items()) or "none"
        rows.append(
            {
                "input": name,
                "values": values,
                "source": seg.source,
                "citation": seg.citation or "",
                "note": seg.note or "",
            }
        )

    for name in Constants.model_fields:
        add(f"constants.{name}", getattr(params.constants, name))
    for name in Lines.model_fields:
        for seg in getattr(params.lines, name):
            add(f"lines.{name}", seg)
    for kind in ("growth", "savings"):
        for item, segs in getattr(params, kind).items():
            for seg in segs:
                add(f"{kind}.{item}", seg)
    for name, sc in params.reserves.opening.items():
        add(f"reserves.opening.{name}", sc)
    for name, segs in params.reserves.planned_use.items():
        for seg in segs:
            add(f"reserves.planned_use.{name}", seg)
    for o in params.options:
        for line, segs in o.changes.items():
            for seg in segs:
                add(f"options.{o.id}.{line}", seg)
    return pd.DataFrame(rows, columns=["input", "values", "source", "citation", "note"])


def budget_file_label(path: str | os.PathLike[str]) -> str:
    """Return ``path`` relative to the project root when it is inside it (for source lines)."""
    p = Path(config.resolve(path))
    try:
        return str(p.relative_to(config.PROJECT_ROOT))
    except ValueError:
        return str(p)


# --------------------------------------------------------------------------------------------
# Rolling the plan forward one year
# --------------------------------------------------------------------------------------------

#: Rounding of rolled money and rates (GBP m to 1/10,000 of a million, i.e. £100).
ROLL_DECIMALS = 4


def _r(x: float) -> float:
    return round(float(x) + 0.0, ROLL_DECIMALS) + 0.0


def _segment_at(segs: list[Series], year: str) -> Series | None:
    for s in segs:
        if year in s.values:
            return s
    return None


def _line_segments(p: BudgetParams, opt: Option, line: str) -> dict[str, tuple[float, Series]]:
    """Year -> (value, the segment it came from) for a line, the option's changes applied."""
    base = getattr(p.lines, line) if line in Lines.model_fields else []
    out: dict[str, tuple[float, Series]] = {}
    for s in base:
        out.update({y: (v, s) for y, v in s.values.items()})
    for s in opt.changes.get(line, []):
        out.update({y: (v, s) for y, v in s.values.items()})
    return out


def _group(items: dict[str, tuple[float, Series]], years: list[str]) -> list[dict[str, Any]]:
    """Series mappings for ``years``, one per source segment, in year order."""
    groups: list[tuple[Series, dict[str, float]]] = []
    for y in years:
        if y not in items:
            continue
        v, seg = items[y]
        if groups and groups[-1][0] is seg:
            groups[-1][1][y] = _r(v)
        else:
            groups.append((seg, {y: _r(v)}))
    out = []
    for seg, vals in groups:
        d: dict[str, Any] = {"values": vals, "source": seg.source}
        if seg.citation:
            d["citation"] = seg.citation
        if seg.note:
            d["note"] = seg.note
        out.append(d)
    return out


def _repeat(line_items: dict[str, tuple[float, Series]], last: str, new: str) -> dict[str, Any]:
    value = line_items[last][0]
    return {
        "values": {new: _r(value)},
        "source": "illustrative",
        "note": f"{new}: the {last} value repeated by `scrutiny budget roll`; replace it.",
    }


def roll_forward(params: BudgetParams, option_id: str | None = None) -> dict[str, Any]:
    """The next year's budget parameters, as a mapping ready to write as YAML.

    The plan moves on one year: the first plan year becomes the base year and a new last
    year is added. The option decided (``option_id``, else the file's ``decided_option``)
    becomes the plan: its changes are folded into the lines. Then:

    * ``band_d_base``: the base Band D plus the decided first-year increase (published when
      both are, with both citations);
    * ``pay_base`` and ``non_pay_base``: the model's first-year pay and non-pay costs;
      recurring growth and savings started by then are carried as one growth and one
      savings item starting in the new first plan year, at the prices they started at, so
      the rolled plan's net revenue expenditure equals the old plan's in the years both
      cover;
    * ``opening_cfr``: the model's capital financing requirement at the end of the old base
      year. The rolled plan repays it all over ``existing_debt_life_years``: an
      approximation, as the old plan repaid the old base year's borrowing over the (shorter)
      asset life, so debt charges differ slightly from the old plan's;
    * reserves: each reserve's balance at the end of the first plan year under the decided
      option;
    * yearly lines: the years still in the plan keep their values and sources; the new last
      year repeats the old last year's value, labelled illustrative (replace it);
    * options: one, the plan carried forward with no change. Add the options to compare;
      the published results, the decision and the first-year referendum limit are for the
      analyst to type in with their citations.

    Money is rounded to :data:`ROLL_DECIMALS` decimal places.

    Raises
    ------
    ValueError
        No option is given and the file names no decided option.
    KeyError
        ``option_id`` is not an option of the file.
    """
    opt_id = option_id or params.decided_option
    if not opt_id:
        raise ValueError(
            "give the option that was decided (--option): the budget parameters name no "
            "decided_option"
        )
    opt = params.option(opt_id)
    r = project(params, opt_id)
    y1 = params.years[0]
    new_years = [*params.years[1:], next_year(params.years[-1])]
    new_all = [y1, *new_years]
    old_last, new_last = params.years[-1], new_years[-1]
    c = params.constants

    inc_seg = _line_segments(params, opt, "band_d_increase")[y1][1]
    band_d = float(r.at[y1, "band_d"])
    increase = float(r.at[y1, "band_d_increase"])
    published = c.band_d_base.source == "published" and inc_seg.source == "published"
    band: dict[str, Any] = {
        "value": _r(band_d),
        "source": "published" if published else "illustrative",
    }
    how = (
        f"{y1} Band D = {params.base_year} £{c.band_d_base.value:,.2f} + the {y1} increase "
        f"£{increase:,.2f} ({opt.name})"
    )
    if published:
        band["citation"] = f"{how}: {c.band_d_base.citation}; {inc_seg.citation}"
    else:
        band["note"] = f"{how}; rolled by `scrutiny budget roll`"
    rolled = "rolled forward by `scrutiny budget roll`"
    constants: dict[str, Any] = {
        "band_d_base": band,
        "pay_base": {
            "value": _r(r.at[y1, "pay"]),
            "source": "illustrative",
            "note": f"{y1} pay costs in the model ({rolled}).",
        },
        "non_pay_base": {
            "value": _r(r.at[y1, "non_pay"]),
            "source": "illustrative",
            "note": f"{y1} non-pay costs in the model ({rolled}).",
        },
        "opening_cfr": {
            "value": _r(r.at[params.base_year, "cfr"]),
            "source": "illustrative",
            "note": f"Capital financing requirement at the end of {params.base_year} in the "
            f"model ({rolled}); repaid over existing_debt_life_years.",
        },
        "existing_debt_life_years": {
            **c.existing_debt_life_years.model_dump(exclude_none=True),
            "note": f"Years over which the debt held at the start of {y1} is repaid (equal "
            f"instalments), as in the {params.years[0]} plan ({rolled}).",
        },
        "asset_life_years": c.asset_life_years.model_dump(exclude_none=True),
    }

    lines: dict[str, Any] = {}
    for line, rule in _LINE_YEARS.items():
        items = _line_segments(params, opt, line)
        if line == "tax_base":
            known = {y: v for y, v in items.items() if y in new_all}
            segs = _group(known, new_all)
            if y1 not in known:
                segs.insert(
                    0,
                    {
                        "values": {y1: _r(r.at[y1, "tax_base"])},
                        "source": "illustrative",
                        "note": f"{y1} tax base in the model ({rolled}).",
                    },
                )
            lines[line] = segs
            continue
        if line == "tax_base_growth_pct":
            given = {y for s in lines["tax_base"] for y in s["values"]}
            segs = _group(items, [y for y in new_years if y not in given])
            if new_last not in given:
                last_growth = old_last if old_last in items else None
                segs.append(
                    _repeat(items, old_last, new_last)
                    if last_growth
                    else {
                        "values": {new_last: 0.0},
                        "source": "illustrative",
                        "note": f"{new_last}: no growth assumed by `scrutiny budget roll`.",
                    }
                )
            lines[line] = segs
            continue
        years = new_years if rule == "plan" else new_all
        segs = _group(items, years)
        if rule in ("plan", "all"):
            segs.append(_repeat(items, old_last, new_last))
        if segs:
            lines[line] = segs

    def _items(kind: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, segs in getattr(params, kind).items():
            kept = [
                {
                    **s.model_dump(exclude_none=True),
                    "values": {y: v for y, v in s.values.items() if y in new_years},
                }
                for s in segs
            ]
            kept = [s for s in kept if s["values"]]
            if kept:
                out[name] = kept
        started = float(r.at[y1, "growth" if kind == "growth" else "savings"])
        if abs(started) > 1e-12:
            names = ", ".join(
                n
                for n, segs in getattr(params, kind).items()
                if any(y <= y1 for x in segs for y in x.values)
            )
            out[f"carried_from_{y1.replace('-', '_')}"] = [
                {
                    "values": {new_years[0]: _r(started)},
                    "source": "illustrative",
                    "note": f"Recurring {kind} started by {y1} ({names}), carried at the prices "
                    f"it started at ({rolled}).",
                }
            ]
        return out

    use = _planned_use(params)
    res = reserves_path(
        {k: v.value for k, v in params.reserves.opening.items()},
        use,
        r.loc[params.years, "surplus"],
        params.reserves.surplus_to,
    )
    reserves = {
        "surplus_to": params.reserves.surplus_to,
        "opening": {
            name: {
                "value": _r(res.at[y1, name]),
                "source": "illustrative",
                "note": f"Balance at the end of {y1} under {opt.name} in the model ({rolled}).",
            }
            for name in params.reserves.opening
        },
        "planned_use": {
            name: kept
            for name, segs in params.reserves.planned_use.items()
            if (
                kept := [
                    {
                        **s.model_dump(exclude_none=True),
                        "values": {y: v for y, v in s.values.items() if y in new_years},
                    }
                    for s in segs
                    if any(y in new_years for y in s.values)
                ]
            )
        },
    }

    return {
        "title": f"Precept {new_years[0]} and the Medium Term Financial Plan to {new_last}",
        "base_year": y1,
        "years": new_years,
        "constants": constants,
        "lines": lines,
        "growth": _items("growth"),
        "savings": _items("savings"),
        "reserves": reserves,
        "options": [
            {
                "id": "carried",
                "name": "The plan carried forward",
                "colour": "grey",
                "summary": f"The {y1} decision ({opt.name}) carried forward with no change; "
                f"add the options for {new_years[0]} to compare.",
            }
        ],
        "sensitivity": params.sensitivity.model_dump(),
    }


def roll_text(
    params: BudgetParams, source: str | os.PathLike[str], option_id: str | None = None
) -> str:
    """:func:`roll_forward` as YAML text with a header saying what to edit; it validates."""
    import yaml

    out = roll_forward(params, option_id)
    # The rolled file must load: fail here rather than when the analyst runs it.
    parse_budget(out, file="(rolled budget parameters)")
    first = out["years"][0]
    header = [
        f"# Budget parameters for the precept {first} and the MTFP {first} to {out['years'][-1]}:",
        f"# made by `scrutiny budget roll` from {Path(source).name}. Edit before using it:",
        f"#  - lines.referendum_limit {first}: type in the limit the Home Office sets, with its",
        "#    citation;",
        "#  - replace every value `budget roll` repeated or derived (their notes say so) with the",
        "#    papers' figures where published (source: published, citation: ...);",
        f"#  - options: add the options the board compares for {first}; decided_option and",
        "#    decision once the Commissioner has decided.",
        "",
    ]

    class _Dumper(yaml.SafeDumper):
        pass

    def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        style = '"' if _YEAR_RE.match(value) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    body = yaml.dump(out, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(header) + body


def write_roll(
    source: str | os.PathLike[str],
    *,
    option_id: str | None = None,
    out: str | os.PathLike[str] | None = None,
) -> Path:
    """Roll ``source`` forward one year into ``out`` (default ``mtfp-<first new year>.yaml``).

    The default file is beside ``source``, named after the rolled plan's first year, as
    ``mtfp-2022-23.yaml`` is named after its own (so 2022-23 rolls to ``mtfp-2023-24.yaml``).

    Never overwrites: an existing target is a :class:`~scrutiny.errors.ParamsError`.
    """
    src = config.resolve(source)
    params = load_budget(src, record=False)
    try:
        text = roll_text(params, src, option_id)
    except (KeyError, ValueError) as exc:
        raise ParamsError(src, str(exc).strip("'\"")) from None
    first = params.years[1] if len(params.years) > 1 else next_year(params.years[0])
    target = Path(out) if out is not None else src.parent / f"mtfp-{first}.yaml"
    try:
        with target.open("x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise ParamsError(
            target, "already exists; budget roll never overwrites a parameters file"
        ) from None
    return target
