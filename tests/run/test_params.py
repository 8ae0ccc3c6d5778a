"""Cycle file models and parameter checks: every error names the file, briefing and key."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest

from conftest import FIXTURE_CYCLE_DIR, REPO
from scrutiny.analysis.board import Action, AgendaItem, CycleError, load_cycle
from scrutiny.errors import ParamsError
from scrutiny.run.params import (
    NotebookParameter,
    check_cycle,
    cycle_context,
    inspect_parameters,
    resolve_parameters,
)

GOOD = """\
cycle: "2022-11"
title: Test cycle
meeting_date: 2022-11-23
data_to: "2022-10"
defaults:
  cycle: "2022-11"
  data_to: "2022-10"
  force: Leicestershire Police
briefings:
  - name: summary
    notebook: tests/fixtures/cycle/summary.ipynb
    parameters:
      area: Rutland
"""


def write(tmp_path: Path, text: str, name: str = "2022-11.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def errors_of(exc: pytest.ExceptionInfo[CycleError]) -> list[str]:
    return [str(e) for e in exc.value.errors]


def P(name: str, type_name: str | None, default: str) -> NotebookParameter:  # noqa: N802
    return NotebookParameter(name, type_name, default, "")


DECLARED = {
    "cycle": P("cycle", "str", '"2022-11"'),
    "classification": P("classification", "str", '"OFFICIAL"'),
    "area": P("area", "str", '"Leicester"'),
    "months": P("months", "int", "6"),
    "threshold": P("threshold", "float", "0.5"),
    "anything": P("anything", "NoneType", "None"),
    "flag": P("flag", "bool", "False"),
    "meeting": P("meeting", "str", '"2022-11-23"'),
}


# ---------------------------------------------------------------------------------------
# load_cycle


def test_fixture_cycle_loads():
    cycle = load_cycle(FIXTURE_CYCLE_DIR / "2022-11.yaml")
    assert [b.name for b in cycle.briefings] == ["summary", "closed_summary", "broken"]
    assert cycle.meeting_date == dt.date(2022, 11, 23)
    assert cycle.briefing("closed_summary").classification == "OFFICIAL-SENSITIVE"
    assert cycle.briefing("summary").classification == "OFFICIAL"  # the default
    assert cycle.timeout_minutes == 5


def test_default_cycle_file_is_valid():
    cycle = load_cycle(Path(__file__).parents[2] / "params" / "cycles" / "2022-11.yaml")
    assert cycle.cycle == "2022-11"
    assert cycle.meeting_date == dt.date(2022, 11, 23)
    assert cycle.data_to == "2022-10"


def test_unknown_top_level_key_is_named_with_a_suggestion(tmp_path):
    p = write(tmp_path, GOOD.replace("title:", "titel:"))
    with pytest.raises(CycleError) as exc:
        load_cycle(p)
    text = "\n".join(errors_of(exc))
    assert str(p) in text
    assert "unknown key 'titel'" in text
    assert "did you mean 'title'" in text
    assert "title: required key is missing" in text


def test_unknown_briefing_key_names_the_briefing(tmp_path):
    p = write(tmp_path, GOOD.replace("    parameters:", "    paramters:"))
    with pytest.raises(CycleError) as exc:
        load_cycle(p)
    (only,) = exc.value.errors
    assert only.briefing == "summary"
    assert "briefings[0].paramters: unknown key 'paramters'" in str(only)
    assert "did you mean 'parameters'" in str(only)


def test_key_given_twice_is_an_error(tmp_path):
    p = write(tmp_path, GOOD + 'title: "Again"\n')
    with pytest.raises(CycleError) as exc:
        load_cycle(p)
    assert "'title' appears twice" in str(exc.value)


def test_wrong_types_and_values_are_named(tmp_path):
    text = GOOD.replace('data_to: "2022-10"\ndefaults', 'data_to: "2022-13"\ndefaults')
    text = text.replace("meeting_date: 2022-11-23", "meeting_date: next week")
    text = text.replace("parameters:\n      area: Rutland", "classification: SECRET")
    with pytest.raises(CycleError) as exc:
        load_cycle(write(tmp_path, text))
    text = "\n".join(errors_of(exc))
    assert "data_to:" in text and "'2022-13'" in text
    assert "meeting_date:" in text
    assert "briefings[0].classification:" in text and "'SECRET'" in text


def test_cycle_must_match_file_name_and_defaults(tmp_path):
    text = GOOD.replace('  cycle: "2022-11"', '  cycle: "2022-10"')
    with pytest.raises(CycleError) as exc:
        load_cycle(write(tmp_path, text, "2022-12.yaml"))
    text = "\n".join(errors_of(exc))
    assert "does not match the file name '2022-12.yaml'" in text
    assert "defaults.cycle: '2022-10' differs from the top-level cycle '2022-11'" in text


def test_duplicate_briefing_names(tmp_path):
    text = GOOD + "  - name: summary\n    notebook: tests/fixtures/cycle/broken.ipynb\n"
    with pytest.raises(CycleError) as exc:
        load_cycle(write(tmp_path, text))
    assert "briefings[1].name: 'summary' is used twice" in str(exc.value)


def test_empty_briefings_key_means_none(tmp_path):
    text = GOOD.split("briefings:")[0] + "briefings:\n"
    cycle = load_cycle(write(tmp_path, text))
    assert cycle.briefings == []


def test_not_yaml_and_not_a_mapping(tmp_path):
    with pytest.raises(CycleError, match="not valid YAML"):
        load_cycle(write(tmp_path, "cycle: [unclosed\n"))
    with pytest.raises(CycleError, match="expected a mapping"):
        load_cycle(write(tmp_path, "- just\n- a list\n"))
    with pytest.raises(CycleError, match="cannot read"):
        load_cycle(tmp_path / "missing.yaml")


def test_cycle_file_not_utf8_names_the_byte_offset_and_line(tmp_path):
    p = tmp_path / "2022-11.yaml"
    # "title: Test cycle" -> "title: Test cycl\xe9": the bad byte follows 'cycle: "2022-11"\n'
    # (17 bytes with its newline) and "title: Test cycl" (16 bytes): offset 33, line 2,
    # column 17
    p.write_bytes(GOOD.replace("Test cycle", "Test cycl\xe9").encode("latin-1"))
    with pytest.raises(CycleError) as exc:
        load_cycle(p)
    assert errors_of(exc) == [
        f"{p}: is not UTF-8 text: byte 0xe9 at byte offset 33 (line 2, column 17) cannot be "
        "read; save the file as UTF-8"
    ]


def test_a_meeting_date_that_does_not_exist_names_the_key(tmp_path):
    p = write(tmp_path, GOOD.replace("meeting_date: 2022-11-23", "meeting_date: 2022-02-30"))
    with pytest.raises(CycleError) as exc:
        load_cycle(p)
    # line 3 is "meeting_date: 2022-02-30"; the value starts in column 15
    assert errors_of(exc) == [
        f"{p}: line 3, column 15: meeting_date: 2022-02-30 is not a date that exists "
        "(February 2022 has 28 days)"
    ]
    quoted = write(tmp_path, GOOD.replace("meeting_date: 2022-11-23", 'meeting_date: "2022-02-30"'))
    with pytest.raises(CycleError) as exc:
        load_cycle(quoted)
    assert errors_of(exc) == [
        f"{quoted}: meeting_date: 2022-02-30 is not a date that exists (February 2022 has 28 days)"
    ]


def test_an_alias_bomb_as_the_title_fails_fast(tmp_path):
    lol = "&a0 [" + ", ".join(['"lol"'] * 9) + "]"
    levels = [lol] + [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    p = write(tmp_path, GOOD.replace("title: Test cycle", f"title: [{', '.join(levels)}]"))
    start = time.perf_counter()
    with pytest.raises(CycleError) as exc:
        load_cycle(p)
    assert time.perf_counter() - start < 1.0
    (only,) = errors_of(exc)
    assert only.startswith(f"{p}: line 2, column ")
    assert "more than 50 YAML aliases" in only and "write the values out instead" in only


# ---------------------------------------------------------------------------------------
# agenda and actions


AGENDA = {
    "id": "2022-11-01",
    "title": "Violence against women and girls",
    "session": "open",
    "theme": "Protecting vulnerable people",
    "request": "Update on the VAWG delivery plan",
    "response": "Paper from the ACC",
    "outcome": "Noted; further report in March",
    "kpis": ["vawg_offences"],
}
ACTION = {
    "id": "A-2022-11-01",
    "raised_at": "2022-11",
    "item": "2022-11-01",
    "description": "Report the outcome rate for rape offences by quarter",
    "owner": "ACC Crime",
    "due": "2023-03-01",
    "status": "open",
}


def test_agenda_and_action_models_are_strict():
    assert AgendaItem(**AGENDA).kpis == ["vawg_offences"]
    action = Action(**ACTION)
    assert action.due == dt.date(2023, 3, 1)
    assert action.session == "open" and action.update == ""
    with pytest.raises(ValueError, match="session"):
        AgendaItem(**{**AGENDA, "session": "private"})
    with pytest.raises(ValueError, match="status"):
        Action(**{**ACTION, "status": "done"})
    with pytest.raises(ValueError, match="raised_at"):
        Action(**{**ACTION, "raised_at": "November 2022"})
    with pytest.raises(ValueError, match="extra"):
        Action(**{**ACTION, "ownr": "x"})


def test_agenda_errors_in_the_cycle_file_name_the_item(tmp_path):
    text = GOOD + "agenda:\n  - id: a1\n    title: T\n    session: open\n    theme: t\n"
    text += "    request: r\n    response: r\n    outcome: o\n    kpi: [x]\n"
    with pytest.raises(CycleError) as exc:
        load_cycle(write(tmp_path, text))
    assert "agenda[0].kpi: unknown key 'kpi'; did you mean 'kpis'?" in str(exc.value)


# ---------------------------------------------------------------------------------------
# resolve_parameters


def cycle_with(tmp_path: Path, parameters: str = "", defaults: str = "") -> tuple:
    text = GOOD.replace(
        "  force: Leicestershire Police\n", defaults or "  force: Leicestershire Police\n"
    )
    text = text.replace("    parameters:\n      area: Rutland\n", parameters)
    p = write(tmp_path, text)
    cycle = load_cycle(p)
    return p, cycle, cycle.briefings[0]


def test_defaults_go_only_to_notebooks_that_declare_them(tmp_path):
    p, cycle, b = cycle_with(tmp_path, "    parameters:\n      months: 3\n")
    params, errors = resolve_parameters(cycle, b, DECLARED, file=p, index=0)
    assert errors == []
    # cycle: from defaults (declared); data_to and force: not declared, so not passed
    assert params == {"cycle": "2022-11", "classification": "OFFICIAL", "months": 3}


def test_unknown_parameter_names_file_briefing_and_key(tmp_path):
    p, cycle, b = cycle_with(tmp_path, "    parameters:\n      aera: Rutland\n")
    _, errors = resolve_parameters(cycle, b, DECLARED, file=p, index=0)
    (err,) = errors
    assert err.briefing == "summary"
    text = str(err)
    assert text.startswith(f"{p} (briefing 'summary'): briefings[0].parameters.aera:")
    assert "'aera' is not a parameter of tests/fixtures/cycle/summary.ipynb" in text
    assert "did you mean 'area'?" in text


def test_wrong_type_is_named(tmp_path):
    p, cycle, b = cycle_with(tmp_path, '    parameters:\n      months: "six"\n      flag: 1\n')
    _, errors = resolve_parameters(cycle, b, DECLARED, file=p, index=0)
    texts = [str(e) for e in errors]
    assert any("briefings[0].parameters.months: 'months' should be an integer" in t for t in texts)
    assert any("got 'six' (str)" in t for t in texts)
    assert any("parameters.flag: 'flag' should be true or false" in t for t in texts)


def test_wrong_type_in_defaults_names_defaults(tmp_path):
    p, cycle, b = cycle_with(tmp_path, "", defaults="  months: 2.5\n")
    _, errors = resolve_parameters(cycle, b, DECLARED, file=p, index=0)
    assert ["defaults.months: 'months' should be an integer" in str(e) for e in errors] == [True]


def test_type_leniency_int_for_float_none_default_and_dates(tmp_path):
    params_text = (
        "    parameters:\n      threshold: 2\n      anything: [1, 2]\n      meeting: 2022-11-23\n"
    )
    p, cycle, b = cycle_with(tmp_path, params_text)
    params, errors = resolve_parameters(cycle, b, DECLARED, file=p, index=0)
    assert errors == []
    assert params["threshold"] == 2.0 and isinstance(params["threshold"], float)
    assert params["anything"] == [1, 2]
    assert params["meeting"] == "2022-11-23"  # YAML date given for a str parameter


def test_bool_is_not_an_integer(tmp_path):
    p, cycle, b = cycle_with(tmp_path, "    parameters:\n      months: true\n")
    _, errors = resolve_parameters(cycle, b, DECLARED, file=p, index=0)
    assert len(errors) == 1


def test_classification_belongs_to_the_briefing_not_parameters(tmp_path):
    p, cycle, b = cycle_with(tmp_path, "    parameters:\n      classification: OFFICIAL\n")
    _, errors = resolve_parameters(cycle, b, DECLARED, file=p, index=0)
    assert "set 'classification' on the briefing itself" in str(errors[0])


# ---------------------------------------------------------------------------------------
# inspect_parameters and check_cycle


def test_inspect_fixture_notebook():
    found = inspect_parameters(FIXTURE_CYCLE_DIR / "summary.ipynb")
    assert list(found) == ["cycle", "classification", "data_to", "area", "data_file", "months"]
    assert found["months"].type_name == "int" and found["months"].default == "6"
    assert found["area"].type_name == "str"
    assert found["area"].help == "policing area named in the title"


def notebook(tmp_path: Path, source: str | None) -> Path:
    cells = [
        {
            "id": "imports",
            "cell_type": "code",
            "metadata": {},
            "source": "import os",
            "outputs": [],
            "execution_count": None,
        }
    ]
    if source is not None:
        cells.append(
            {
                "id": "parameters",
                "cell_type": "code",
                "metadata": {"tags": ["parameters"]},
                "source": source,
                "outputs": [],
                "execution_count": None,
            }
        )
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {
                "name": "scrutiny",
                "display_name": "Python (scrutiny)",
                "language": "python",
            }
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    p = tmp_path / "nb.ipynb"
    p.write_text(json.dumps(nb), encoding="utf-8")
    return p


def test_inspect_reads_lines_papermill_cannot(tmp_path):
    # papermill skips a line holding a second "=" (here in the comment)
    src = 'option = "1-orange"  # chosen option ("" = the file\'s)\nlimit: float = 3  # a limit\n'
    found = inspect_parameters(notebook(tmp_path, src))
    assert list(found) == ["option", "limit"]
    assert found["option"].type_name == "str"
    assert found["option"].help == 'chosen option ("" = the file\'s)'
    assert found["limit"].type_name == "float"


def test_inspect_a_cell_python_cannot_parse_goes_to_papermill(tmp_path):
    # An IPython magic is not Python: papermill's line reader skips it and finds the rest.
    src = '%matplotlib inline\narea = "Rutland"  # policing area\nmonths = 6\n'
    found = inspect_parameters(notebook(tmp_path, src))
    assert list(found) == ["area", "months"]
    assert found["area"].help == "policing area" and found["months"].type_name == "int"


def test_inspect_every_project_notebook_the_same_as_papermill_reads_it():
    # Python's parser and papermill's give the same declarations for every notebook here
    # (papermill's reading filled in, where it skips a line, from Python's, as before).
    from scrutiny.run.params import _ast_parameters, papermill_parameters

    paths = sorted((REPO / "notebooks").glob("*.ipynb"))
    paths += sorted((REPO / "tests" / "fixtures").rglob("*.ipynb"))
    assert len(paths) >= 12
    for p in paths:
        cells = json.loads(p.read_text(encoding="utf-8"))["cells"]
        tagged = [c for c in cells if "parameters" in c["metadata"].get("tags", [])]
        if not tagged:
            continue
        from_ast = _ast_parameters("".join(tagged[0]["source"]))
        by_papermill = papermill_parameters(p)
        want = {n: by_papermill.get(n) or from_ast[n] for n in [*from_ast, *by_papermill]}
        assert inspect_parameters(p) == want, p


def test_notebook_without_parameters_cell(tmp_path):
    with pytest.raises(ParamsError, match="no cell is tagged 'parameters'"):
        inspect_parameters(notebook(tmp_path, None))


def test_check_cycle_reports_every_problem_at_once(tmp_path):
    text = GOOD + "  - name: ghost\n    notebook: notebooks/does_not_exist.ipynb\n"
    text = text.replace("area: Rutland", "area: Rutland\n      distrct: North")
    p = write(tmp_path, text)
    with pytest.raises(CycleError) as exc:
        check_cycle(p, load_cycle(p))
    texts = errors_of(exc)
    assert len(texts) == 2
    assert "briefings[0].parameters.distrct" in texts[0]
    assert (
        "(briefing 'ghost'): briefings[1].notebook: notebooks/does_not_exist.ipynb does not exist"
        in texts[1]
    )


def test_check_fixture_cycle_resolves_parameters():
    p = FIXTURE_CYCLE_DIR / "2022-11.yaml"
    params = check_cycle(p, load_cycle(p))
    assert params["closed_summary"] == {
        "cycle": "2022-11",
        "data_to": "2022-10",
        "classification": "OFFICIAL-SENSITIVE",
        "area": "Rutland",
        "months": 4,
    }
    assert params["broken"] == {"cycle": "2022-11", "classification": "OFFICIAL"}


# ---------------------------------------------------------------------------------------
# The cycle's own context: its file, and the previous cycle's data_to


def test_cycle_context_names_this_file_and_the_previous_cycle(tmp_path):
    sep = write(
        tmp_path, GOOD.replace("2022-11", "2022-09").replace("2022-10", "2022-08"), "2022-09.yaml"
    )
    nov = write(tmp_path, GOOD)
    write(
        tmp_path, GOOD.replace("2022-11", "2023-01").replace("2022-10", "2022-12"), "2023-01.yaml"
    )  # later cycles are not "previous"
    assert cycle_context(nov, load_cycle(nov)) == {
        "cycle_file": str(nov.resolve()),
        "previous_cycle": "2022-09",
        "previous_data_to": "2022-08",
    }
    # The first cycle has no previous one: its notebooks keep their own default.
    assert cycle_context(sep, load_cycle(sep)) == {"cycle_file": str(sep.resolve())}


def test_context_goes_to_declaring_notebooks_and_explicit_values_win(tmp_path):
    nov = write(tmp_path, GOOD)
    cycle = load_cycle(nov)
    declared = {
        "cycle_file": P("cycle_file", "str", '"params/cycles/2022-11.yaml"'),
        "previous_data_to": P("previous_data_to", "str", '"2022-08"'),
    }
    context = {"cycle_file": "x/2022-11.yaml", "previous_data_to": "2022-08", "other": 1}
    briefing = cycle.briefings[0].model_copy(update={"parameters": {}})
    params, errors = resolve_parameters(cycle, briefing, declared, file=nov, context=context)
    assert errors == []
    assert params == {"cycle_file": "x/2022-11.yaml", "previous_data_to": "2022-08"}
    briefing = briefing.model_copy(update={"parameters": {"previous_data_to": "2022-06"}})
    params, _ = resolve_parameters(cycle, briefing, declared, file=nov, context=context)
    assert params["previous_data_to"] == "2022-06"


def test_default_cycle_passes_its_own_file_to_the_panel_summary():
    path = Path(__file__).resolve().parents[2] / "params" / "cycles" / "2022-11.yaml"
    params = check_cycle(path, load_cycle(path))
    assert params["panel_summary_public"]["cycle_file"] == "params/cycles/2022-11.yaml"
    assert params["plan_delivery"]["previous_data_to"] == "2022-08"  # 2022-09's data_to


# ---------------------------------------------------------------------------------------
# What the cycle refers to, checked before any kernel: KPI ids, action items, data_to,
# notebooks inside the project

SUMMARY = FIXTURE_CYCLE_DIR / "summary.ipynb"
LEICESTERSHIRE_MONTHS = "35 months, 2019-12 to 2022-10"  # 1 (2019) + 12 + 12 + 10 (2022)


def fake_inspect(**extra: str):
    """An ``inspect`` for check_cycle: summary.ipynb's parameters plus ``extra`` (name=default)."""
    declared = {
        "cycle": P("cycle", "str", '"2022-11"'),
        "classification": P("classification", "str", '"OFFICIAL"'),
        "data_to": P("data_to", "str", '"2022-10"'),
        "area": P("area", "str", '"Leicester"'),
    }
    for name, default in extra.items():
        declared[name] = P(name, type(__import__("ast").literal_eval(default)).__name__, default)
    return lambda nb: declared


def test_unknown_kpi_in_parameters_and_agenda_is_named(tmp_path):
    text = GOOD.replace(
        "      area: Rutland\n",
        "      area: Rutland\n      kpi: robbry\n      kpis: [burglary, burglery]\n"
        "      lead_kpi: rape\n      other_kpi: ''\n",
    )
    text += (
        "agenda:\n  - id: vawg\n    title: T\n    session: open\n    theme: t\n"
        "    request: r\n    response: r\n    outcome: o\n    kpis: [rape, vawg_offences]\n"
    )
    p = write(tmp_path, text)
    inspect = fake_inspect(kpi='"all_crime"', kpis="[]", lead_kpi='""', other_kpi='""')
    with pytest.raises(CycleError) as exc:
        check_cycle(p, load_cycle(p), inspect=inspect)
    texts = errors_of(exc)
    assert len(texts) == 3  # rape, burglary and the empty other_kpi are fine
    assert texts[0].startswith(
        f"{p} (briefing 'summary'): briefings[0].parameters.kpi: KPI 'robbry' is not in the "
        "KPI registry (params/kpis.yaml); did you mean 'robbery'? (expected one of: all_crime,"
    )
    assert "briefings[0].parameters.kpis: KPI 'burglery' is not in the KPI registry" in texts[1]
    assert "did you mean 'burglary'?" in texts[1]
    assert texts[2].startswith(
        f"{p}: agenda[0] (id 'vawg').kpis: KPI 'vawg_offences' is not in the KPI registry"
    )


def test_kpi_in_defaults_is_reported_once(tmp_path):
    text = GOOD.replace("  force: Leicestershire Police\n", "  kpi: knife_crime\n")
    text += "  - name: second\n    notebook: tests/fixtures/cycle/summary.ipynb\n"
    p = write(tmp_path, text)
    with pytest.raises(CycleError) as exc:
        check_cycle(p, load_cycle(p), inspect=fake_inspect(kpi='"all_crime"'))
    (only,) = errors_of(exc)
    assert only.startswith(f"{p}: defaults.kpi: KPI 'knife_crime' is not in the KPI registry")


ACTIONS = """\
agenda:
  - {id: vawg, title: T, session: open, theme: t, request: r, response: r, outcome: o}
actions:
  - {id: A1, raised_at: "2022-09", item: recruitment, description: d, owner: o,
     due: 2023-01-31, status: open}
  - {id: A2, raised_at: "2022-11", item: vawg, description: d, owner: o,
     due: 2023-01-31, status: open}
  - {id: A3, raised_at: "2022-11", item: budget, description: d, owner: o,
     due: 2023-01-31, status: open}
"""


def test_action_items_must_be_on_this_or_an_earlier_agenda(tmp_path):
    p = write(tmp_path, GOOD + ACTIONS)
    with pytest.raises(CycleError) as exc:
        check_cycle(p, load_cycle(p))
    texts = errors_of(exc)
    assert texts == [
        f"{p}: actions[0] (id 'A1'): item 'recruitment' is not an agenda item of 2022-11 or an "
        "earlier cycle (expected one of: vawg)",
        f"{p}: actions[2] (id 'A3'): item 'budget' is not an agenda item of 2022-11 or an "
        "earlier cycle (expected one of: vawg)",
    ]
    # The September cycle in the same folder has 'recruitment' on its agenda: A1 is fine.
    sept = GOOD.replace("2022-11", "2022-09").replace("2022-10", "2022-08")
    sept += "agenda:\n  - {id: recruitment, title: T, session: open, theme: t, request: r,\n"
    sept += "     response: r, outcome: o}\n"
    write(tmp_path, sept, "2022-09.yaml")
    with pytest.raises(CycleError) as exc:
        check_cycle(p, load_cycle(p))
    (only,) = errors_of(exc)
    assert "actions[2] (id 'A3'): item 'budget'" in only
    assert "(expected one of: recruitment, vawg)" in only


def test_data_to_after_the_last_month_of_data_says_which_months_exist(tmp_path):
    p = write(tmp_path, GOOD.replace('"2022-10"', '"2023-01"'))
    with pytest.raises(CycleError) as exc:
        check_cycle(p, load_cycle(p))
    assert errors_of(exc) == [
        f"{p}: data_to: '2023-01' is after the last month of police.uk street data in "
        f"data/raw/police-uk/leicestershire (the files hold {LEICESTERSHIRE_MONTHS}); "
        "used by briefing 'summary'"
    ]


def test_data_to_before_the_first_month_in_a_street_crime_parameter(tmp_path, street_dir):
    text = GOOD.replace("      area: Rutland\n", f"      street_crime: {street_dir}\n")
    text = text.replace('"2022-10"', '"2021-12"')
    text += "  - name: second\n    notebook: tests/fixtures/cycle/summary.ipynb\n"
    p = write(tmp_path, text)
    inspect = fake_inspect(street_crime='"data/raw/police-uk/leicestershire"')
    with pytest.raises(CycleError) as exc:
        check_cycle(p, load_cycle(p), inspect=inspect)
    # Testshire holds 2022-01, 2022-02 and 2022-04; the second briefing reads the
    # notebook's default street_crime (Leicestershire, from 2019-12), so 2021-12 is fine.
    assert errors_of(exc) == [
        f"{p}: data_to: '2021-12' is before the first month of police.uk street data in "
        f"{street_dir} (the files hold 3 months, 2022-01 to 2022-04, without 2022-03); "
        "used by briefing 'summary'"
    ]


def test_data_to_not_a_month_and_street_files_that_cannot_be_listed(tmp_path):
    text = GOOD.replace("      area: Rutland\n", "      data_to: October\n")
    text += "  - name: second\n    notebook: tests/fixtures/cycle/summary.ipynb\n"
    text += f"    parameters:\n      street_crime: {tmp_path / 'nowhere'}\n"
    p = write(tmp_path, text)
    with pytest.raises(CycleError) as exc:
        check_cycle(p, load_cycle(p), inspect=fake_inspect(street_crime='""'))
    texts = errors_of(exc)
    assert texts == [
        f"{p} (briefing 'summary'): briefings[0].parameters.data_to: 'October' is not a month "
        "written YYYY-MM",
        f"{p} (briefing 'second'): briefings[1].parameters.street_crime: the police.uk street "
        f"files cannot be listed to check data_to: {tmp_path / 'nowhere'}: does not exist "
        "(expected police.uk street files)",
    ]


def test_notebook_outside_the_project_is_refused_unless_allowed(tmp_path):
    from scrutiny.run.params import outside_notebooks_allowed

    outside = tmp_path / "summary.ipynb"
    outside.write_bytes(SUMMARY.read_bytes())
    text = GOOD.replace("tests/fixtures/cycle/summary.ipynb", str(outside))
    text += "  - name: climber\n    notebook: ../elsewhere/x.ipynb\n"
    text += "  - name: inside\n    notebook: notebooks/../tests/fixtures/cycle/summary.ipynb\n"
    p = write(tmp_path, text)
    with pytest.raises(CycleError) as exc:
        check_cycle(p, load_cycle(p))
    root = Path(__file__).resolve().parents[2]
    assert errors_of(exc) == [
        f"{p} (briefing 'summary'): briefings[0].notebook: {outside} is outside the project "
        f"folder {root}; keep briefing notebooks inside it (e.g. in notebooks/), or run with "
        "--allow-outside-notebooks if you trust it",
        f"{p} (briefing 'climber'): briefings[1].notebook: ../elsewhere/x.ipynb is outside the "
        f"project folder {root}; keep briefing notebooks inside it (e.g. in notebooks/), or "
        "run with --allow-outside-notebooks if you trust it",
    ]
    # Allowed: the outside notebook is checked like any other (the climber does not exist).
    with pytest.raises(CycleError) as exc:
        check_cycle(p, load_cycle(p), allow_outside_notebooks=True)
    assert errors_of(exc) == [
        f"{p} (briefing 'climber'): briefings[1].notebook: ../elsewhere/x.ipynb does not exist"
    ]
    with outside_notebooks_allowed(), pytest.raises(CycleError) as exc:
        check_cycle(p, load_cycle(p))
    assert len(exc.value.errors) == 1 and "does not exist" in str(exc.value)
