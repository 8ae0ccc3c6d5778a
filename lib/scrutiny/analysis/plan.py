"""Police and Crime Plan grading: themes, their KPIs, and rules that turn evidence into a grade.

``params/plan.yaml`` maps each theme of the Police and Crime Plan 2021-25 to KPI ids in the
KPI registry (``params/kpis.yaml``), with a baseline period and a direction of improvement,
and holds the grading rules as data. The cycle's assessment
(:func:`scrutiny.analysis.assessment.plan_evidence`) computes three evidence signals per
KPI and area:

``variation``
    from SPC of the latest point: ``special_cause_improvement``, ``special_cause_concern``,
    ``special_cause_neutral`` or ``common_cause``;
``change``
    from a rate-ratio test (allowing for the series' own dispersion; for a share, the
    difference of two proportions) of the baseline's calendar months in the latest year
    the data cover against the baseline (5%): ``better``, ``worse`` or
    ``no_significant_change``;
``assurance``
    against a target: ``consistently_passing``, ``consistently_failing``, ``inconsistent``
    or ``none``.

:func:`grade` applies the rules in order (first match wins) and returns a grade on the
HMICFRS five-point scale with a plain-English reason. Then the **latest-year check**
(:class:`LatestYear`): a like-for-like baseline such as December to February may be months
old, so the latest 12 months are also compared with the 12 months before (the same test,
allowing for the series' dispersion); while that comparison is significantly worse, the
grade is at best ``latest_year.cap`` (adequate), and the reason names both comparisons and
which one set the grade. Everything here is pure except :func:`load_plan`, which reads the
YAML file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from itertools import product
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scrutiny import provenance, yamlio
from scrutiny.config import PARAMS_DIR
from scrutiny.errors import ParamsError

#: The HMICFRS five-point scale, best first.
GRADES: tuple[str, ...] = ("outstanding", "good", "adequate", "requires improvement", "inadequate")

#: Shown instead of a grade when a KPI is monitored only or the evidence matches no rule.
NOT_GRADED = "not graded"

#: The evidence signals a rule may test, and the values each may take.
SIGNALS: dict[str, tuple[str, ...]] = {
    "variation": (
        "special_cause_improvement",
        "special_cause_concern",
        "special_cause_neutral",
        "common_cause",
    ),
    "change": ("better", "worse", "no_significant_change"),
    "assurance": ("consistently_passing", "consistently_failing", "inconsistent", "none"),
}

#: :func:`scrutiny.stats.spc.assurance_icon` codes -> the ``assurance`` signal (None: no target).
ASSURANCE_FROM_SPC: dict[str | None, str] = {
    "consistent_pass": "consistently_passing",
    "consistent_fail": "consistently_failing",
    "inconsistent": "inconsistent",
    None: "none",
}

# Plain-English phrases for the reason sentence; {baseline} names the KPI's baseline period
# and {recent} the months compared with it (the same calendar months, whole years later).
_PHRASES: dict[str, dict[str, str]] = {
    "variation": {
        "special_cause_improvement": "the latest month shows special-cause improvement",
        "special_cause_concern": "the latest month shows special-cause concern",
        "special_cause_neutral": (
            "the latest month shows special-cause variation that is neither better nor worse"
        ),
        "common_cause": "the latest month is within common-cause variation",
    },
    "change": {
        "better": "{recent} are significantly better than {baseline}",
        "worse": "{recent} are significantly worse than {baseline}",
        "no_significant_change": "{recent} are not significantly different from {baseline}",
    },
    "assurance": {
        "consistently_passing": "the measure consistently meets its target",
        "consistently_failing": "the measure consistently misses its target",
        "inconsistent": "the measure will sometimes meet and sometimes miss its target",
        "none": "there is no target to assure against",
    },
}

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
DEFAULT_PLAN_PATH = PARAMS_DIR / "plan.yaml"
DEFAULT_KPIS_PATH = PARAMS_DIR / "kpis.yaml"

Grade = Literal["outstanding", "good", "adequate", "requires improvement", "inadequate"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Model):
    """A span of whole months, inclusive at both ends."""

    start: str
    end: str
    label: str = Field(description="plain English, e.g. 'the year to October 2021'")

    @field_validator("start", "end")
    @classmethod
    def _month(cls, value: str) -> str:
        if not _MONTH.match(value):
            raise ValueError(f"'{value}' is not a month written YYYY-MM")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
        return self

    @property
    def months(self) -> int:
        """Number of months in the period."""
        s, e = pd.Period(self.start, "M"), pd.Period(self.end, "M")
        return (e - s).n + 1


class PlanKpi(_Model):
    """One KPI under a theme: how improvement is judged and against what baseline.

    ``direction`` may be left out when the KPI registry gives it (its ``direction``:
    decrease -> lower, increase -> higher, neutral -> monitor); ``measure`` is ``share``
    when the registry divides the KPI by another KPI's count. Targets live in the registry.
    ``graded: false`` keeps a KPI in the plan's tables without grading it (``note`` says
    why, e.g. recent outcomes still being recorded).
    """

    kpi: str
    direction: Literal["lower", "higher", "monitor"] | None = Field(
        default=None, description="lower/higher is better; monitor = reported but not graded"
    )
    measure: Literal["count", "share"] | None = None
    baseline: Period | None = None
    graded: bool = True
    note: str = Field(default="", description="why a KPI is monitored or not graded")

    @property
    def improvement(self) -> str:
        """The direction in :func:`scrutiny.stats.spc.xmr` terms: decrease, increase or neutral."""
        if self.direction is None:
            raise ValueError(f"KPI '{self.kpi}' has no direction (load the plan with load_plan)")
        return {"lower": "decrease", "higher": "increase", "monitor": "neutral"}[self.direction]


class Theme(_Model):
    """A Police and Crime Plan theme and the KPIs that evidence it."""

    id: str
    title: str
    summary: str = ""
    kpis: list[PlanKpi] = Field(min_length=1)


Clause = dict[str, Annotated[list[str], Field(min_length=1)]]


class GradingRule(_Model):
    """Give ``grade`` when any clause in ``when`` holds (every signal in that clause matches).

    A clause maps a signal to one value or a list of values; an empty clause ``{}`` matches
    any evidence (a catch-all).
    """

    grade: Grade
    when: list[Clause] = Field(min_length=1)
    reason: str | None = Field(default=None, description="fixed reason; else built from the clause")

    @field_validator("when", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        # Allow `variation: common_cause` as shorthand for `variation: [common_cause]`.
        if isinstance(value, list):
            return [
                {k: ([v] if isinstance(v, str) else v) for k, v in c.items()}
                if isinstance(c, dict)
                else c
                for c in value
            ]
        return value


class Evidence(_Model):
    """How the change signal is tested: the significance level.

    The months compared with a KPI's baseline are the same calendar months in the latest
    year the data cover (:func:`scrutiny.analysis.assessment.like_for_like`), so seasons
    match; the SPC chart behind the ``variation`` signal (its window and rebase month) is
    the cycle's (the cycle file's ``method:`` block), the same for every page.
    """

    alpha: float = Field(default=0.05, gt=0, lt=1)


class LatestYear(_Model):
    """The latest-year check: the best grade a KPI may have while its latest year is worse.

    The rules grade the like-for-like change from the KPI's baseline; for a baseline of a
    few months (December to February) the months compared may be eight months old. The
    latest 12 months against the 12 months before (the assessment's "Previous 12 months"
    comparison: the same test, allowing for the series' own dispersion) is the most recent
    like-for-like evidence. While it shows a significant change in the wrong direction, no
    KPI is graded better than ``cap``.

    ``cap`` is adequate by default. HMICFRS grades "adequate" when a force shows some of the
    characteristics of good performance but should make improvements (here: better than
    the baseline, worse than a year ago), and "requires improvement" when it shows few if
    any of them, which the rules keep for a KPI worse than its own baseline or in
    special-cause concern. ``cap`` may not be good or outstanding: that would let a KPI
    whose latest year is significantly worse be called good.
    """

    cap: Grade = "adequate"

    @field_validator("cap")
    @classmethod
    def _below_good(cls, value: str) -> str:
        if value in ("outstanding", "good"):
            raise ValueError(
                f"'{value}' would let a KPI whose latest 12 months are significantly worse "
                "be graded good (expected adequate, requires improvement or inadequate)"
            )
        return value


class Plan(_Model):
    """The Police and Crime Plan themes, KPIs and grading rules (``params/plan.yaml``).

    ``force`` is the force whose Commissioner set the plan (as police.uk spells it in
    "Falls within"); the assessment grades no other force's KPIs against it. Empty: a plan
    not tied to one force (hand-made plans in the tests).
    """

    plan: str
    area: str
    force: str = ""
    baseline: Period
    evidence: Evidence = Evidence()
    latest_year: LatestYear = LatestYear()
    themes: list[Theme] = Field(min_length=1)
    rules: list[GradingRule] = Field(min_length=1)

    def baseline_for(self, kpi: PlanKpi) -> Period:
        """The KPI's own baseline, else the plan's default."""
        return kpi.baseline or self.baseline

    def kpi_ids(self) -> list[str]:
        """Every KPI id named by a theme, in first-mention order, without repeats."""
        return list(dict.fromkeys(k.kpi for t in self.themes for k in t.kpis))


def _key(loc: Sequence[object]) -> str:
    """Render a pydantic error location as a YAML key path: ``themes[0].kpis[1].direction``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


# The registry's ``direction`` in this file's terms.
_FROM_REGISTRY = {"decrease": "lower", "increase": "higher", "neutral": "monitor"}


def _registry(path: Path) -> dict[str, dict[str, object]] | None:
    """``{id: {index, direction, plan_theme}}`` from the KPI registry, None if it is absent.

    Only the keys the plan needs are read; :func:`scrutiny.analysis.kpis.load_registry`
    checks the rest.
    """
    if not path.is_file():
        return None
    raw = yamlio.read_yaml(path) or {}
    entries = raw.get("kpis", []) if isinstance(raw, dict) else []
    return {
        str(e["id"]): {
            "index": i,
            "direction": e.get("direction"),
            "plan_theme": e.get("plan_theme"),
            "share": (e.get("denominator") or {}).get("kind") == "kpi",
        }
        for i, e in enumerate(entries)
        if isinstance(e, dict) and "id" in e
    }


def _with_registry(
    plan: Plan, registry: dict[str, dict[str, object]] | None, file: str | Path, reg_file: Path
) -> Plan:
    """Check the plan against the registry and fill directions the plan leaves out.

    The two files must agree: every plan KPI is in the registry with the same direction and
    (when the registry names one) the same theme, and every registry KPI that names a theme
    is listed under it.
    """
    themes = []
    for i, theme in enumerate(plan.themes):
        kpis = []
        for j, k in enumerate(theme.kpis):
            where = f"themes[{i}].kpis[{j}]"
            if registry is None:
                if k.direction is None:
                    raise ParamsError(
                        file,
                        f"{where}.direction: required when there is no KPI registry "
                        f"({reg_file}) to take it from (expected lower, higher or monitor)",
                    )
                kpis.append(k if k.measure else k.model_copy(update={"measure": "count"}))
                continue
            entry = registry.get(k.kpi)
            if entry is None:
                raise ParamsError(
                    file, f"{where}.kpi: '{k.kpi}' is not a KPI id in the registry {reg_file}"
                )
            reg_direction = _FROM_REGISTRY.get(str(entry["direction"]))
            if k.direction is not None and reg_direction and k.direction != reg_direction:
                raise ParamsError(
                    file,
                    f"{where}.direction: '{k.direction}' contradicts the registry {reg_file} "
                    f"(kpis[{entry['index']}].direction: {entry['direction']}, i.e. "
                    f"'{reg_direction}')",
                )
            if entry["plan_theme"] not in (None, theme.id):
                raise ParamsError(
                    file,
                    f"{where}.kpi: '{k.kpi}' is listed under theme '{theme.id}' but the registry "
                    f"{reg_file} gives kpis[{entry['index']}].plan_theme: {entry['plan_theme']}",
                )
            direction = k.direction or reg_direction
            if direction is None:
                raise ParamsError(file, f"{where}.direction: not given here or in {reg_file}")
            measure = k.measure or ("share" if entry["share"] else "count")
            kpis.append(k.model_copy(update={"direction": direction, "measure": measure}))
        themes.append(theme.model_copy(update={"kpis": kpis}))
    if registry is not None:
        ids = {t.id: {k.kpi for k in t.kpis} for t in plan.themes}
        for kpi, entry in registry.items():
            t = entry["plan_theme"]
            if t is None:
                continue
            if t not in ids:
                raise ParamsError(
                    reg_file,
                    f"kpis[{entry['index']}].plan_theme: '{t}' is not a theme id in {file} "
                    f"(expected one of {', '.join(ids)})",
                )
            if kpi not in ids[t]:
                raise ParamsError(
                    file,
                    f"themes[{list(ids).index(str(t))}].kpis: the registry {reg_file} puts "
                    f"'{kpi}' in this theme (kpis[{entry['index']}].plan_theme) but it is not "
                    "listed here",
                )
    return plan.model_copy(update={"themes": themes})


def _check_rules(rules: Sequence[GradingRule], file: str | Path) -> None:
    """Check signal names and values, and that every complete evidence row gets a grade."""
    for i, rule in enumerate(rules):
        for j, clause in enumerate(rule.when):
            for signal, values in clause.items():
                where = f"rules[{i}].when[{j}].{signal}"
                if signal not in SIGNALS:
                    raise ParamsError(
                        file,
                        f"{where}: unknown signal '{signal}' "
                        f"(expected one of {', '.join(sorted(SIGNALS))})",
                    )
                for v in values:
                    if v not in SIGNALS[signal]:
                        raise ParamsError(
                            file,
                            f"{where}: unknown value '{v}' for {signal} "
                            f"(expected one of {', '.join(SIGNALS[signal])})",
                        )
    # Coverage: with all three signals known, some rule must match, or a KPI would go ungraded.
    for combo in product(*SIGNALS.values()):
        evidence = dict(zip(SIGNALS, combo, strict=True))
        if _first_match(evidence, rules) is None:
            listed = ", ".join(f"{k}={v}" for k, v in evidence.items())
            raise ParamsError(
                file,
                f"rules: no rule matches the evidence {listed}; add a rule (or a catch-all "
                "clause {}) so that every combination of signals gets a grade",
            )


def validate_plan(raw: object, *, file: str | Path, kpis_path: Path | None = None) -> Plan:
    """Validate a parsed plan file.

    Parameters
    ----------
    raw
        The parsed YAML.
    file
        The file name, used in error messages.
    kpis_path
        The KPI registry; KPI ids are checked against it when the file exists.

    Returns
    -------
    Plan

    Raises
    ------
    ParamsError
        Naming the file and the key: an unknown key, grade, signal or value, a repeated
        theme id, rules that leave some evidence ungraded, or a disagreement with the KPI
        registry (a KPI id it lacks, a different direction or theme).
    """
    try:
        plan = Plan.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = _key(err["loc"])
        problem = err["msg"]
        if err["type"] == "extra_forbidden":
            problem = "unknown key"
        elif err["type"] == "literal_error" and key.endswith(".grade"):
            problem = f"unknown grade '{err['input']}' (expected one of {', '.join(GRADES)})"
        raise ParamsError(file, f"{key}: {problem}") from None
    seen: set[str] = set()
    for i, theme in enumerate(plan.themes):
        if theme.id in seen:
            raise ParamsError(file, f"themes[{i}].id: theme '{theme.id}' appears twice")
        seen.add(theme.id)
    reg_file = kpis_path if kpis_path is not None else DEFAULT_KPIS_PATH
    plan = _with_registry(plan, _registry(reg_file), file, reg_file)
    _check_rules(plan.rules, file)
    return plan


def load_plan(path: str | Path = DEFAULT_PLAN_PATH, *, kpis_path: str | Path | None = None) -> Plan:
    """Read and validate ``params/plan.yaml``.

    Parameters
    ----------
    path
        The plan file.
    kpis_path
        The KPI registry to check KPI ids against; defaults to ``params/kpis.yaml``.
        The check is skipped when that file does not exist.

    Returns
    -------
    Plan
    """
    path = Path(path)
    if not path.is_file():
        raise ParamsError(path, "file not found (expected the Police and Crime Plan YAML)")
    raw = yamlio.read_yaml(path)  # ParamsError: not UTF-8, not YAML, alias bomb
    provenance.record_input(path, description="Police and Crime Plan themes and grading rules")
    return validate_plan(raw, file=path, kpis_path=Path(kpis_path) if kpis_path else None)


def _known(value: object) -> bool:
    if value is None or value is pd.NA:
        return False
    return not (isinstance(value, float) and math.isnan(value))


def _signals(evidence: Mapping[str, object] | pd.Series) -> dict[str, str]:
    """The known signals in ``evidence``; unknown values are an error, missing ones skipped."""
    out: dict[str, str] = {}
    for signal, allowed in SIGNALS.items():
        value = evidence.get(signal)
        if not _known(value):
            continue
        if value not in allowed:
            raise ValueError(
                f"evidence {signal}='{value}' is not a known value "
                f"(expected one of {', '.join(allowed)})"
            )
        out[signal] = str(value)
    return out


def _first_match(
    signals: Mapping[str, str], rules: Sequence[GradingRule]
) -> tuple[GradingRule, Clause] | None:
    for rule in rules:
        for clause in rule.when:
            if all(signals.get(s) in values for s, values in clause.items()):
                return rule, clause
    return None


def change_signal(rate_ratio: float, significant: bool, direction: str | None) -> str | None:
    """The ``change`` signal from a rate-ratio test, given which way is better.

    Returns ``better``, ``worse`` or ``no_significant_change``; None when the direction is
    ``monitor`` (a rise is neither better nor worse) or the ratio is missing.
    """
    if direction not in ("lower", "higher") or not _known(rate_ratio):
        return None
    if not significant or rate_ratio == 1:
        return "no_significant_change"
    up = rate_ratio > 1
    return "better" if up == (direction == "higher") else "worse"


def latest_year_phrase(evidence: Mapping[str, object] | pd.Series, value: str) -> str:
    """The latest-year comparison in words, from the evidence's periods.

    E.g. ``"the latest 12 months (Nov 2021 to Oct 2022) are significantly worse than the
    12 months before (Nov 2020 to Oct 2021)"``.
    """
    now, before = evidence.get("latest_year_period"), evidence.get("previous_year_period")
    now_text = "the latest 12 months" + (f" ({now})" if _known(now) else "")
    before_text = "the 12 months before" + (f" ({before})" if _known(before) else "")
    verb = {
        "better": "are significantly better than",
        "worse": "are significantly worse than",
        "no_significant_change": "are not significantly different from",
    }[value]
    return f"{now_text} {verb} {before_text}"


def grade(
    evidence: Mapping[str, object] | pd.Series,
    rules: Plan | Sequence[GradingRule],
    *,
    cap: str | None = None,
) -> tuple[str, str]:
    """Grade one KPI's evidence: the first rule with a matching clause wins, then the cap.

    Parameters
    ----------
    evidence
        ``variation``, ``change`` and ``assurance`` (any may be missing or NaN, when they
        could not be computed); optionally ``baseline``, the plain-English name of the
        baseline period, and ``recent_period``, the months compared with it (e.g. ``"Dec
        2021 to Feb 2022"``), used in the reason; and ``latest_year`` (``better``,
        ``worse`` or ``no_significant_change``: the latest 12 months against the 12
        before; None or NaN when not available, and the reason says so; left out, no
        check) with ``latest_year_period``, ``previous_year_period`` and optionally
        ``previous_year_lockdown`` (the earlier year's months under Covid-19 restrictions)
        and ``latest_year_pct``.
    rules
        The plan, or its ordered rules.
    cap
        The best grade while ``latest_year`` is ``worse`` (:class:`LatestYear`); default
        the plan's ``latest_year.cap``, or adequate when only rules are given.

    Returns
    -------
    tuple[str, str]
        The grade (one of :data:`GRADES`, or :data:`NOT_GRADED` when no rule matches) and
        a reason. When the rules give a grade better than the cap the reason also gives the
        latest-year comparison: "Good: the latest matching months (Dec 2021 to Feb 2022)
        are significantly better than December 2019 to February 2020; the latest 12 months
        (Nov 2021 to Oct 2022) are not significantly different from the 12 months before
        (Nov 2020 to Oct 2021), so they do not lower the grade." When the latest year caps
        the grade, the reason says so first, then the grade the rules alone give and why.

    Raises
    ------
    ValueError
        If a signal, or ``latest_year``, has a value outside its vocabulary.
    """
    if isinstance(rules, Plan):
        rule_list, cap = rules.rules, cap or rules.latest_year.cap
    else:
        rule_list, cap = rules, cap or LatestYear().cap
    signals = _signals(evidence)
    latest = evidence.get("latest_year")
    latest = str(latest) if _known(latest) else None
    if latest is not None and latest not in SIGNALS["change"]:
        raise ValueError(
            f"evidence latest_year='{latest}' is not a known value "
            f"(expected one of {', '.join(SIGNALS['change'])})"
        )
    baseline = evidence.get("baseline")
    baseline = str(baseline) if _known(baseline) else "the baseline"
    period = evidence.get("recent_period")
    recent = "the latest matching months" + (f" ({period})" if _known(period) else "")
    match = _first_match(signals, rule_list)
    if match is None:
        given = ", ".join(f"{k}={v}" for k, v in signals.items()) or "no signals"
        return NOT_GRADED, f"Not graded: no grading rule matches the evidence ({given})."
    rule, clause = match
    g = rule.grade
    if rule.reason:
        head, because = rule.reason.rstrip("."), rule.reason.rstrip(".")
    else:
        parts = [_PHRASES[s][signals[s]].format(baseline=baseline, recent=recent) for s in clause]
        because = " and ".join(parts) if parts else "this is the catch-all rule"
        head = f"{g.capitalize()}: {because}"
    if GRADES.index(g) >= GRADES.index(cap) or "latest_year" not in evidence:
        return g, f"{head}."  # the check cannot lower it, or was not asked for
    if latest == "worse":
        text = (
            f"{cap.capitalize()}: {latest_year_phrase(evidence, latest)}, so the grade is held "
            f"at {cap}; the plan's rules alone would give {g}, because {because}."
        )
        lockdown = evidence.get("previous_year_lockdown")
        if _known(lockdown) and lockdown:
            pct = evidence.get("latest_year_pct")
            move = "change" if not _known(pct) else ("rise" if float(pct) > 0 else "fall")
            text += (
                f" The 12 months before include {lockdown}, under Covid-19 restrictions, so "
                f"part of the {move} may be recovery from lockdown."
            )
        return cap, text
    if latest is None:
        check = "the latest 12 months could not be compared with the 12 months before"
    else:
        check = f"{latest_year_phrase(evidence, latest)}, so they do not lower the grade"
    return g, f"{head}; {check}."


def grade_table(evidence_df: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Grade every KPI of every theme in the plan.

    Parameters
    ----------
    evidence_df
        One row per KPI: a ``kpi`` column (or index) and any of ``variation``, ``change``,
        ``assurance``.
    plan
        The loaded plan.

    Returns
    -------
    DataFrame
        Columns ``theme`` (title), ``kpi``, ``grade``, ``reason`` and ``capped`` (True when
        the latest-year check lowered the grade the rules give), one row per theme and KPI
        in plan order. KPIs with direction ``monitor`` or ``graded: false``, and KPIs
        without evidence, are listed
        as ``not graded`` with the reason. Evidence rows for KPIs the plan does not name are
        not graded; their ids are in ``result.attrs["not_in_plan"]``.

    Raises
    ------
    ValueError
        If a KPI appears in more than one evidence row, or a signal value is unknown.
    """
    ev = evidence_df.reset_index() if "kpi" not in evidence_df.columns else evidence_df
    if "kpi" not in ev.columns:
        raise ValueError("evidence_df needs a 'kpi' column or index")
    dupes = ev["kpi"][ev["kpi"].duplicated()].unique().tolist()
    if dupes:
        raise ValueError(f"evidence_df has more than one row for KPI(s) {', '.join(dupes)}")
    by_kpi = ev.set_index("kpi")
    rows = []
    for theme in plan.themes:
        for k in theme.kpis:
            capped = False
            if k.direction == "monitor":
                why = k.note or "a rise or fall is not in itself better or worse."
                g, reason = NOT_GRADED, f"Monitored, not graded: {why}"
            elif not k.graded:
                g, reason = NOT_GRADED, f"Not graded: {k.note or 'the plan says so.'}"
            elif k.kpi not in by_kpi.index:
                g, reason = NOT_GRADED, "Not graded: no evidence was supplied for this KPI."
            else:
                row = by_kpi.loc[k.kpi].to_dict()
                row["baseline"] = plan.baseline_for(k).label
                g, reason = grade(row, plan)
                capped = g != grade({**row, "latest_year": None}, plan)[0]
            rows.append(
                {"theme": theme.title, "kpi": k.kpi, "grade": g, "reason": reason, "capped": capped}
            )
    out = pd.DataFrame(rows, columns=["theme", "kpi", "grade", "reason", "capped"])
    out.attrs["not_in_plan"] = sorted(set(by_kpi.index) - set(plan.kpi_ids()))
    return out


def _rank(g: object) -> int | None:
    return GRADES.index(g) if g in GRADES else None


def movement(previous_grades: pd.DataFrame, current_grades: pd.DataFrame) -> pd.DataFrame:
    """Compare grades between two cycles.

    Parameters
    ----------
    previous_grades, current_grades
        Output of :func:`grade_table` (columns ``theme``, ``kpi``, ``grade``) for the
        earlier and the later cycle.

    Returns
    -------
    DataFrame
        Columns ``theme``, ``kpi``, ``previous``, ``current``, ``movement`` (``up``,
        ``down``, ``same``, ``new`` or ``not graded``) and ``sentence``, e.g. "improved
        from adequate to good". Rows follow the current table, then any theme/KPI only in
        the previous one. A grade missing from one side is shown as ``not graded``.
    """
    keys = ["theme", "kpi"]
    prev = previous_grades[[*keys, "grade"]].rename(columns={"grade": "previous"})
    curr = current_grades[[*keys, "grade"]].rename(columns={"grade": "current"})
    both = curr.merge(prev, on=keys, how="outer", sort=False, indicator=True)
    # Keep the current order first, then rows only the previous cycle had.
    order = {k: i for i, k in enumerate(zip(curr["theme"], curr["kpi"], strict=True))}
    both["_order"] = [
        order.get((t, k), len(order) + i)
        for i, (t, k) in enumerate(zip(both["theme"], both["kpi"], strict=True))
    ]
    both = both.sort_values("_order", kind="stable").reset_index(drop=True)
    both[["previous", "current"]] = both[["previous", "current"]].fillna(NOT_GRADED)
    moves, sentences = [], []
    for p, c in zip(both["previous"], both["current"], strict=True):
        rp, rc = _rank(p), _rank(c)
        if rp is None and rc is None:
            moves.append("same")
            sentences.append("not graded in either cycle")
        elif rp is None:
            moves.append("new")
            sentences.append(f"graded {c} (not graded last cycle)")
        elif rc is None:
            moves.append("not graded")
            sentences.append(f"not graded this cycle (was {p})")
        elif rc < rp:
            moves.append("up")
            sentences.append(f"improved from {p} to {c}")
        elif rc > rp:
            moves.append("down")
            sentences.append(f"declined from {p} to {c}")
        else:
            moves.append("same")
            sentences.append(f"stayed at {c}")
    both["movement"] = moves
    both["sentence"] = sentences
    return both[["theme", "kpi", "previous", "current", "movement", "sentence"]]
