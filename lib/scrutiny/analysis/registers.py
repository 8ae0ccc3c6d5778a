"""The board's registers, carried from board to board like the action log.

A cycle file (``params/cycles/YYYY-MM.yaml``) may hold a ``registers:`` block with five
registers the Corporate Governance Board reviews (governance strategy, seed 000):

``hmicfrs``
    HMICFRS recommendations and areas for improvement (report, date, text, owner, due,
    status, evidence).
``risks``
    The corporate risk register: likelihood and impact each on a 1 to 5 scale (score =
    likelihood x impact, 1 to 25), owner, controls, and the score at the last board
    (``previous``), which gives the movement since then.
``collaborations``
    Collaborations (partners, annual cost in GBP millions, benefits claimed, evidence).
``projects``
    Transformation and change projects (business case, stage, RAG status, budget and
    forecast cost in GBP millions, benefits planned and realised).
``delivery``
    The Police and Crime Plan delivery plan's activity (ambition, theme, activity, owner,
    milestone, status, evidence, linked KPIs).

Every entry has an ``id`` (unique within its register) and a ``session``: entries taken in
closed session never reach a public page (:func:`select` drops them before anything else
reads the registers). The models are strict (pydantic ``extra="forbid"``) and are part of
the cycle file's model (:class:`scrutiny.analysis.board.Cycle`); the cross-references
(delivery themes in ``params/plan.yaml``, KPI ids in ``params/kpis.yaml``) are checked by
:func:`reference_problems`, which the runner calls before any notebook starts.

Whether an entry is late or at risk is decided in ONE place, :func:`flags`; every page
takes its words from there. :func:`carry_forward` gives the registers the next cycle
starts with (``scrutiny new-cycle``): entries not yet done, each risk's current score
becoming its ``previous``. :func:`changes` says what changed since the last board.

Everything here is pure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from scrutiny.errors import ParamsError

if TYPE_CHECKING:  # pandas is imported where a frame is built: validating a cycle file
    import pandas as pd  # (every `scrutiny run`, warm or not) does not need it

Session = Literal["open", "closed"]
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Scale = Annotated[int, Field(ge=1, le=5)]

#: The registers, in page order, with their names in words.
REGISTER_NAMES: dict[str, str] = {
    "hmicfrs": "HMICFRS recommendations and areas for improvement",
    "risks": "Corporate risk register",
    "collaborations": "Collaborations",
    "projects": "Transformation and change projects",
    "delivery": "Delivery plan activity",
}

#: Risk score bands (score = likelihood x impact): the usual 5 x 5 corporate risk matrix.
#: A score of 15 or more is high, 6 to 12 medium, 1 to 5 low.
HIGH_RISK = 15
MEDIUM_RISK = 6

#: Columns of :func:`flags`.
FLAG_COLUMNS = [
    "register",
    "id",
    "title",
    "owner",
    "due",
    "status",
    "session",
    "done",
    "overdue",
    "days_overdue",
    "at_risk",
    "progress",
    "flag",
]

#: Columns of :func:`risk_movement`.
RISK_COLUMNS = [
    "id",
    "title",
    "owner",
    "likelihood",
    "impact",
    "score",
    "level",
    "previous_score",
    "change",
    "movement",
    "session",
]

#: Columns of :func:`changes`.
CHANGE_COLUMNS = ["register", "id", "title", "session", "change"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Recommendation(_Strict):
    """An HMICFRS recommendation or area for improvement, tracked until complete."""

    id: Id
    kind: Literal["recommendation", "area for improvement"]
    report: str = Field(description="the inspection report, e.g. 'PEEL 2021/22'")
    report_date: dt.date = Field(description="the report's publication date")
    text: str = Field(description="the recommendation or area for improvement, as published")
    owner: str
    due: dt.date
    status: Literal["open", "in progress", "at risk", "complete"]
    evidence: str = ""
    session: Session = "open"


class RiskScore(_Strict):
    """Likelihood and impact, each 1 (lowest) to 5 (highest)."""

    likelihood: Scale
    impact: Scale

    @property
    def score(self) -> int:
        """Likelihood x impact, 1 to 25."""
        return self.likelihood * self.impact


class Risk(_Strict):
    """A corporate risk, scored on the 5 x 5 likelihood x impact matrix."""

    id: Id
    title: str
    owner: str
    likelihood: Scale
    impact: Scale
    controls: str
    previous: RiskScore | None = Field(
        default=None, description="the score at the last board (set by scrutiny new-cycle)"
    )
    review_due: dt.date
    status: Literal["open", "closed"] = "open"
    session: Session = "open"

    @property
    def score(self) -> int:
        """Likelihood x impact, 1 to 25."""
        return self.likelihood * self.impact


class Collaboration(_Strict):
    """A collaboration the force pays into, and the benefits claimed for it."""

    id: Id
    title: str
    partners: list[str] = Field(min_length=1)
    annual_cost: float = Field(ge=0, description="the force's annual cost, GBP millions")
    benefits: str = Field(description="the benefits claimed")
    evidence: str = ""
    owner: str
    review_due: dt.date
    status: Literal["active", "under review", "at risk", "ended"]
    session: Session = "open"


class Project(_Strict):
    """A transformation or change project, from business case to benefits realised."""

    id: Id
    title: str
    business_case: str = Field(description="the business case: what it is for and when agreed")
    owner: str
    stage: Literal["concept", "business case", "delivery", "benefits realisation", "closed"]
    rag: Literal["red", "amber", "green"]
    budget: float = Field(ge=0, description="approved budget, GBP millions")
    forecast_cost: float = Field(ge=0, description="forecast cost at completion, GBP millions")
    benefits_planned: str
    benefits_realised: str = ""
    due: dt.date = Field(description="the next milestone")
    session: Session = "open"


class Activity(_Strict):
    """An activity of the delivery plan towards an ambition of the Police and Crime Plan."""

    id: Id
    ambition: str
    theme: str = Field(description="a theme id of params/plan.yaml")
    activity: str
    owner: str
    milestone: dt.date
    status: Literal["not started", "in progress", "at risk", "complete"]
    evidence: str = ""
    kpis: list[str] = Field(default_factory=list, description="KPI ids of params/kpis.yaml")
    session: Session = "open"


class Registers(_Strict):
    """The five registers of a cycle file's ``registers:`` block."""

    illustrative: bool = Field(
        default=False,
        description="the entries are illustrative (modelled on the seed papers), not real",
    )
    hmicfrs: list[Recommendation] = Field(default_factory=list)
    risks: list[Risk] = Field(default_factory=list)
    collaborations: list[Collaboration] = Field(default_factory=list)
    projects: list[Project] = Field(default_factory=list)
    delivery: list[Activity] = Field(default_factory=list)

    @field_validator("hmicfrs", "risks", "collaborations", "projects", "delivery", mode="before")
    @classmethod
    def _empty(cls, value: Any) -> Any:
        """Read a register left empty in YAML as empty."""
        return [] if value is None else value

    def entries(self) -> Iterable[tuple[str, Any]]:
        """Every entry as (register key, entry), registers in :data:`REGISTER_NAMES` order."""
        for key in REGISTER_NAMES:
            for e in getattr(self, key):
                yield key, e

    def __bool__(self) -> bool:
        return any(True for _ in self.entries())


#: The model of each register's entries (for error messages).
ENTRY_MODELS: dict[str, type[BaseModel]] = {
    "hmicfrs": Recommendation,
    "risks": Risk,
    "collaborations": Collaboration,
    "projects": Project,
    "delivery": Activity,
}


# --------------------------------------------------------------------------- validation


def model_at(loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The model an error location inside ``registers`` points into (for key suggestions).

    ``loc`` starts after ``registers``: ``("risks", 2, "likelyhood")`` -> :class:`Risk`,
    ``("risks", 2, "previous", "x")`` -> :class:`RiskScore`, ``("x",)`` -> :class:`Registers`.
    """
    if len(loc) >= 4 and loc[0] == "risks" and loc[2] == "previous":
        return RiskScore
    if len(loc) >= 3 and loc[0] in ENTRY_MODELS and isinstance(loc[1], int):
        return ENTRY_MODELS[str(loc[0])]
    return Registers


def where(raw_registers: Any, loc: Sequence[int | str]) -> str:
    """Name an error location inside ``registers`` with the entry's id when it has one.

    ``("risks", 2, "impact")`` -> ``registers.risks[2] (id 'R3').impact``.
    """
    out = "registers"
    for n, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
            if n == 1:
                try:
                    ident = raw_registers[loc[0]][part].get("id")
                except (KeyError, IndexError, TypeError, AttributeError):
                    ident = None
                if ident is not None:
                    out += f" (id '{ident}')"
        else:
            out += f".{part}"
    return out


def duplicate_problems(registers: Registers, *, file: Any) -> list[ParamsError]:
    """Ids used twice within a register (pure; :func:`scrutiny.analysis.board.load_cycle`)."""
    problems = []
    for key in REGISTER_NAMES:
        seen: set[str] = set()
        for i, e in enumerate(getattr(registers, key)):
            if e.id in seen:
                problems.append(
                    ParamsError(file, f"registers.{key}[{i}] (id '{e.id}').id: used twice")
                )
            seen.add(e.id)
    return problems


def reference_problems(
    registers: Registers,
    *,
    file: Any,
    kpi_ids: Sequence[str],
    theme_ids: Sequence[str],
) -> list[ParamsError]:
    """Delivery activities naming a theme or KPI that does not exist.

    Parameters
    ----------
    registers
        The cycle's registers.
    file
        The cycle file, named in errors.
    kpi_ids
        The KPI ids of ``params/kpis.yaml``.
    theme_ids
        The theme ids of ``params/plan.yaml``.

    Returns
    -------
    list of ParamsError
        One per problem, naming the file, the entry (index and id), the key and what was
        expected.
    """
    from scrutiny.analysis.board import suggest_key  # board imports this module

    problems = []
    for i, a in enumerate(registers.delivery):
        at = f"registers.delivery[{i}] (id '{a.id}')"
        if a.theme not in theme_ids:
            problems.append(
                ParamsError(
                    file,
                    f"{at}.theme: '{a.theme}' is not a theme of params/plan.yaml"
                    f"{suggest_key(a.theme, list(theme_ids))} (expected one of: "
                    f"{', '.join(theme_ids)})",
                )
            )
        for j, k in enumerate(a.kpis):
            if k not in kpi_ids:
                problems.append(
                    ParamsError(
                        file,
                        f"{at}.kpis[{j}]: KPI '{k}' is not in the KPI registry (params/kpis.yaml)"
                        f"{suggest_key(k, list(kpi_ids))}",
                    )
                )
    return problems


def previous_problems(
    registers: Registers, previous: Registers, *, file: Any, previous_cycle: str
) -> list[ParamsError]:
    """Risks whose ``previous`` score is not their score at the previous board.

    ``previous`` is what movement is measured from, so it must be the likelihood and impact
    the risk had in the previous cycle file (``scrutiny new-cycle`` copies them). A risk
    that was not on the previous register may have any ``previous`` or none.
    """
    before = {r.id: r for r in previous.risks}
    problems = []
    for i, r in enumerate(registers.risks):
        old = before.get(r.id)
        if old is None:
            continue
        was = f"likelihood {old.likelihood} x impact {old.impact}"
        if r.previous is None:
            problems.append(
                ParamsError(
                    file,
                    f"registers.risks[{i}] (id '{r.id}').previous: missing; the risk was on the "
                    f"{previous_cycle} register ({was}), so movement needs that score",
                )
            )
        elif (r.previous.likelihood, r.previous.impact) != (old.likelihood, old.impact):
            problems.append(
                ParamsError(
                    file,
                    f"registers.risks[{i}] (id '{r.id}').previous: likelihood "
                    f"{r.previous.likelihood} x impact {r.previous.impact} is not the "
                    f"{previous_cycle} register's {was}",
                )
            )
    return problems


# --------------------------------------------------------------------------- selection


def select(registers: Registers, session: Literal["open", "all"]) -> Registers:
    """The registers a page of ``session`` may show; ``"open"`` drops every closed entry."""
    if session not in ("open", "all"):
        raise ValueError(f"session must be 'open' or 'all', got {session!r}")
    if session == "all":
        return registers.model_copy(deep=True)
    kept = {
        key: [e.model_copy(deep=True) for e in getattr(registers, key) if e.session == "open"]
        for key in REGISTER_NAMES
    }
    return Registers(illustrative=registers.illustrative, **kept)


# --------------------------------------------------------------------------- the one rule


def risk_level(score: int) -> str:
    """``high`` (15 to 25), ``medium`` (6 to 12) or ``low`` (1 to 5)."""
    if score >= HIGH_RISK:
        return "high"
    return "medium" if score >= MEDIUM_RISK else "low"


def title_of(key: str, entry: Any) -> str:
    """The entry's name in one line: its title, text, activity or ambition."""
    if key == "hmicfrs":
        return str(entry.text)
    if key == "delivery":
        return str(entry.activity)
    return str(entry.title)


def _due(key: str, e: Any) -> dt.date:
    return (
        e.review_due
        if key in ("risks", "collaborations")
        else (e.milestone if key == "delivery" else e.due)
    )


def _done(key: str, e: Any) -> bool:
    if key == "risks":
        return e.status == "closed"
    if key == "collaborations":
        return e.status == "ended"
    if key == "projects":
        return e.stage == "closed"
    return e.status == "complete"


def _risk_reasons(key: str, e: Any) -> list[str]:
    """Why a (not done) entry is at risk, in words; empty when it is not."""
    if key in ("hmicfrs", "collaborations", "delivery"):
        return ["reported at risk"] if e.status == "at risk" else []
    if key == "risks":
        out = []
        if e.score >= HIGH_RISK:
            out.append(f"high risk (score {e.score} of 25)")
        if e.previous is not None and e.score > e.previous.score:
            out.append(f"score up from {e.previous.score} to {e.score} since the last board")
        return out
    out = []
    if e.rag == "red":
        out.append("RAG status red")
    if e.forecast_cost > e.budget:
        over = e.forecast_cost - e.budget
        out.append(
            f"forecast cost £{e.forecast_cost:,.2f}m is £{over:,.2f}m over the £{e.budget:,.2f}m "
            "budget"
        )
    return out


def _days(n: int) -> str:
    return f"{n} day" + ("" if n == 1 else "s")


def flags(registers: Registers, *, as_at: dt.date) -> pd.DataFrame:
    """Every entry with whether it is done, late or at risk, and why, in words.

    This is the one place the rule lives:

    * **done**: an HMICFRS item or delivery activity ``complete``, a risk ``closed``, a
      collaboration ``ended``, a project at stage ``closed``;
    * **overdue** (late): not done and its date (``due``; a risk's or collaboration's
      ``review_due``; an activity's ``milestone``) is before ``as_at``. An entry due on
      ``as_at`` itself is not yet late. ``days_overdue`` is ``(as_at - date).days``;
    * **at risk**: not done, and reported ``at risk`` (HMICFRS, collaborations, delivery);
      for a risk, a score of 15 or more (high) or a score higher than at the last board;
      for a project, RAG red or a forecast cost over its budget;
    * **progress**: ``done``, else ``late`` if overdue, else ``at risk``, else
      ``on track``;
    * **flag**: the reasons as a sentence fragment ("overdue by 12 days (due 11 November
      2022); reported at risk"), empty when nothing is wrong.

    Parameters
    ----------
    registers
        The registers (select the session first for a public page).
    as_at
        The date judged at: the meeting date.

    Returns
    -------
    DataFrame
        Columns :data:`FLAG_COLUMNS`, registers in :data:`REGISTER_NAMES` order, entries
        in file order. ``due`` is a Timestamp.
    """
    import pandas as pd

    rows = []
    for key, e in registers.entries():
        due = _due(key, e)
        done = _done(key, e)
        overdue = not done and due < as_at
        days = (as_at - due).days if overdue else 0
        reasons = [] if done else _risk_reasons(key, e)
        words = []
        if overdue:
            what = "review" if key in ("risks", "collaborations") else "due"
            words.append(f"overdue by {_days(days)} ({what} {due.day} {due.strftime('%B %Y')})")
        words += reasons
        if done:
            progress = "done"
        elif overdue:
            progress = "late"
        elif reasons:
            progress = "at risk"
        else:
            progress = "on track"
        status = e.stage if key == "projects" else e.status
        rows.append(
            {
                "register": key,
                "id": e.id,
                "title": title_of(key, e),
                "owner": e.owner,
                "due": pd.Timestamp(due),
                "status": status,
                "session": e.session,
                "done": done,
                "overdue": overdue,
                "days_overdue": days,
                "at_risk": bool(reasons),
                "progress": progress,
                "flag": "; ".join(words),
            }
        )
    df = pd.DataFrame(rows, columns=FLAG_COLUMNS)
    return df.astype(
        {
            "due": "datetime64[ns]",
            "done": bool,
            "overdue": bool,
            "days_overdue": "int64",
            "at_risk": bool,
        }
    )


# --------------------------------------------------------------------------- risks


def movement_words(score: int, previous: int | None) -> str:
    """``"new"``, ``"up 3"``, ``"down 2"`` or ``"no change"`` since the last board."""
    if previous is None:
        return "new"
    d = score - previous
    if d > 0:
        return f"up {d}"
    if d < 0:
        return f"down {-d}"
    return "no change"


def risk_movement(risks: Sequence[Risk]) -> pd.DataFrame:
    """Each risk's score, level and movement since the last board.

    Returns
    -------
    DataFrame
        Columns :data:`RISK_COLUMNS`, highest score first (then id). ``previous_score`` is
        missing (``<NA>``) and ``change`` 0 for a risk new since the last board.
    """
    import pandas as pd

    rows = []
    for r in risks:
        prev = r.previous.score if r.previous is not None else None
        rows.append(
            {
                "id": r.id,
                "title": r.title,
                "owner": r.owner,
                "likelihood": r.likelihood,
                "impact": r.impact,
                "score": r.score,
                "level": risk_level(r.score),
                "previous_score": prev,
                "change": 0 if prev is None else r.score - prev,
                "movement": movement_words(r.score, prev),
                "session": r.session,
            }
        )
    df = pd.DataFrame(rows, columns=RISK_COLUMNS)
    df = df.astype(
        {
            "likelihood": "int64",
            "impact": "int64",
            "score": "int64",
            "previous_score": "Int64",
            "change": "int64",
        }
    )
    df = df.sort_values(["score", "id"], ascending=[False, True], kind="stable")
    return df.reset_index(drop=True)


def heat_map_counts(risks: Sequence[Risk]) -> pd.DataFrame:
    """The 5 x 5 grid: one row per (likelihood, impact) cell holding a risk.

    Returns
    -------
    DataFrame
        Columns ``likelihood``, ``impact``, ``score``, ``level``, ``risks`` (count) and
        ``ids`` (joined with ", "), highest score first.
    """
    import pandas as pd

    cells: dict[tuple[int, int], list[str]] = {}
    for r in risks:
        cells.setdefault((r.likelihood, r.impact), []).append(r.id)
    rows = [
        {
            "likelihood": li,
            "impact": im,
            "score": li * im,
            "level": risk_level(li * im),
            "risks": len(ids),
            "ids": ", ".join(ids),
        }
        for (li, im), ids in cells.items()
    ]
    df = pd.DataFrame(rows, columns=["likelihood", "impact", "score", "level", "risks", "ids"])
    df = df.astype({"likelihood": "int64", "impact": "int64", "score": "int64", "risks": "int64"})
    df = df.sort_values(["score", "likelihood"], ascending=[False, False], kind="stable")
    return df.reset_index(drop=True)


# --------------------------------------------------------------------------- since the last board


def _state(key: str, e: Any) -> dict[str, str]:
    """What is compared between boards for an entry, in words."""
    out = {"status": e.stage if key == "projects" else e.status}
    if key == "risks":
        out["score"] = str(e.score)
    if key == "projects":
        out["RAG status"] = e.rag
        out["forecast cost"] = f"£{e.forecast_cost:,.2f}m"
    if key == "collaborations":
        out["annual cost"] = f"£{e.annual_cost:,.2f}m"
    date_key = {"risks": "review date", "collaborations": "review date", "delivery": "milestone"}
    d = _due(key, e)
    out[date_key.get(key, "due date")] = f"{d.day} {d.strftime('%B %Y')}"
    return out


def changes(current: Registers, previous: Registers | None) -> pd.DataFrame:
    """What changed in each register since the last board, entry by entry, in words.

    An entry is "new since the last board" when its id was not in the previous registers;
    "no longer on the register" when a previous entry that was not done has gone (a done
    entry is expected to go: new-cycle leaves it in the older file); otherwise each
    compared value that differs is listed ("status in progress to complete; score 9 to
    12"). Unchanged entries are left out.

    Parameters
    ----------
    current
        This cycle's registers (select the session first for a public page).
    previous
        The previous cycle's registers, or None when there is none (every entry is then
        reported as new).

    Returns
    -------
    DataFrame
        Columns :data:`CHANGE_COLUMNS`, in register order, then file order; entries gone
        from the register last in each register.
    """
    import pandas as pd

    rows = []
    for key in REGISTER_NAMES:
        before = {e.id: e for e in getattr(previous, key)} if previous is not None else {}
        now_ids = set()
        for e in getattr(current, key):
            now_ids.add(e.id)
            if e.id not in before:
                words = "new since the last board"
            else:
                old, new = _state(key, before[e.id]), _state(key, e)
                diffs = [f"{k} {old[k]} to {new[k]}" for k in new if old.get(k) != new[k]]
                if not diffs:
                    continue
                words = "; ".join(diffs)
            rows.append(
                {
                    "register": key,
                    "id": e.id,
                    "title": title_of(key, e),
                    "session": e.session,
                    "change": words,
                }
            )
        for ident, old in before.items():
            if ident in now_ids or _done(key, old):
                continue
            rows.append(
                {
                    "register": key,
                    "id": ident,
                    "title": title_of(key, old),
                    "session": old.session,
                    "change": "no longer on the register",
                }
            )
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


# --------------------------------------------------------------------------- carry forward


def carry_forward(registers: Registers) -> Registers:
    """The registers the next cycle starts with.

    Entries not yet done (see :func:`flags`) move on unchanged, except that each risk's
    current likelihood and impact become its ``previous`` score (the movement at the next
    board is measured from this one). Done entries stay in the older file as the record.
    """
    kept: dict[str, list[Any]] = {}
    for key in REGISTER_NAMES:
        out = []
        for e in getattr(registers, key):
            if _done(key, e):
                continue
            e = e.model_copy(deep=True)
            if key == "risks":
                e = e.model_copy(
                    update={"previous": RiskScore(likelihood=e.likelihood, impact=e.impact)}
                )
            out.append(e)
        kept[key] = out
    return Registers(illustrative=registers.illustrative, **kept)


def count_words(counts: Mapping[str, int]) -> str:
    """``{"late": 2, "at risk": 1}`` -> ``"2 late, 1 at risk"`` (zeros left out)."""
    parts = [f"{n} {word}" for word, n in counts.items() if n]
    return ", ".join(parts) if parts else "none"
