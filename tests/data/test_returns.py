"""Force returns: hand-made files read as written; malformed ones name file, line, column."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from scrutiny.data.returns import (
    CALLS_SCHEMA,
    FILES,
    PEOPLE_SCHEMA,
    RETURNS_DIR,
    load_return,
    load_returns,
    synthetic_returns,
)
from scrutiny.errors import DataError

CALLS_HEAD = ",".join(f.name for f in CALLS_SCHEMA)


def _write(tmp_path, text, name="calls.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_calls_return_reads_as_written(tmp_path):
    p = _write(tmp_path, f"{CALLS_HEAD}\n2022-02,200,150,300,250,40\n2022-01,100,90,300,260,30\n")
    df = load_return(p, "calls")
    expected = pd.DataFrame(
        {
            "month": pd.to_datetime(["2022-01-01", "2022-02-01"]),
            "calls_999_offered": [100, 200],
            "calls_999_within_10s": [90, 150],
            "calls_101_offered": [300, 300],
            "calls_101_answered": [260, 250],
            "calls_101_abandoned": [30, 40],
            "synthetic": [False, False],
        }
    )
    pd.testing.assert_frame_equal(df, expected)


def test_synthetic_mark_is_read(tmp_path):
    p = _write(tmp_path, f"# SYNTHETIC test file\n{CALLS_HEAD}\n2022-01,100,90,300,260,30\n")
    assert load_return(p, "calls")["synthetic"].tolist() == [True]


def test_within_10s_more_than_offered(tmp_path):
    p = _write(tmp_path, f"{CALLS_HEAD}\n2022-01,100,90,300,260,30\n2022-02,100,101,300,260,30\n")
    with pytest.raises(DataError) as err:
        load_return(p, "calls")
    assert "calls.csv, line 3, column 'calls_999_within_10s'" in str(err.value)
    assert "101 999 calls were answered within 10 seconds of 100 offered" in str(err.value)


def test_101_answered_and_abandoned_more_than_offered(tmp_path):
    p = _write(tmp_path, f"{CALLS_HEAD}\n2022-01,100,90,300,280,30\n")
    with pytest.raises(DataError, match=r"line 2, column 'calls_101_abandoned'"):
        load_return(p, "calls")


def test_text_in_a_count_names_line_and_column(tmp_path):
    p = _write(tmp_path, f"# a comment\n{CALLS_HEAD}\n2022-01,100,ninety,300,260,30\n")
    with pytest.raises(DataError) as err:
        load_return(p, "calls")
    msg = str(err.value)
    assert "line 3, column 'calls_999_within_10s': has 'ninety'" in msg
    assert "expected a whole number of zero or more" in msg


def test_fractional_count_and_bad_month(tmp_path):
    p = _write(tmp_path, f"{CALLS_HEAD}\n2022-01,100.5,90,300,260,30\n")
    with pytest.raises(DataError, match="column 'calls_999_offered': has '100.5'"):
        load_return(p, "calls")
    p = _write(tmp_path, f"{CALLS_HEAD}\nJan 2022,100,90,300,260,30\n")
    with pytest.raises(DataError, match="column 'month'.*YYYY-MM"):
        load_return(p, "calls")


def test_missing_and_extra_columns(tmp_path):
    head = CALLS_HEAD.replace(",calls_101_abandoned", "")
    p = _write(tmp_path, f"{head}\n2022-01,100,90,300,260\n")
    with pytest.raises(DataError, match="has no column 'calls_101_abandoned'"):
        load_return(p, "calls")
    p = _write(tmp_path, f"{CALLS_HEAD},notes\n2022-01,100,90,300,260,30,x\n")
    with pytest.raises(DataError, match="line 1, column 'notes'"):
        load_return(p, "calls")


def test_month_twice_and_month_missing(tmp_path):
    p = _write(tmp_path, f"{CALLS_HEAD}\n2022-01,1,1,3,2,1\n2022-01,1,1,3,2,1\n")
    with pytest.raises(DataError, match="line 3, column 'month': gives month 2022-01 twice"):
        load_return(p, "calls")
    p = _write(tmp_path, f"{CALLS_HEAD}\n2022-01,1,1,3,2,1\n2022-03,1,1,3,2,1\n")
    with pytest.raises(DataError, match="has no row for 2022-02"):
        load_return(p, "calls")


def test_victims_satisfied_more_than_asked_and_unknown_group(tmp_path):
    p = _write(tmp_path, "month,group,asked,satisfied\n2022-01,burglary,10,11\n", "v.csv")
    with pytest.raises(DataError, match="line 2, column 'satisfied': says 11 satisfied of 10"):
        load_return(p, "victims")
    p = _write(tmp_path, "month,group,asked,satisfied\n2022-01,burglry,10,9\n", "v.csv")
    with pytest.raises(DataError, match="column 'group': has 'burglry'"):
        load_return(p, "victims")


def test_people_informal_days_rules(tmp_path):
    head = ",".join(f.name for f in PEOPLE_SCHEMA)
    ok = "2022-01,2242,2200,1400,1350,200,180,20,10,12,11,1600,900,70,0,"
    df = load_return(_write(tmp_path, f"{head}\n{ok}\n", "p.csv"), "people")
    assert df["complaint_informal_days"].isna().all()
    assert df["officer_strength"].iat[0] == 2200.0
    bad = "2022-01,2242,2200,1400,1350,200,180,20,10,12,11,1600,900,70,5,"
    with pytest.raises(DataError, match="column 'complaint_informal_days': is empty although"):
        load_return(_write(tmp_path, f"{head}\n{bad}\n", "p.csv"), "people")


def test_committed_returns_are_synthetic_and_load():
    got = load_returns()
    assert set(got) == {"people", "calls", "victims"}
    for kind, df in got.items():
        assert df["synthetic"].all(), kind
        first = (RETURNS_DIR / FILES[kind]).read_text().splitlines()[0]
        assert first.startswith("# SYNTHETIC") and "NOT real force data" in first


def test_committed_returns_match_the_generator(tmp_path):
    """The files are exactly what the seeded generator writes (nothing hand-edited)."""
    subprocess.run(
        [
            sys.executable,
            "-c",
            f"from scrutiny.data.returns import write_synthetic_returns as w; w({str(tmp_path)!r})",
        ],
        check=True,
    )
    for name in FILES.values():
        assert (tmp_path / name).read_bytes() == (RETURNS_DIR / name).read_bytes(), name


def test_generator_is_deterministic_and_consistent():
    a, b = synthetic_returns(), synthetic_returns()
    for k in a:
        pd.testing.assert_frame_equal(a[k], b[k])
    c = a["calls"]
    assert (c["calls_999_within_10s"] <= c["calls_999_offered"]).all()
    assert (c["calls_101_answered"] + c["calls_101_abandoned"] <= c["calls_101_offered"]).all()


def test_every_column_is_documented():
    from scrutiny.config import PROJECT_ROOT
    from scrutiny.data.returns import SCHEMAS

    doc = (PROJECT_ROOT / "docs" / "force-returns.md").read_text(encoding="utf-8")
    for kind, schema in SCHEMAS.items():
        for f in schema:
            assert f"| `{f.name}` | {f.kind}" in doc, (kind, f.name)
