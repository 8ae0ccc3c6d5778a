"""The one YAML loader for parameter files: UTF-8, each key once, real dates, limited aliases."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from scrutiny import yamlio
from scrutiny.analysis.budget import load_budget
from scrutiny.analysis.kpis import load_registry
from scrutiny.analysis.plan import load_plan
from scrutiny.errors import ParamsError

REPO = Path(__file__).resolve().parents[1]


def bomb(levels: int = 9, width: int = 9) -> str:
    """A "billion laughs" flow list: ``width ** levels`` strings from a few hundred bytes."""
    parts = ["&a0 [" + ", ".join(['"lol"'] * width) + "]"]
    for i in range(1, levels):
        parts.append(f"&a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "[" + ", ".join(parts) + "]"


def binary_bomb(levels: int = 25) -> str:
    """Two aliases per level: 2 ** 24 values from 48 aliases (under the alias count)."""
    parts = ['&b0 "lol"'] + [f"&b{i} [*b{i - 1}, *b{i - 1}]" for i in range(1, levels)]
    return "[" + ", ".join(parts) + "]"


def test_plain_yaml_reads_as_safe_load():
    text = "a: 1\nb: [x, 2022-11-23]\nc: {d: true}\n"
    assert yamlio.parse_yaml(text, "f.yaml") == {
        "a": 1,
        "b": ["x", __import__("datetime").date(2022, 11, 23)],
        "c": {"d": True},
    }


def test_python_tags_are_refused():
    with pytest.raises(ParamsError, match="not valid YAML"):
        yamlio.parse_yaml("a: !!python/object/apply:os.system ['true']\n", "f.yaml")


def test_not_utf8_names_byte_offset_line_and_column(tmp_path):
    p = tmp_path / "f.yaml"
    # "é" in Latin-1 is the single byte 0xe9: offset 13 = len("a: 1\ntitle: R")
    p.write_bytes("a: 1\ntitle: R\xe9sum\xe9\n".encode("latin-1"))
    with pytest.raises(ParamsError) as exc:
        yamlio.read_yaml(p)
    assert str(exc.value) == (
        f"{p}: is not UTF-8 text: byte 0xe9 at byte offset 13 (line 2, column 9) cannot be "
        "read; save the file as UTF-8"
    )


def test_utf8_byte_order_mark_is_fine_and_utf16_is_named(tmp_path):
    p = tmp_path / "f.yaml"
    p.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert yamlio.read_yaml(p) == {"a": 1}
    p.write_bytes("a: 1\n".encode("utf-16"))
    with pytest.raises(ParamsError, match="is UTF-16 text; save it as UTF-8"):
        yamlio.read_yaml(p)


def test_missing_file(tmp_path):
    with pytest.raises(ParamsError, match=r"cannot read the file \(file not found\)"):
        yamlio.read_yaml(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "meeting_date: 2022-02-30\n",
            "line 1, column 15: meeting_date: 2022-02-30 is not a date that exists "
            "(February 2022 has 28 days)",
        ),
        (
            "due: 2023-02-29\n",
            "line 1, column 6: due: 2023-02-29 is not a date that exists "
            "(February 2023 has 28 days)",
        ),
        ("due: 2022-13-01\n", "due: 2022-13-01 is not a date that exists (there is no month 13)"),
        ("days: [2022-04-31]\n", "2022-04-31 is not a date that exists (April 2022 has 30 days)"),
    ],
)
def test_a_date_that_does_not_exist_names_the_key(text, message):
    with pytest.raises(ParamsError) as exc:
        yamlio.parse_yaml(text, "f.yaml")
    assert message in str(exc.value)


def test_leap_day_is_a_date():
    assert str(yamlio.parse_yaml("d: 2024-02-29\n", "f.yaml")["d"]) == "2024-02-29"


def test_key_given_twice():
    with pytest.raises(ParamsError) as exc:
        yamlio.parse_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert "line 3, column 1: key 'a' appears twice in one mapping (first on line 1)" in str(
        exc.value
    )


@pytest.mark.parametrize("text", [bomb(), binary_bomb()], ids=["nine-by-nine", "binary"])
def test_alias_bomb_fails_fast(text):
    start = time.perf_counter()
    with pytest.raises(ParamsError) as exc:
        yamlio.parse_yaml(f"title: {text}\n", "f.yaml")
    assert time.perf_counter() - start < 1.0
    message = str(exc.value)
    assert message.startswith("f.yaml: line 1, column ")
    assert "YAML alias" in message and "write the values out instead" in message


def test_expansion_limit_without_many_aliases():
    # 20 aliases, each to a list of 1,000 values: 20,000 repeated values > 10,000
    text = "a: &x [" + ", ".join(["1"] * 1000) + "]\nb: [" + ", ".join(["*x"] * 20) + "]\n"
    with pytest.raises(ParamsError, match="expand to more than 10,000 values"):
        yamlio.parse_yaml(text, "f.yaml")


def test_a_few_aliases_are_allowed():
    text = "base: &p {area: Rutland, months: 4}\none: *p\ntwo: *p\n"
    doc = yamlio.parse_yaml(text, "f.yaml")
    assert doc["one"] == doc["two"] == {"area": "Rutland", "months": 4}


def test_recursive_alias_and_deep_nesting():
    with pytest.raises(ParamsError, match="recursive alias"):
        yamlio.parse_yaml("a: &x [1, *x]\n", "f.yaml")
    with pytest.raises(ParamsError, match="nested too deeply"):
        yamlio.parse_yaml("a: " + "[" * 5000 + "]" * 5000 + "\n", "f.yaml")


def test_syntax_error_names_line_and_column():
    with pytest.raises(ParamsError) as exc:
        yamlio.parse_yaml("a: [unclosed\n", "f.yaml")
    assert str(exc.value).startswith("f.yaml: not valid YAML: line 2, column 1: ")


# -- every params file goes through it ------------------------------------------------------


def test_kpi_registry_plan_and_budget_use_the_safe_loader(tmp_path):
    kpis = tmp_path / "kpis.yaml"
    kpis.write_text(f"kpis: {bomb()}\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="YAML alias"):
        load_registry(kpis)
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"themes: {binary_bomb()}\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="YAML alias"):
        load_plan(plan, kpis_path=REPO / "params" / "kpis.yaml")
    budget = tmp_path / "budget.yaml"
    budget.write_bytes(b"base_year: \xff\n")
    with pytest.raises(ParamsError, match="not UTF-8 text: byte 0xff at byte offset 11"):
        load_budget(budget, record=False)


def test_the_committed_params_files_still_load():
    assert load_registry()
    assert load_plan().themes
    for p in sorted((REPO / "params" / "budget").glob("*.yaml")):
        assert load_budget(p, record=False)


def test_libyaml_parses_every_committed_parameter_file_as_the_checked_loader_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The C parser serves files with no anchor or alias; the results are the same."""
    import yaml

    from scrutiny import yamlio

    files = sorted((REPO / "params").rglob("*.yaml"))
    assert len(files) >= 6
    used = []
    fast = yamlio._FastParamsLoader
    assert fast is not None  # PyYAML is built with libyaml here (requirements.lock)

    class Counting(fast):  # type: ignore[misc, valid-type]
        def __init__(self, stream):
            used.append(1)
            super().__init__(stream)

    monkeypatch.setattr(yamlio, "_FastParamsLoader", Counting)
    for f in files:
        text = f.read_text(encoding="utf-8")
        expected = yaml.load(text, Loader=yamlio.SafeParamsLoader)  # noqa: S506
        assert yamlio.parse_yaml(text, f) == expected, f
    assert len(used) == sum("&" not in f.read_text() and "*" not in f.read_text() for f in files)
    assert used  # the committed files have no anchors: all take the fast path


def test_errors_on_the_fast_path_are_reported_as_the_checked_loader_reports_them() -> None:
    from scrutiny import yamlio

    twice = r"key 'a' appears twice in one mapping \(first on line 1\)"
    with pytest.raises(ParamsError, match=twice):
        yamlio.parse_yaml("a: 1\nb: 2\na: 3\n", "x.yaml")
    with pytest.raises(ParamsError, match="2022-02-30 is not a date that exists"):
        yamlio.parse_yaml("meeting_date: 2022-02-30\n", "x.yaml")
