"""Content of the "HMICFRS, risk, collaboration and transformation" briefing.

``notebooks/registers.ipynb`` shows the registers the Corporate Governance Board reviews at
each meeting (governance strategy, seed 000): HMICFRS recommendations and areas for
improvement, the corporate risk register (with a 5 x 5 heat map and each risk's movement
since the last board), collaborations and their cost, transformation and change projects,
and the delivery plan's activity. The registers live in the cycle file
(:mod:`scrutiny.analysis.registers`); which entries are late or at risk, and why, comes
from :func:`scrutiny.analysis.registers.flags` and nowhere else; what changed since the
last board from :func:`scrutiny.analysis.registers.changes`.

The page holds closed-session entries, so it must be OFFICIAL-SENSITIVE when ``session``
is ``"all"`` (:func:`check_session`). With ``session="open"`` every closed entry is dropped
by :func:`scrutiny.analysis.registers.select` before anything else reads the registers.
:func:`load` reads the cycle files; everything else is pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pandas as pd

from scrutiny import config
from scrutiny.analysis import narrative
from scrutiny.analysis import registers as reg
from scrutiny.analysis.board import Cycle, load_cycle
from scrutiny.analysis.registers import Registers, Risk
from scrutiny.briefings import common
from scrutiny.present.charts import Chart, house_style

Session = common.Session

ILLUSTRATIVE_NOTE = (
    "Illustrative registers: the entries below are modelled on the seed papers (the "
    "governance strategy's HMICFRS, risk, collaboration and transformation sections, the "
    "Target Operating Model reports and the delivery plan update). They are not the force's "
    "real registers and are not findings about the force."
)

#: Risk level -> (cell fill, text colour): dark text on light fills, above 7:1 contrast;
#: the level and score are always written in the cell, so colour is never the only cue.
LEVEL_STYLE = {
    "high": ("#F8D3C6", "#6E1E00"),
    "medium": ("#FBE3C4", "#5C3100"),
    "low": ("#D4EFE3", "#00472F"),
}
FLAG_STYLE = (
    "display:inline-block;border-left:5px solid #B35C00;padding:0 0.4em;"
    "background:#FFF1E0;color:#1A1A1A;font-weight:700"
)


def check_session(session: str, classification: str) -> Session:
    """Check ``session`` against the classification: closed entries need OFFICIAL-SENSITIVE.

    Raises
    ------
    ValueError
        For a session other than open or all, or ``all`` on a page not marked
        OFFICIAL-SENSITIVE.
    """
    return common.check_session(session, classification, closed="register entries")


@dataclass(frozen=True)
class Boards:
    """The cycle and the previous one, as the page may show them."""

    cycle: Cycle
    registers: Registers
    previous_cycle: Cycle | None
    previous: Registers | None


def previous_file(cycle_file: str | Path, previous_cycle: str) -> Path | None:
    """The previous cycle's file beside ``cycle_file`` (None when not given or absent)."""
    if not previous_cycle:
        return None
    p = config.resolve(cycle_file).parent / f"{previous_cycle}.yaml"
    return p if p.is_file() else None


def load(cycle_file: str | Path, previous_cycle: str, session: Session) -> Boards:
    """Read this cycle and the previous one, keeping only what ``session`` allows.

    ``previous_cycle`` is ignored unless it is earlier than the cycle (the first board has
    no previous one, whatever the notebook's default says).
    """
    cycle = load_cycle(config.resolve(cycle_file))
    # The notebook's default names 2022-09: for 2022-09 itself (no earlier board) it is none.
    earlier = previous_cycle if previous_cycle and previous_cycle < cycle.cycle else ""
    prev_path = previous_file(cycle_file, earlier)
    prev = load_cycle(prev_path) if prev_path is not None else None
    return Boards(
        cycle=cycle,
        registers=reg.select(cycle.registers, session),
        previous_cycle=prev,
        previous=reg.select(prev.registers, session) if prev is not None else None,
    )


# --------------------------------------------------------------------------- words


def date_text(d: pd.Timestamp | object) -> str:
    """``23 November 2022``."""
    ts = pd.Timestamp(d)  # type: ignore[arg-type]
    return f"{ts.day} {ts.strftime('%B %Y')}"


def _n(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def money(value: float) -> str:
    """``£9.50m`` (GBP millions, two decimals)."""
    return f"£{value:,.2f}m"


def progress_counts(flags: pd.DataFrame) -> dict[str, int]:
    """Entries by progress word, in the order done, on track, late, at risk."""
    return {w: int((flags["progress"] == w).sum()) for w in ("done", "on track", "late", "at risk")}


def summary_table(flags: pd.DataFrame) -> pd.DataFrame:
    """One row per register: entries, done, on track, late, at risk."""
    rows = []
    for key, name in reg.REGISTER_NAMES.items():
        part = flags[flags["register"] == key]
        counts = progress_counts(part)
        rows.append(
            {
                "Register": name,
                "Entries": len(part),
                "Done": counts["done"],
                "On track": counts["on track"],
                "Late": counts["late"],
                "At risk": counts["at risk"],
            }
        )
    return pd.DataFrame(rows)


def key_findings(
    boards: Boards, flags: pd.DataFrame, risks: pd.DataFrame, changes: pd.DataFrame
) -> list[str]:
    """The opening sentences: late and at-risk entries, high risks, movement, cost."""
    out = []
    if boards.cycle.registers.illustrative:
        out.append(
            "Illustrative: the register entries on this page are modelled on the seed papers, "
            "not the force's registers; nothing here is a finding about the force."
        )
    late = flags[flags["progress"] == "late"]
    at_risk = flags[flags["progress"] == "at risk"]
    open_ = flags[~flags["done"]]
    out.append(
        f"{_n(len(open_), 'register entry is', 'register entries are')} not yet done: "
        f"{len(late)} late (past the date set) and {len(at_risk)} more at risk."
        if len(open_)
        else "No register entry is open."
    )
    for _, r in late.iterrows():
        out.append(f"Late: {r['id']}, {r['title']} ({r['flag']}).")
    if len(risks):
        high = risks[risks["level"] == "high"]
        up = risks[risks["change"] > 0]
        down = risks[risks["change"] < 0]
        out.append(
            f"{_n(len(risks), 'corporate risk')}: {len(high)} high (score 15 or more of 25)"
            + (f" ({', '.join(high['id'])})" if len(high) else "")
            + f"; since the last board {len(up)} rose and {len(down)} fell."
        )
    collabs = boards.registers.collaborations
    if collabs:
        total = sum(c.annual_cost for c in collabs if c.status != "ended")
        out.append(
            f"The collaborations listed cost {money(total)} a year in total "
            f"({_n(len(collabs), 'collaboration')})."
        )
    if boards.previous is not None:
        when = (
            boards.previous_cycle.meeting_date.strftime("%B %Y")
            if boards.previous_cycle is not None
            else "last"
        )
        out.append(
            f"{_n(len(changes), 'entry', 'entries')} changed since the {when} board "
            "(see 'What changed since the last board')."
        )
    return out


def agenda_note(cycle: Cycle, briefing_name: str) -> str | None:
    """Which agenda items this briefing is the evidence for, if the cycle file says.

    Reads an agenda item's ``briefings`` (the list of briefings that are its evidence) when
    the cycle file's model has that key; None when no item names this briefing.
    """
    items = [i for i in cycle.agenda if briefing_name in (getattr(i, "briefings", None) or [])]
    if not items:
        return None
    names = narrative.join_words([f"'{i.title}'" for i in items])
    return f"This briefing reports on the agenda {'item' if len(items) == 1 else 'items'} {names}."


def progress_html(progress: str, flag: str) -> str:
    """A progress cell: late and at-risk entries are written out in a marked box."""
    if progress in ("late", "at risk"):
        return (
            f'<span class="flag" style="{FLAG_STYLE}">{escape(progress.capitalize())}</span>: '
            f"{escape(flag)}"
        )
    return escape(progress.capitalize())


def _flag_lookup(flags: pd.DataFrame, key: str) -> dict[str, pd.Series]:
    part = flags[flags["register"] == key]
    return {str(r["id"]): r for _, r in part.iterrows()}


def _session(s: str) -> str:
    return "Closed" if s == "closed" else "Open"


def hmicfrs_table(registers: Registers, flags: pd.DataFrame) -> pd.DataFrame:
    """HMICFRS recommendations and areas for improvement: use ``raw_html_columns=("Progress",)``."""
    f = _flag_lookup(flags, "hmicfrs")
    rows = [
        {
            "ID": e.id,
            "Report": f"{e.report}, {date_text(e.report_date)}",
            "Kind": e.kind.capitalize(),
            "Text": e.text,
            "Owner": e.owner,
            "Due": date_text(e.due),
            "Status": e.status.capitalize(),
            "Progress": progress_html(f[e.id]["progress"], f[e.id]["flag"]),
            "Evidence": e.evidence or "–",
            "Session": _session(e.session),
        }
        for e in registers.hmicfrs
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "ID",
            "Report",
            "Kind",
            "Text",
            "Owner",
            "Due",
            "Status",
            "Progress",
            "Evidence",
            "Session",
        ],
    )


def risk_table(registers: Registers, flags: pd.DataFrame) -> pd.DataFrame:
    """The risk register, highest score first: use ``raw_html_columns=("Progress",)``."""
    moves = reg.risk_movement(registers.risks)
    f = _flag_lookup(flags, "risks")
    by_id = {r.id: r for r in registers.risks}
    rows = []
    for _, m in moves.iterrows():
        r = by_id[m["id"]]
        prev = "new" if pd.isna(m["previous_score"]) else str(int(m["previous_score"]))
        rows.append(
            {
                "ID": r.id,
                "Risk": r.title,
                "Owner": r.owner,
                "Likelihood": int(m["likelihood"]),
                "Impact": int(m["impact"]),
                "Score": f"{int(m['score'])} ({m['level']})",
                "Last board": prev,
                "Movement": m["movement"].capitalize(),
                "Controls": r.controls,
                "Review": date_text(r.review_due),
                "Progress": progress_html(f[r.id]["progress"], f[r.id]["flag"]),
                "Session": _session(r.session),
            }
        )
    cols = [
        "ID",
        "Risk",
        "Owner",
        "Likelihood",
        "Impact",
        "Score",
        "Last board",
        "Movement",
        "Controls",
        "Review",
        "Progress",
        "Session",
    ]
    return pd.DataFrame(rows, columns=cols)


def collaboration_table(registers: Registers, flags: pd.DataFrame) -> pd.DataFrame:
    """Collaborations with their annual cost: use ``raw_html_columns=("Progress",)``."""
    f = _flag_lookup(flags, "collaborations")
    rows = [
        {
            "ID": c.id,
            "Collaboration": c.title,
            "Partners": ", ".join(c.partners),
            "Annual cost": money(c.annual_cost),
            "Benefits claimed": c.benefits,
            "Evidence": c.evidence or "None given",
            "Status": c.status.capitalize(),
            "Review": date_text(c.review_due),
            "Progress": progress_html(f[c.id]["progress"], f[c.id]["flag"]),
            "Session": _session(c.session),
        }
        for c in registers.collaborations
    ]
    cols = [
        "ID",
        "Collaboration",
        "Partners",
        "Annual cost",
        "Benefits claimed",
        "Evidence",
        "Status",
        "Review",
        "Progress",
        "Session",
    ]
    return pd.DataFrame(rows, columns=cols)


def collaboration_sentence(registers: Registers) -> str | None:
    """Total annual cost, and how many collaborations give no evidence for their benefits."""
    cs = registers.collaborations
    if not cs:
        return None
    total = sum(c.annual_cost for c in cs if c.status != "ended")
    no_ev = [c.id for c in cs if not c.evidence.strip()]
    text = f"The {_n(len(cs), 'collaboration')} listed cost {money(total)} a year in total."
    if no_ev:
        text += (
            f" {_n(len(no_ev), 'gives', 'give')} no evidence yet for the benefits claimed: "
            f"{', '.join(no_ev)}."
        )
    return text


def project_table(registers: Registers, flags: pd.DataFrame) -> pd.DataFrame:
    """Transformation and change projects: use ``raw_html_columns=("Progress",)``."""
    f = _flag_lookup(flags, "projects")
    rows = [
        {
            "ID": p.id,
            "Project": p.title,
            "Business case": p.business_case,
            "Owner": p.owner,
            "Stage": p.stage.capitalize(),
            "RAG": p.rag.capitalize(),
            "Budget": money(p.budget),
            "Forecast cost": money(p.forecast_cost),
            "Against budget": (
                f"{money(p.forecast_cost - p.budget)} over"
                if p.forecast_cost > p.budget
                else (
                    "on budget"
                    if p.forecast_cost == p.budget
                    else f"{money(p.budget - p.forecast_cost)} under"
                )
            ),
            "Benefits planned": p.benefits_planned,
            "Benefits realised": p.benefits_realised or "None reported yet",
            "Next milestone": date_text(p.due),
            "Progress": progress_html(f[p.id]["progress"], f[p.id]["flag"]),
            "Session": _session(p.session),
        }
        for p in registers.projects
    ]
    cols = [
        "ID",
        "Project",
        "Business case",
        "Owner",
        "Stage",
        "RAG",
        "Budget",
        "Forecast cost",
        "Against budget",
        "Benefits planned",
        "Benefits realised",
        "Next milestone",
        "Progress",
        "Session",
    ]
    return pd.DataFrame(rows, columns=cols)


def delivery_table(registers: Registers, flags: pd.DataFrame) -> pd.DataFrame:
    """Delivery plan activity: use ``raw_html_columns=("Progress",)``."""
    f = _flag_lookup(flags, "delivery")
    rows = [
        {
            "ID": a.id,
            "Theme": a.theme,
            "Ambition": a.ambition,
            "Activity": a.activity,
            "Owner": a.owner,
            "Milestone": date_text(a.milestone),
            "Status": a.status.capitalize(),
            "Progress": progress_html(f[a.id]["progress"], f[a.id]["flag"]),
            "Linked KPIs": ", ".join(a.kpis) or "–",
            "Evidence": a.evidence or "–",
            "Session": _session(a.session),
        }
        for a in registers.delivery
    ]
    cols = [
        "ID",
        "Theme",
        "Ambition",
        "Activity",
        "Owner",
        "Milestone",
        "Status",
        "Progress",
        "Linked KPIs",
        "Evidence",
        "Session",
    ]
    return pd.DataFrame(rows, columns=cols)


def changes_table(changes: pd.DataFrame) -> pd.DataFrame:
    """What changed since the last board, for display."""
    return pd.DataFrame(
        {
            "Register": [reg.REGISTER_NAMES[k] for k in changes["register"]],
            "ID": changes["id"],
            "Entry": changes["title"],
            "Change": [narrative.capitalise(c) for c in changes["change"]],
            "Session": [_session(s) for s in changes["session"]],
        },
        columns=["Register", "ID", "Entry", "Change", "Session"],
    )


# --------------------------------------------------------------------------- heat map


def heat_map_alt(risks: Sequence[Risk]) -> str:
    """Alt text for :func:`heat_map`, written from the risks themselves."""
    if not risks:
        return "Risk heat map: no risks on the register."
    parts = []
    for level in ("high", "medium", "low"):
        these = [r for r in risks if reg.risk_level(r.score) == level]
        names = (
            "; ".join(
                f"{r.id} (likelihood {r.likelihood}, impact {r.impact}, score {r.score})"
                for r in sorted(these, key=lambda r: (-r.score, r.id))
            )
            or "none"
        )
        parts.append(f"{level}: {names}")
    return (
        f"Risk heat map: {_n(len(risks), 'risk')} placed on a 5 by 5 grid of likelihood "
        "(1 to 5, rising up the chart) against impact (1 to 5, rising to the right); "
        + ". ".join(p[0].upper() + p[1:] for p in parts)
        + "."
    )


def heat_map(risks: Sequence[Risk], *, illustrative: bool = False) -> Chart:
    """The 5 x 5 likelihood x impact heat map, each cell naming its score, level and risks."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    counts = reg.heat_map_counts(risks)
    where = {(int(r["likelihood"]), int(r["impact"])): r["ids"] for _, r in counts.iterrows()}
    with house_style():
        fig = Figure(figsize=(8.0, 6.5), dpi=100, layout="constrained")
        ax = fig.subplots()
        for li in range(1, 6):
            for im in range(1, 6):
                score = li * im
                level = reg.risk_level(score)
                fill, ink = LEVEL_STYLE[level]
                ax.add_patch(
                    Rectangle((im - 0.5, li - 0.5), 1, 1, facecolor=fill, edgecolor="white", lw=2)
                )
                ax.text(
                    im - 0.45,
                    li + 0.4,
                    f"{score} {level}",
                    fontsize=7,
                    color=ink,
                    va="top",
                    ha="left",
                )
                ids = where.get((li, im))
                if ids:
                    ax.text(
                        im,
                        li - 0.05,
                        ids.replace(", ", "\n"),
                        fontsize=9,
                        color=ink,
                        ha="center",
                        va="center",
                        fontweight="bold",
                    )
        ax.set_xlim(0.5, 5.5)
        ax.set_ylim(0.5, 5.5)
        ax.set_xticks(range(1, 6))
        ax.set_yticks(range(1, 6))
        ax.set_xlabel("Impact (1 lowest to 5 highest)")
        ax.set_ylabel("Likelihood (1 lowest to 5 highest)")
        ax.grid(False)
        ax.set_aspect("equal")
        ax.set_title("Corporate risks by likelihood and impact")
    data = counts.rename(
        columns={
            "likelihood": "Likelihood",
            "impact": "Impact",
            "score": "Score",
            "level": "Level",
            "risks": "Risks",
            "ids": "IDs",
        }
    )
    caption = "Corporate risk heat map: likelihood x impact on a 5 x 5 scale"
    if illustrative:
        caption += " (illustrative register)"
    return Chart(
        figure=fig,
        alt=heat_map_alt(risks),
        data=data,
        caption=caption,
        source="Source: the cycle file's risk register (scrutiny.analysis.registers).",
    )


def sources_table(cycle_file: str, boards: Boards) -> pd.DataFrame:
    """The cycle files this page read."""
    rows = [
        {
            "Source": "Corporate Governance Board cycle file (registers)",
            "Location": cycle_file,
            "Period": f"board of {date_text(boards.cycle.meeting_date)}",
            "Data": "Illustrative" if boards.cycle.registers.illustrative else "Force registers",
        }
    ]
    if boards.previous_cycle is not None:
        rows.append(
            {
                "Source": "Previous cycle file (for movement since the last board)",
                "Location": (
                    f"{Path(cycle_file).parent.as_posix()}/{boards.previous_cycle.cycle}.yaml"
                ),
                "Period": f"board of {date_text(boards.previous_cycle.meeting_date)}",
                "Data": "Illustrative"
                if boards.previous_cycle.registers.illustrative
                else "Force registers",
            }
        )
    return pd.DataFrame(rows, columns=["Source", "Location", "Period", "Data"])
