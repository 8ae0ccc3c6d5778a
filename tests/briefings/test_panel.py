"""Panel "Corporate Governance Board update" (scrutiny.briefings.panel): public v. restricted."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from conftest import execute_notebook
from scrutiny.analysis.board import Cycle, load_cycle
from scrutiny.analysis.kpis import Kpi
from scrutiny.briefings import panel
from scrutiny.present.tables import table_html

REPO = Path(__file__).resolve().parents[2]


def _item(id_: str, session: str, kpis: list[str] | None = None) -> dict[str, object]:
    return {
        "id": id_,
        "title": f"Title of {id_}",
        "session": session,
        "theme": "Theme",
        "request": f"Request about {id_}",
        "response": f"Response about {id_}",
        "outcome": f"Outcome about {id_}",
        "kpis": kpis or [],
    }


def _action(id_: str, item: str, due: str, status: str, session: str = "open") -> dict:
    return {
        "id": id_,
        "raised_at": "2022-09",
        "item": item,
        "description": f"Do {id_}",
        "owner": "ACC Crime",
        "due": due,
        "status": status,
        "update": "",
        "session": session,
    }


CYCLE = Cycle.model_validate(
    {
        "cycle": "2022-11",
        "title": "Toy board",
        "meeting_date": "2022-11-23",
        "data_to": "2022-10",
        "agenda": [_item("rape", "open", ["toy"]), _item("secret", "closed", ["other"])],
        "actions": [
            _action("A-1", "rape", "2022-11-01", "in progress"),  # 22 days overdue
            _action("A-2", "rape", "2022-11-01", "complete"),  # late but complete
            _action("A-3", "rape", "2022-11-23", "open"),  # due on the day: not overdue
            _action("A-4", "secret", "2022-10-01", "open", session="closed"),
        ],
    }
)


def test_public_selection_drops_closed_items_and_actions() -> None:
    s = panel.select(CYCLE, "open")
    assert [i.id for i in s.agenda] == ["rape"]
    assert [a.id for a in s.actions] == ["A-1", "A-2", "A-3"]
    assert panel.kpi_ids(s) == ["toy"]  # the closed item's KPI is never loaded
    assert s.closed_note is not None and "1 agenda item and 1 action were" in s.closed_note
    assert "secret" not in s.closed_note
    everything = panel.select(CYCLE, "all")
    assert [i.id for i in everything.agenda] == ["rape", "secret"]
    assert everything.closed_note is None


def test_earlier_closed_items_are_not_named_in_public() -> None:
    earlier = Cycle.model_validate(
        {
            "cycle": "2022-09",
            "title": "Earlier",
            "meeting_date": "2022-09-21",
            "data_to": "2022-08",
            "agenda": [_item("old_secret", "closed"), _item("old_open", "open")],
        }
    )
    public = panel.item_titles(panel.select(CYCLE, "open"), [earlier])
    assert public["old_secret"] == panel.CLOSED_ITEM
    assert public["old_open"] == "Title of old_open"
    assert "secret" not in public  # this cycle's closed item is not even listed
    restricted = panel.item_titles(panel.select(CYCLE, "all"), [earlier])
    assert restricted["old_secret"] == "Title of old_secret"


def test_overdue_actions_are_marked_in_words_first() -> None:
    table = panel.action_table(
        panel.select(CYCLE, "open"), {"rape": "Rape performance"}, as_at=date(2022, 11, 23)
    )
    assert table["ID"].tolist()[0] == "A-1"  # overdue first
    status = dict(zip(table["ID"], table["Status"], strict=True))
    # Due 1 November, board 23 November: 22 days.
    assert ">Overdue by 22 days</span> (in progress)" in status["A-1"]
    assert status["A-2"] == "Complete"
    assert status["A-3"] == "Open"
    assert table.loc[0, "Item"] == "Rape performance"
    html = table_html(table, raw_html_columns=("Status",))
    assert html.count('class="overdue"') == 1


def _series(counts: list[int], synthetic: bool = False) -> pd.DataFrame:
    months = pd.date_range("2021-11-01", periods=len(counts), freq="MS")
    return pd.DataFrame(
        {
            "month": months,
            "count": counts,
            "population": 1_000_000,
            "rate_per_1000": [c / 1000 for c in counts],
            "denominator": 1_000_000.0,
            "rate": [c / 1000 for c in counts],
            "missing": False,
            "synthetic": synthetic,
        }
    )


TOY = Kpi(
    id="toy",
    name="Homicide",
    description="d",
    definition={"offence_codes": ["1/4.1/4.10/4.2"]},
    direction="decrease",
)


def test_a_small_latest_count_is_withheld_from_table_and_sentence() -> None:
    s = _series([5, 6, 4, 7, 5, 6, 5, 4, 6, 5, 7, 4], synthetic=True)
    line = panel.kpi_line(TOY, s, threshold=10)
    assert line.withheld and line.count == 4
    assert "4 offences" not in line.sentence and "below 10 and is not shown" in line.sentence
    assert line.sentence.startswith("Homicide (synthetic) shows common-cause variation")
    table = panel.kpi_table([line])
    assert table.loc[0, "Count in month"] == "[c]" and "Share" not in table.columns
    html = table_html(table, raw_html_columns=("Variation",), count_columns=("Count in month",))
    assert '<td class="count">[c]</td>' in html
    # Restricted version (no threshold): the count is shown.
    open_line = panel.kpi_line(TOY, s, threshold=None)
    assert not open_line.withheld and "4 offences in October 2022" in open_line.sentence


def test_all_sessions_need_official_sensitive() -> None:
    assert panel.check_session("open", "OFFICIAL") == "open"
    assert panel.check_session("all", "OFFICIAL-SENSITIVE") == "all"
    with pytest.raises(ValueError, match="must be 'OFFICIAL-SENSITIVE'"):
        panel.check_session("all", "OFFICIAL")
    with pytest.raises(ValueError, match="parameter 'session'"):
        panel.check_session("closed", "OFFICIAL")


def _run(tmp_path: Path, **parameters: object) -> str:
    return execute_notebook(REPO / "notebooks" / "panel_summary.ipynb", tmp_path, **parameters)[1]


@pytest.mark.slow
def test_public_notebook_with_defaults_has_no_closed_item_and_no_small_count(
    tmp_path: Path,
) -> None:
    html = _run(tmp_path)  # defaults: session "open", the 2022-11 cycle
    cycle = load_cycle(REPO / "params" / "cycles" / "2022-11.yaml")
    closed = [i for i in cycle.agenda if i.session == "closed"]
    assert closed, "the default cycle should have closed items for this test to mean much"
    for item in closed:
        for text in (item.title, item.request, item.response, item.outcome):
            assert text not in html
    for action in cycle.actions:
        if action.session == "closed":
            assert action.id not in html and action.description not in html
    cells = re.findall(r'<t[dh] class="[^"]*\bcount\b[^"]*">(.*?)</t[dh]>', html)
    assert cells, "the KPI tables should mark their count cells"
    for cell in cells:
        assert cell in ("[c]", "0") or int(cell.replace(",", "")) >= 10, cell
    assert "Overdue by" in html and html.count("<h1>") == 1


@pytest.mark.slow
def test_restricted_notebook_shows_closed_items(tmp_path: Path) -> None:
    html = _run(tmp_path, session="all", classification="OFFICIAL-SENSITIVE")
    assert "Target Operating Model benefits realisation (closed session)" in html
