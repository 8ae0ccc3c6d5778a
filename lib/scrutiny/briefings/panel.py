"""Content of the Panel's "Corporate Governance Board update" (``notebooks/panel_summary.ipynb``).

The Police and Crime Panel paper in which the Commissioner reports how he held the Chief
Constable to account at the Corporate Governance Board (seed 001): for each agenda item the
request from the Commissioner, the response from the force and the outcome of scrutiny
(text from the cycle file), the KPI evidence for it (latest month, SPC variation icon, a
plain sentence), and the action log with overdue actions marked.

The KPI evidence is the cycle's assessment (:mod:`scrutiny.analysis.assessment`): each
line takes the force result's latest month, value, variation icon and SPC sentence, the
same words every other page of the cycle prints. :func:`collect` fetches it; everything
else is pure.

There are two versions. The public one (``session="open"``, OFFICIAL, disclosure control
on) is built from the open-session items and actions only: :func:`select` drops everything
taken in closed session *before* anything else reads the cycle, so no closed item, action,
title or KPI can reach the page. The restricted one (``session="all"``) keeps everything
and must be marked OFFICIAL-SENSITIVE.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

import numpy as np
import pandas as pd

from scrutiny.analysis import actions, assessment, narrative, questions
from scrutiny.analysis.assessment import Assessment, KpiResult
from scrutiny.analysis.board import Action, AgendaItem, Cycle
from scrutiny.analysis.kpis import Kpi
from scrutiny.briefings import common
from scrutiny.present.tables import icon_html

Session = common.Session
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
    return common.check_session(session, classification, closed="items")


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


#: The cycle's assessment for these sources (computed once for every briefing, then read).
collect = assessment.for_briefing


def kpi_ids(selection: Selection) -> list[str]:
    """The KPIs the selected items name, in first-mention order."""
    return list(dict.fromkeys(k for i in selection.agenda for k in i.kpis))


def check_kpis(
    ids: Sequence[str], registry: Mapping[str, Kpi], *, cycle_file: str = "the cycle file"
) -> None:
    """A KPI id on the agenda that is not in the registry is an error naming the file.

    Raises
    ------
    ValueError
        Naming the unknown ids and the ids the registry holds.
    """
    missing = [k for k in ids if k not in registry]
    if missing:
        raise ValueError(
            f"{cycle_file}: agenda KPI(s) {', '.join(missing)} are not in the KPI registry "
            f"(expected ids from params/kpis.yaml: {', '.join(registry)})"
        )


@dataclass
class KpiLine:
    """One KPI's evidence line: the assessment's force result and what the page shows of it.

    ``sentence`` is the assessment's own SPC sentence (:meth:`KpiResult.spc_sentence`, the
    words every page prints), shortened only where disclosure control withholds a count.
    """

    result: KpiResult
    month: pd.Timestamp
    count: int
    withheld: bool
    sentence: str

    @property
    def kpi(self) -> Kpi:
        """The registry entry."""
        return self.result.kpi

    @property
    def variation(self) -> str:
        """Variation icon code of the latest month (the assessment's)."""
        return self.result.variation

    @property
    def synthetic(self) -> bool:
        """Counted in the synthetic extract: illustrative, never a finding."""
        return self.result.synthetic

    @property
    def share(self) -> str | None:
        """The latest share (e.g. ``"1.6%"``) for a share KPI, else None."""
        return self.result.latest_text() if self.result.measure == "share" else None


def verdict_words(result: KpiResult) -> str:
    """The verdict part of the assessment's SPC sentence, before any figure.

    E.g. ``"Robbery for Leicestershire Police shows common-cause variation: the latest month
    is within the range expected from past variation, with no sign of a real change"``.
    """
    return result.spc_sentence(baseline=False).split("; ", 1)[0]


def _small(value: float, threshold: int | None) -> bool:
    return threshold is not None and bool(pd.notna(value)) and 0 < value < threshold


def _segment_total(result: KpiResult) -> float:
    """Count over the latest SPC segment: what a "too few" sentence's average implies."""
    s = result.series
    start = result.summary.segment_start
    seg = s if pd.isna(start) else s[s["month"] >= pd.Timestamp(start)]
    return float(seg.loc[~seg["missing"].astype(bool), "count"].sum())


#: The average a "too few to judge" sentence quotes (left out when it gives away a count).
_AVERAGE = re.compile(r": about [^,;]+ a month on average, ")


def kpi_line(result: KpiResult, *, threshold: int | None = None) -> KpiLine:
    """The latest month, its count, the variation and the sentence of one force result.

    Everything comes from the assessment: the SPC reading (``result.summary``), the icon
    (``result.variation``) and the sentence (``result.spc_sentence()``). With a
    ``threshold`` (the public version), a latest count from 1 to ``threshold - 1`` is
    withheld: it appears neither in the table nor in the sentence, which then gives the
    verdict only; a comparison quoting such a count for a baseline month is left out of
    the sentence, and so is the monthly average of a KPI too small to judge when the
    months it averages add up to such a count.
    """
    s = result.summary
    month = pd.Timestamp(s.latest_date)
    rows = result.series[result.series["month"] == month]
    count = int(rows["count"].iloc[0]) if len(rows) else 0
    hide = _small(count, threshold)
    base = result.baselines
    quoted = base.loc[base["verdict"] != "not available", "baseline_count"]
    small_base = any(_small(v, threshold) for v in quoted)
    sentence = result.spc_sentence(baseline=not small_base)
    head, sep, tail = sentence.partition("; ")
    if threshold is not None and sep:
        if result.too_few and _small(_segment_total(result), threshold):
            head = _AVERAGE.sub(": ", head, count=1)
        if hide:
            tail = (
                f"the count for {narrative.month_label(month)} is below {threshold} and is "
                "not shown."
            )
        sentence = f"{head}; {tail}"
    return KpiLine(result=result, month=month, count=count, withheld=hide, sentence=sentence)


def lines_for(
    report: Assessment,
    ids: Sequence[str],
    *,
    threshold: int | None,
    cycle_file: str = "the cycle file",
) -> dict[str, KpiLine]:
    """:func:`kpi_line` of the force result of each id (an unknown id is an error)."""
    check_kpis(ids, report.registry, cycle_file=cycle_file)
    return {k: kpi_line(report.result(k), threshold=threshold) for k in ids}


def _data_label(line: KpiLine) -> str:
    if line.synthetic:
        return "Synthetic"
    return "Real (force extract)" if line.kpi.uses_extract else "Real (police.uk)"


SYNTHETIC_WORDS = "Counted in the synthetic extract: illustrative, not the force's records."


def _words(line: KpiLine) -> str:
    """The line's sentence, then why its latest months are left out and whether it is real."""
    out = [line.sentence]
    note = line.result.maturity_note()
    if note:
        out.append(note)
    if line.synthetic:
        out.append(SYNTHETIC_WORDS)
    return " ".join(out)


def kpi_table(lines: Sequence[KpiLine]) -> pd.DataFrame:
    """The evidence table of one agenda item: use ``raw_html_columns=("Variation",)``.

    ``Count in month`` holds the latest month's count (``[c]`` when withheld): a count
    column. ``Share`` (share KPIs only) is left out when no KPI is a share. A KPI counted
    in the synthetic extract is named "(synthetic)" and its words say it is illustrative.
    """
    out = pd.DataFrame(
        {
            "KPI": [ln.kpi.name + (" (synthetic)" if ln.synthetic else "") for ln in lines],
            "Month": [narrative.month_label(ln.month, short=True) for ln in lines],
            "Count in month": ["[c]" if ln.withheld else ln.count for ln in lines],
            "Share": ["" if ln.share is None or ln.withheld else ln.share for ln in lines],
            "Variation": [icon_html(ln.variation, with_text=True) for ln in lines],
            "In words": [_words(ln) for ln in lines],
            "Data": [_data_label(ln) for ln in lines],
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


def spc_note(report: Assessment, lines: Mapping[str, KpiLine]) -> str | None:
    """How the KPI evidence's SPC limits were set: the cycle's, the same on every page.

    None when no KPI is linked to the agenda.
    """
    if not lines:
        return None
    starts = sorted({pd.Timestamp(ln.result.summary.segment_start) for ln in lines.values()})
    text = (
        f"The SPC readings are those of the cycle's assessment, the same on every page of "
        f"this cycle: each chart covers {report.period_label}"
    )
    first = pd.Timestamp(f"{report.start}-01")
    later = [s for s in starts if s > first]
    if not later:
        return text + ", with one mean and one set of process limits over the whole period."
    when = narrative.join_words([narrative.month_label(s) for s in later])
    whole = " (or over the whole period)" if len(later) < len(starts) else ""
    return (
        text + f", and the mean and process limits are calculated from {when}{whole}, so "
        "earlier months do not set them."
    )


def key_findings(
    cycle: Cycle,
    selection: Selection,
    lines: Mapping[str, KpiLine],
    table: pd.DataFrame,
) -> list[str]:
    """Findings: items scrutinised, actions open and overdue, KPIs with special causes.

    Only KPIs on real data are findings; those counted in the synthetic extract are named
    as illustrative, whatever their chart shows.
    """
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
    real = [ln for ln in lines.values() if not ln.synthetic]
    synthetic = [ln for ln in lines.values() if ln.synthetic]
    few = [ln for ln in real if ln.variation == "too_few"]
    judged = [ln for ln in real if ln.variation != "too_few"]
    concern = [ln.kpi.name for ln in judged if ln.variation.startswith("concern")]
    better = [ln.kpi.name for ln in judged if ln.variation.startswith("improvement")]
    if concern:
        out.append(f"KPI evidence showing special-cause concern: {narrative_join(concern)}.")
    if better:
        out.append(f"KPI evidence showing special-cause improvement: {narrative_join(better)}.")
    if judged and not concern and not better:
        every = (
            "Every KPI linked to the agenda"
            + (" on real data" if synthetic else "")
            + (" with enough counted to judge" if few else "")
        )
        out.append(f"{every} shows common-cause or neutral variation.")
    if few:
        names = narrative_join([ln.kpi.name for ln in few])
        out.append(f"Too few counted a month to judge whether anything has changed: {names}.")
    if synthetic:
        names = narrative_join([ln.kpi.name for ln in synthetic])
        out.append(f"Counted in the synthetic extract, so illustrative and not a finding: {names}.")
    if selection.closed_note:
        out.append(selection.closed_note)
    return out


def narrative_join(items: Sequence[str]) -> str:
    """``["a", "b", "c"] -> "a, b and c"``."""
    items = list(items)
    if not items:
        return "none"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def item_questions(report: Assessment, item: AgendaItem, session: Session) -> pd.DataFrame | None:
    """Questions for the force from the KPI evidence of one item (restricted version only).

    The same questions as the performance exceptions
    (:func:`scrutiny.analysis.questions.for_kpi`), for each KPI linked to the item, at force
    level. The public version (``session="open"``) gets None: its evidence quotes counts
    that have not been through disclosure control (a district or a month below the
    threshold) and the Board's lines of questioning are for the restricted paper; the
    public paper reports what was asked and answered (request, response, outcome).
    """
    if session == "open":
        return None
    frames = [questions.for_kpi(report.result(k)) for k in item.kpis]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=questions.COLUMNS)
    return pd.concat(frames, ignore_index=True)


def item_heading(item: AgendaItem, session: Session) -> str:
    """The item's heading; closed items say so in the restricted version."""
    return item.title + (" (closed session)" if item.session == "closed" else "")


def any_synthetic(lines: Mapping[str, KpiLine]) -> bool:
    """Whether any KPI evidence comes from the synthetic extract."""
    return any(ln.synthetic for ln in lines.values())


def years(lines: Mapping[str, KpiLine]) -> tuple[int, ...]:
    """Calendar years the KPI series span."""
    ys: set[int] = set()
    for ln in lines.values():
        ys |= set(np.unique(ln.result.series["month"].dt.year).tolist())
    return tuple(sorted(ys))


def sources_table(
    report: Assessment, lines: Mapping[str, KpiLine], *, cycle_file: str, cycle: Cycle
) -> pd.DataFrame:
    """The data sources of the page: police.uk, the extract when a KPI used it, the cycle."""
    extract = [report.extract_quality] if any(ln.kpi.uses_extract for ln in lines.values()) else []
    return common.sources_table(
        report.crimes_quality,
        *extract,
        sources=report.sources,
        population_years=years(lines),
        extra=[cycle_source(cycle_file, cycle)],
    )


def cycle_source(cycle_file: str, cycle: Cycle) -> dict[str, str]:
    """A sources-table row for the cycle file (agenda, outcomes, actions)."""
    return {
        "source": "Board agenda, outcomes of scrutiny and action log",
        "location": cycle_file,
        "period": f"board of {cycle.meeting_date.strftime('%d %B %Y').lstrip('0')}",
        "data": "Minutes (illustrative wording)",
    }
