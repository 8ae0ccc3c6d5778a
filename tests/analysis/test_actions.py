from datetime import date

import pandas as pd
import pytest
import yaml
from pandas.testing import assert_frame_equal

from scrutiny.analysis.actions import (
    ACTION_LOG_COLUMNS,
    action_log,
    agenda_frame,
    carry_forward,
    check_cycle_actions,
    closed_session_note,
    latest_cycle_file,
    new_cycle,
    public_actions,
    public_agenda,
    validate_action_items,
    write_new_cycle,
)
from scrutiny.analysis.board import Action, AgendaItem, Cycle, load_cycle
from scrutiny.errors import ParamsError

MEETING = date(2022, 11, 23)


def act(id_, due, status="open", session="open", item="rape", raised_at="2022-09"):
    return Action(
        id=id_,
        raised_at=raised_at,
        item=item,
        description=f"Action {id_}",
        owner="ACC Crime",
        due=due,
        status=status,
        update="",
        session=session,
    )


def agenda_item(id_, session="open"):
    return AgendaItem(
        id=id_,
        title=f"Item {id_}",
        session=session,
        theme="Theme",
        request="Asked.",
        response="Answered.",
        outcome="Assured.",
        kpis=["rape"] if id_ == "rape" else [],
    )


ACTIONS = [
    act("A1", date(2022, 11, 16)),  # 7 days before the meeting: overdue by 7
    act("A2", MEETING),  # due on the meeting date: NOT overdue
    act("A3", date(2022, 10, 31), status="complete"),  # complete: never overdue
    act("A4", date(2022, 10, 31), status="in progress"),  # 31 Oct to 23 Nov = 23 days
    act("A5", date(2022, 9, 1), session="closed"),  # 29 (Sep) + 31 (Oct) + 23 (Nov) = 83 days
]


def test_action_log_public_overdue_first_and_boundary():
    out = action_log(ACTIONS, as_at=MEETING, session="open")
    assert list(out.columns) == ACTION_LOG_COLUMNS
    # Overdue first (A4 due 31 Oct, then A1 due 16 Nov), then the rest by due date.
    assert out["id"].tolist() == ["A4", "A1", "A3", "A2"]
    assert out["overdue"].tolist() == [True, True, False, False]
    assert out["days_overdue"].tolist() == [23, 7, 0, 0]
    # The closed-session action is not in the public log at all.
    assert "A5" not in out["id"].tolist()
    assert set(out["session"]) == {"open"}


def test_action_log_all_includes_closed():
    out = action_log(ACTIONS, as_at=MEETING, session="all")
    expected = pd.DataFrame(
        {
            "id": ["A5", "A4", "A1", "A3", "A2"],
            "raised_at": ["2022-09"] * 5,
            "item": ["rape"] * 5,
            "description": ["Action A5", "Action A4", "Action A1", "Action A3", "Action A2"],
            "owner": ["ACC Crime"] * 5,
            "due": pd.to_datetime(
                ["2022-09-01", "2022-10-31", "2022-11-16", "2022-10-31", "2022-11-23"]
            ).astype("datetime64[ns]"),
            "status": ["open", "in progress", "open", "complete", "open"],
            "update": [""] * 5,
            "session": ["closed", "open", "open", "open", "open"],
            "overdue": [True, True, True, False, False],
            "days_overdue": [83, 23, 7, 0, 0],
        }
    )
    assert_frame_equal(out, expected)


def test_action_log_empty_and_bad_session():
    out = action_log([], as_at=MEETING)
    assert list(out.columns) == ACTION_LOG_COLUMNS
    assert len(out) == 0
    with pytest.raises(ValueError, match="session must be"):
        action_log(ACTIONS, as_at=MEETING, session="closed")


def test_public_filters_and_closed_note():
    agenda = [agenda_item("rape"), agenda_item("tom", "closed"), agenda_item("hmicfrs", "closed")]
    assert [i.id for i in public_agenda(agenda)] == ["rape"]
    assert [a.id for a in public_actions(ACTIONS)] == ["A1", "A2", "A3", "A4"]
    frame = agenda_frame(agenda)
    assert frame["id"].tolist() == ["rape"]
    assert frame.loc[0, "kpis"] == "rape"
    assert agenda_frame(agenda, session="all")["id"].tolist() == ["rape", "tom", "hmicfrs"]
    assert closed_session_note(agenda, ACTIONS) == (
        "2 agenda items and 1 action were taken in closed session because of sensitive "
        "detail and are not reported here."
    )
    assert closed_session_note([agenda_item("tom", "closed")], []) == (
        "1 agenda item was taken in closed session because of sensitive detail and is not "
        "reported here."
    )
    assert closed_session_note([agenda_item("rape")], ACTIONS[:1]) is None


def cycle(cycle_id, agenda, actions, meeting=MEETING):
    return Cycle(
        cycle=cycle_id,
        title="CGB",
        meeting_date=meeting,
        data_to=str(pd.Period(cycle_id, "M") - 1),
        agenda=agenda,
        actions=actions,
    )


def test_carry_forward_keeps_open_and_in_progress_unchanged():
    prev = cycle("2022-11", [agenda_item("rape")], ACTIONS)
    carried = carry_forward(prev)
    assert [a.id for a in carried] == ["A1", "A2", "A4", "A5"]  # A3 is complete
    assert carried == [ACTIONS[0], ACTIONS[1], ACTIONS[3], ACTIONS[4]]  # unchanged


def test_validate_action_items_earlier_agenda_and_errors():
    sept = cycle("2022-09", [agenda_item("recruitment")], [])
    nov = cycle(
        "2022-11",
        [agenda_item("rape")],
        [act("A1", MEETING, item="rape"), act("A2", MEETING, item="recruitment")],
    )
    validate_action_items(nov, [sept], file="2022-11.yaml")  # recruitment is from September
    with pytest.raises(ParamsError, match=r"2022-11.yaml: actions\[1\] \(id 'A2'\): item 'recr"):
        validate_action_items(nov, [], file="2022-11.yaml")
    later = cycle("2023-01", [agenda_item("recruitment")], [])
    with pytest.raises(ParamsError, match="item 'recruitment' is not an agenda item"):
        validate_action_items(nov, [later], file="2022-11.yaml")  # a later cycle does not count
    early = cycle("2022-09", [agenda_item("rape")], [act("A9", MEETING, raised_at="2022-11")])
    with pytest.raises(ParamsError, match=r"raised_at '2022-11' is after this cycle \(2022-09\)"):
        validate_action_items(early, [], file="2022-09.yaml")


CYCLE_YAML = """\
cycle: "2022-11"
title: Corporate Governance Board, November 2022
meeting_date: 2022-11-23
data_to: "2022-10"
defaults:
  cycle: "2022-11"
  data_to: "2022-10"
briefings:
  - name: panel_summary
    notebook: notebooks/panel_summary.ipynb
    classification: OFFICIAL
    parameters:
      previous_cycle: "2022-09"
      month: "2022-10"
  - name: data_quality
    notebook: notebooks/data_quality.ipynb
agenda:
  - id: rape
    title: Rape performance
    session: open
    theme: Violence against women and girls
    request: The Commissioner asked for outcomes by district.
    response: The force presented outcomes by district.
    outcome: The Commissioner asked for the victim attrition analysis.
    kpis: [rape]
  - id: tom
    title: Target Operating Model
    session: closed
    theme: Transformation and change
    request: Benefits report.
    response: Presented.
    outcome: Options to be costed.
actions:
  - {id: A-2022-09-01, raised_at: "2022-09", item: rape, description: Outcomes by district.,
     owner: ACC Crime, due: 2022-11-16, status: complete, update: Presented., session: open}
  - {id: A-2022-09-02, raised_at: "2022-09", item: rape, description: Prevention services.,
     owner: OPCC, due: 2023-01-31, status: in progress, update: Mapping under way.}
  - {id: A-2022-11-01, raised_at: "2022-11", item: tom, description: Cost the options.,
     owner: DCC, due: 2023-01-18, status: open, session: closed}
"""


@pytest.fixture
def cycles_dir(tmp_path):
    d = tmp_path / "cycles"
    d.mkdir()
    (d / "2022-11.yaml").write_text(CYCLE_YAML, encoding="utf-8")
    return d


def test_new_cycle_content(cycles_dir):
    text = new_cycle(cycles_dir / "2022-11.yaml", "2023-01")
    assert text.startswith("# Corporate Governance Board cycle 2023-01")
    assert "Edit before running it" in text
    raw = yaml.safe_load(text)
    new = Cycle.model_validate(raw)
    assert new.cycle == "2023-01"
    assert new.title == "Corporate Governance Board, January 2023"
    assert new.data_to == "2022-12"  # the month before January 2023
    assert new.meeting_date == date(2023, 1, 23)  # 23 Nov 2022 + 2 months
    assert new.defaults == {"cycle": "2023-01", "data_to": "2022-12"}
    # Parameters naming the old cycle or data_to are moved on. previous_cycle is dropped:
    # the runner supplies it from the cycle files (a copied "2022-09" would be stale).
    assert new.briefings[0].parameters == {"month": "2022-12"}
    assert "parameters.previous_cycle (now from the cycle)" in text
    assert [b.name for b in new.briefings] == ["panel_summary", "data_quality"]
    assert [(i.id, i.session, i.response, i.outcome) for i in new.agenda] == [
        ("rape", "open", "", ""),
        ("tom", "closed", "", ""),
    ]
    assert new.agenda[0].request == "The Commissioner asked for outcomes by district."
    old = Cycle.model_validate(yaml.safe_load(CYCLE_YAML))
    assert new.actions == [old.actions[1], old.actions[2]]  # the complete one stays behind
    assert "briefings[panel_summary].parameters.month" in text  # the header lists the swap


def test_new_cycle_meeting_date_clamped_or_given(cycles_dir):
    src = cycles_dir / "2022-11.yaml"
    src.write_text(CYCLE_YAML.replace("meeting_date: 2022-11-23", "meeting_date: 2022-11-30"))
    # 30 November + 3 months would be 30 February: clamped to 28 February 2023.
    raw = yaml.safe_load(new_cycle(src, "2023-02"))
    assert raw["meeting_date"] == date(2023, 2, 28)
    assert raw["data_to"] == "2023-01"
    raw = yaml.safe_load(new_cycle(src, "2023-01", meeting_date=date(2023, 1, 18)))
    assert raw["meeting_date"] == date(2023, 1, 18)


def test_new_cycle_rejects_bad_ids(cycles_dir):
    src = cycles_dir / "2022-11.yaml"
    with pytest.raises(ParamsError, match="not later than this cycle"):
        new_cycle(src, "2022-09")
    with pytest.raises(ParamsError, match="not a month written YYYY-MM"):
        new_cycle(src, "2023-1")


def test_write_new_cycle_refuses_to_overwrite(cycles_dir):
    src = cycles_dir / "2022-11.yaml"
    path = write_new_cycle(src, "2023-01")
    assert path == cycles_dir / "2023-01.yaml"
    assert load_cycle(path).cycle == "2023-01"  # the runner's loader accepts it
    assert latest_cycle_file(cycles_dir) == path
    path.write_text(path.read_text() + "# analyst's edits\n")
    before = path.read_text()
    with pytest.raises(ParamsError, match="already exists; new-cycle never overwrites"):
        write_new_cycle(src, "2023-01")
    assert path.read_text() == before
    # The new file's actions check against its own and the November agenda.
    assert check_cycle_actions(path).cycle == "2023-01"


def test_check_cycle_actions_names_file_and_action(cycles_dir):
    bad = cycles_dir / "2022-11.yaml"
    bad.write_text(CYCLE_YAML.replace("item: tom", "item: target_operating_model"))
    with pytest.raises(ParamsError) as info:
        check_cycle_actions(bad)
    assert str(bad) in str(info.value)
    assert "actions[2] (id 'A-2022-11-01'): item 'target_operating_model'" in str(info.value)


def test_shipped_cycle_files_validate_and_carry_forward():
    from scrutiny.config import PARAMS_DIR

    sept = check_cycle_actions(PARAMS_DIR / "cycles" / "2022-09.yaml")
    nov = check_cycle_actions(PARAMS_DIR / "cycles" / "2022-11.yaml")
    # Every action still open after September is carried into November (the audit trail).
    carried = {a.id for a in carry_forward(sept)}
    assert carried == {f"A-2022-09-0{i}" for i in range(1, 7)}
    assert carried <= {a.id for a in nov.actions}
    # The public log never shows a closed-session action: A-2022-09-05, -06 and A-2022-11-04.
    public = action_log(nov.actions, as_at=nov.meeting_date, session="open")
    assert not {"A-2022-09-05", "A-2022-09-06", "A-2022-11-04"} & set(public["id"])
    assert len(public) == 10 - 3


def test_cli_new_cycle_end_to_end(cycles_dir, monkeypatch):
    from typer.testing import CliRunner

    import scrutiny.analysis.actions
    from scrutiny.cli import app

    runner = CliRunner()
    src = cycles_dir / "2022-11.yaml"
    result = runner.invoke(
        app, ["new-cycle", "2023-01", "--from", str(src), "--meeting-date", "2023-01-18"]
    )
    assert result.exit_code == 0, result.output
    new = load_cycle(cycles_dir / "2023-01.yaml")
    assert (new.meeting_date, new.data_to) == (date(2023, 1, 18), "2022-12")
    assert [a.id for a in new.actions] == ["A-2022-09-02", "A-2022-11-01"]
    # Again: refuses to overwrite, exit code 2, the file named in the message.
    again = runner.invoke(app, ["new-cycle", "2023-01", "--from", str(src)])
    assert again.exit_code == 2
    assert "already exists" in again.output
    # Without --from it starts from the latest file in the cycles folder (2023-01 now).
    monkeypatch.setattr(scrutiny.analysis.actions, "CYCLES_DIR", cycles_dir)
    third = runner.invoke(app, ["new-cycle", "2023-03"])
    assert third.exit_code == 0, third.output
    march = load_cycle(cycles_dir / "2023-03.yaml")
    assert march.meeting_date == date(2023, 3, 18)  # the 18th, as in January
    assert march.data_to == "2023-02"
