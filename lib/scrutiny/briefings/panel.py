"""Content of the Panel's "Corporate Governance Board update" (``notebooks/panel_summary.ipynb``).

The Police and Crime Panel paper in which the Commissioner reports how he held the Chief
Constable to account at the Corporate Governance Board (seed 001): for each agenda item the
request from the Commissioner, the response from the force and the outcome of scrutiny
(text from the cycle file), the KPI evidence for it (latest month, SPC variation icon, a
plain sentence), and the action log with overdue actions marked.

There are two versions. The public one (``session="open"``, OFFICIAL, disclosure control
on) is built from the open-session items and actions only: :func:`select` drops everything
taken in closed session *before* anything else reads the cycle, so no closed item, action,
title or KPI can reach the page. The restricted one (``session="all"``) keeps everything
and must be marked OFFICIAL-SENSITIVE.

:func:`load_kpis` reads the KPI series (the edge); everything else is pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Literal

import numpy as np
import pandas as pd

from scrutiny.analysis import actions, narrative
from scrutiny.analysis.board import Action, AgendaItem, Cycle
from scrutiny.analysis.kpis import Kpi, kpi_series
from scrutiny.data import DataSources
from scrutiny.present.tables import icon_html
from scrutiny.stats import spc

Session = Literal["open", "all"]
CLOSED_ITEM = "An item taken in closed session"
OVERDUE_STYLE = (
    "display:inline-block;border-left:5px solid #B35C00;padding:0 0.4em;"
    "background:#FFF1E0;color:#1A1A1A;font-weight:700"
)
#: Count columns of :func:`kpi_table` and :func:`action_table` (for ``count_columns``).
KPI_COUNT_COLUMNS = ("Count in month",)


def check_session(session: str, classification: str) -> Session:
    """Check the ``session`` parameter against the page's classification.

    Raises
    ------
    ValueError
        For a session other than open or all, or closed-session material (``all``) on a page
        not marked OFFICIAL-SENSITIVE.
    """
    if session not in ("open", "all"):
        raise ValueError(f"parameter 'session': expected 'open' or 'all', got {session!r}")
    if session == "all" and classification != "OFFICIAL-SENSITIVE":
        raise ValueError(
            "parameter 'session' is 'all' (closed-session items included) but the "
            f"classification is {classification!r}: it must be 'OFFICIAL-SENSITIVE'"
        )
    return session  # type: ignore[return-value]


@dataclass(frozen=True)
class Selection:
    """What the page may show: the agenda items and actions of the chosen session."""

    session: Session
    agenda: list[AgendaItem]
    actions: list[Action]
    closed_note: str | None


def select(cycle: Cycle, session: Session) -> Selection:
    """Keep only what ``session`` allows; for "open", closed items and actions are gone.

    ``closed_note`` (public version only) says how many items and actions were taken in
    closed session, with no titles.
    """
    if session == "open":
        return Selection(
            "open",
            actions.public_agenda(cycle.agenda),
            actions.public_actions(cycle.actions),
            actions.closed_session_note(cycle.agenda, cycle.actions),
        )
    return Selection("all", list(cycle.agenda), list(cycle.actions), None)


def item_titles(selection: Selection, earlier: Sequence[Cycle] = ()) -> dict[str, str]:
    """Agenda item id -> title, for the action log (this cycle's agenda over earlier ones).

    Items of earlier cycles taken in closed session are named only in the restricted
    version; the public one says "An item taken in closed session".
    """
    titles: dict[str, str] = {}
    for c in sorted(earlier, key=lambda c: c.cycle):
        for i in c.agenda:
            if selection.session == "all" or i.session == "open":
                titles[i.id] = i.title
            else:
                titles[i.id] = CLOSED_ITEM
    titles.update({i.id: i.title for i in selection.agenda})
    return titles


# -------------------------------------------------------------------------- KPI evidence


def kpi_ids(selection: Selection) -> list[str]:
    """The KPIs the selected items name, in first-mention order."""
    return list(dict.fromkeys(k for i in selection.agenda for k in i.kpis))


def load_kpis(
    ids: Sequence[str],
    registry: Mapping[str, Kpi],
    sources: DataSources,
    *,
    data_to: str,
    cycle_file: str = "the cycle file",
) -> dict[str, pd.DataFrame]:
    """Monthly force series of each KPI id (a KPI not in the registry is an error)."""
    missing = [k for k in ids if k not in registry]
    if missing:
        raise ValueError(
            f"{cycle_file}: agenda KPI(s) {', '.join(missing)} are not in the KPI registry "
            f"(expected ids from params/kpis.yaml: {', '.join(registry)})"
        )
    return {
        k: kpi_series(
            registry[k], area=sources.force, end=data_to, sources=sources, registry=dict(registry)
        )
        for k in ids
    }


@dataclass
class KpiLine:
    """One KPI's evidence line: what the table row and the sentence are made from."""

    kpi: Kpi
    month: pd.Timestamp
    count: int
    share: float | None
    variation: str
    sentence: str
    withheld: bool
    synthetic: bool


def kpi_line(kpi: Kpi, series: pd.DataFrame, *, threshold: int | None = None) -> KpiLine:
    """Latest month, SPC variation and a sentence for one KPI.

    SPC runs on the monthly count (or share, for share KPIs); months without data are
    left out. With a ``threshold``, a latest count from 1 to ``threshold - 1`` is withheld:
    it appears neither in the table nor in the sentence.
    """
    share_kpi = kpi.denominator.kind == "kpi"
    col = "rate" if share_kpi else "count"
    values = series[col].astype(float).where(~series["missing"].astype(bool))
    result = spc.xmr(values.to_numpy(), series["month"], improvement=kpi.direction)
    summary = spc.summarise(result)
    last = series[series["month"] == summary.latest_date].iloc[0]
    count = int(last["count"])
    hide = threshold is not None and 0 < count < threshold
    tag = " (synthetic)" if bool(series["synthetic"].any()) else ""
    name = kpi.name + tag
    if not hide:
        unit = "per cent" if share_kpi else "offences"
        sentence = narrative.spc_sentence(name, result, unit=unit)
    else:
        status = narrative.spc_status(summary)
        pattern = narrative.spc_pattern(summary)
        sentence = (
            f"{name} shows {status}" + (f": {pattern}" if pattern else "") + "; the count for "
            f"{narrative.month_label(summary.latest_date)} is below {threshold} and is not shown."
        )
    return KpiLine(
        kpi=kpi,
        month=pd.Timestamp(summary.latest_date),
        count=count,
        share=float(last["rate"]) if share_kpi else None,
        variation=spc.variation_icon(result),
        sentence=sentence,
        withheld=hide,
        synthetic=bool(tag),
    )


def kpi_table(lines: Sequence[KpiLine]) -> pd.DataFrame:
    """The evidence table of one agenda item: use ``raw_html_columns=("Variation",)``.

    ``Count in month`` holds the latest month's count (``[c]`` when withheld): a count
    column. ``Share`` (share KPIs only) is left out when no KPI is a share.
    """
    out = pd.DataFrame(
        {
            "KPI": [ln.kpi.name for ln in lines],
            "Month": [narrative.month_label(ln.month, short=True) for ln in lines],
            "Count in month": ["[c]" if ln.withheld else ln.count for ln in lines],
            "Share": [
                "" if ln.share is None or ln.withheld else f"{ln.share:.1f}%" for ln in lines
            ],
            "Variation": [icon_html(ln.variation, with_text=True) for ln in lines],
            "In words": [ln.sentence for ln in lines],
            "Data": ["Synthetic" if ln.synthetic else "Real (police.uk)" for ln in lines],
        },
        columns=["KPI", "Month", "Count in month", "Share", "Variation", "In words", "Data"],
    )
    return out if (out["Share"] != "").any() else out.drop(columns="Share")


# -------------------------------------------------------------------------- actions


def _month_year(ym: str) -> str:
    return narrative.month_label(pd.Period(ym, "M"))


def status_html(status: str, overdue: bool, days: int) -> str:
    """Status cell: overdue actions say "Overdue" in bold in a marked box, not by colour alone."""
    if not overdue:
        return escape(status.capitalize())
    days_text = f"{days} day" + ("" if days == 1 else "s")
    return (
        f'<span class="overdue" style="{OVERDUE_STYLE}">Overdue by {days_text}</span> '
        f"({escape(status)})"
    )


def action_table(selection: Selection, titles: Mapping[str, str], *, as_at: date) -> pd.DataFrame:
    """The action log for the page, overdue first: use ``raw_html_columns=("Status",)``.

    Columns: ID, Raised at, Item, Action, Owner, Due, Status, Update.
    """
    log = actions.action_log(selection.actions, as_at=as_at, session=selection.session)
    return pd.DataFrame(
        {
            "ID": log["id"],
            "Raised at": [_month_year(r) for r in log["raised_at"]],
            "Item": [titles.get(i, i) for i in log["item"]],
            "Action": log["description"],
            "Owner": log["owner"],
            "Due": [d.strftime("%d %B %Y").lstrip("0") for d in log["due"]],
            "Status": [
                status_html(s, o, d)
                for s, o, d in zip(log["status"], log["overdue"], log["days_overdue"], strict=True)
            ],
            "Update": [u or "–" for u in log["update"]],
        },
        columns=["ID", "Raised at", "Item", "Action", "Owner", "Due", "Status", "Update"],
    )


# -------------------------------------------------------------------------- words


def board_month(cycle: Cycle) -> str:
    """``"November"``: the board's month, as the seed paper names it ("the September CGB")."""
    return cycle.meeting_date.strftime("%B")


def report_details(cycle: Cycle, classification: str) -> pd.DataFrame:
    """The paper's header block (board date, author, classification)."""
    return pd.DataFrame(
        {
            "Detail": ["Board meeting", "Data to", "Report author", "Security classification"],
            "Value": [
                cycle.meeting_date.strftime("%d %B %Y").lstrip("0"),
                _month_year(cycle.data_to),
                "OPCC performance team",
                classification.replace("OFFICIAL-SENSITIVE", "Official-Sensitive").replace(
                    "OFFICIAL", "Official"
                ),
            ],
        }
    )


PURPOSE = [
    "In his role as the Police and Crime Commissioner (PCC) the Commissioner is required to "
    "secure efficient and effective policing for Leicester, Leicestershire and Rutland, appoint "
    "a Chief Constable and hold them to account.",
    "The PCC brings this report to outline for the Police and Crime Panel how he is fulfilling "
    "his duty by holding the Chief Constable to account for the performance of the force.",
]
REQUEST = (
    "In their role to scrutinise the actions and decisions of the PCC, the Commissioner "
    "requests that the Panel examines the contents of this report, and asks:"
)
QUESTIONS = [
    "Is the Panel content with the way the PCC has held the Chief Constable to account through "
    "the Corporate Governance Board?",
    "Would the Panel like to make any recommendations to the PCC in relation to this matter?",
]
BACKGROUND = [
    "In advance of the Corporate Governance Board and to help set its agenda, the performance "
    "team reviewed the standard KPIs for force performance and presented problem areas to the "
    "PCC.",
    "The KPI evidence beside each item below is the latest month of recorded crime with its "
    "statistical process control (SPC) signal: common-cause variation is what the process "
    "normally produces; special cause is a change worth explaining.",
]


def key_findings(
    cycle: Cycle,
    selection: Selection,
    lines: Mapping[str, KpiLine],
    table: pd.DataFrame,
) -> list[str]:
    """Findings: items scrutinised, actions open and overdue, KPIs with special causes."""
    n = len(selection.agenda)
    where = "in open session" if selection.session == "open" else "in total"
    out = [
        f"The {board_month(cycle)} board ({cycle.meeting_date.strftime('%d %B %Y').lstrip('0')}) "
        f"scrutinised {n} agenda item{'s' if n != 1 else ''} {where}: "
        + narrative_join([i.title for i in selection.agenda])
        + "."
    ]
    open_ = table[~table["Status"].str.startswith("Complete")]
    overdue = table[table["Status"].str.contains("Overdue", regex=False)]
    out.append(
        f"{len(open_)} of {len(table)} actions are open or in progress; "
        + (
            f"{len(overdue)} overdue ({', '.join(overdue['ID'])})."
            if len(overdue)
            else "none is overdue."
        )
    )
    concern = [ln for ln in lines.values() if ln.variation.startswith("concern")]
    better = [ln for ln in lines.values() if ln.variation.startswith("improvement")]
    tag = lambda ln: ln.kpi.name + (" (synthetic)" if ln.synthetic else "")  # noqa: E731
    if concern:
        out.append(
            "KPI evidence showing special-cause concern: "
            + narrative_join([tag(ln) for ln in concern])
            + "."
        )
    if better:
        out.append(
            "KPI evidence showing special-cause improvement: "
            + narrative_join([tag(ln) for ln in better])
            + "."
        )
    if not concern and not better and lines:
        out.append("Every KPI linked to the agenda shows common-cause or neutral variation.")
    if selection.closed_note:
        out.append(selection.closed_note)
    return out


def narrative_join(items: Sequence[str]) -> str:
    """``["a", "b", "c"] -> "a, b and c"``."""
    items = list(items)
    if not items:
        return "none"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def item_heading(item: AgendaItem, session: Session) -> str:
    """The item's heading; closed items say so in the restricted version."""
    return item.title + (" (closed session)" if item.session == "closed" else "")


def any_synthetic(lines: Mapping[str, KpiLine]) -> bool:
    """Whether any KPI evidence comes from the synthetic extract."""
    return any(ln.synthetic for ln in lines.values())


def lines_for(
    ids: Sequence[str],
    registry: Mapping[str, Kpi],
    series: Mapping[str, pd.DataFrame],
    *,
    threshold: int | None,
) -> dict[str, KpiLine]:
    """:func:`kpi_line` for each id."""
    return {k: kpi_line(registry[k], series[k], threshold=threshold) for k in ids}


def years(series: Mapping[str, pd.DataFrame]) -> tuple[int, ...]:
    """Calendar years the series span."""
    ys: set[int] = set()
    for s in series.values():
        ys |= set(np.unique(s["month"].dt.year).tolist())
    return tuple(sorted(ys))


def qualities(
    sources: DataSources, series: Mapping[str, pd.DataFrame], *, data_to: str
) -> list[object]:
    """The extract's quality record when any KPI used it (for the sources table)."""
    from scrutiny.data import load_extract

    if any(bool(s["synthetic"].any()) for s in series.values()):
        return [load_extract(sources, data_to=data_to)[1]]
    return []


def cycle_source(cycle_file: str, cycle: Cycle) -> dict[str, str]:
    """A sources-table row for the cycle file (agenda, outcomes, actions)."""
    return {
        "source": "Board agenda, outcomes of scrutiny and action log",
        "location": cycle_file,
        "period": f"board of {cycle.meeting_date.strftime('%d %B %Y').lstrip('0')}",
        "data": "Minutes (illustrative wording)",
    }
