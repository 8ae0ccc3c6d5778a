"""The benchmarks' own logic: the synthetic police.uk archive and the cycle's physical limit.

The benchmarks themselves are run on demand (``make benchmarks``), never timed in tests;
these check what their figures rest on.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import sys
from pathlib import Path

import pandas as pd
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"

# police.uk's published street-file header, copied from a downloaded file.
PUBLISHED_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
    "LSOA name,Crime type,Last outcome category,Context"
)


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # the process pool pickles its task by module name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def national():
    return _load("bench_national")


@pytest.fixture(scope="module")
def cycle():
    return _load("bench_cycle")


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_generator_writes_the_published_layout(national, tmp_path):
    national.generate(tmp_path / "a", forces=2, months=2, rows=50, seed=7, workers=1)
    files = sorted(p.relative_to(tmp_path / "a").as_posix() for p in (tmp_path / "a").rglob("*"))
    assert files == [
        "2025-11",
        "2025-11/2025-11-avon-and-somerset-street.csv.gz",
        "2025-11/2025-11-bedfordshire-street.csv.gz",
        "2025-12",
        "2025-12/2025-12-avon-and-somerset-street.csv.gz",
        "2025-12/2025-12-bedfordshire-street.csv.gz",
    ]
    path = tmp_path / "a" / "2025-12" / "2025-12-bedfordshire-street.csv.gz"
    text = gzip.decompress(path.read_bytes()).decode()
    assert text.splitlines()[0] == PUBLISHED_HEADER
    df = _read(path)
    assert len(df) == 50
    assert set(df["Month"]) == {"2025-12"}
    assert set(df["Falls within"]) == set(df["Reported by"]) == {"Bedfordshire Police"}
    asb = df["Crime type"] == "Anti-social behaviour"
    assert asb.any() and (~asb).any()  # 50 rows, ASB about 15% of them
    # as published: ASB has no Crime ID and no outcome; crimes have both
    assert (df.loc[asb, "Crime ID"] == "").all() and (
        df.loc[asb, "Last outcome category"] == ""
    ).all()
    assert df.loc[~asb, "Crime ID"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert (df.loc[~asb, "Last outcome category"] != "").all()
    located = df["Longitude"] != ""
    assert df.loc[located, "Longitude"].str.fullmatch(r"-?\d+\.\d{6}").all()
    assert df.loc[located, "LSOA code"].str.fullmatch(r"E01\d{6}").all()
    assert (df["Context"] == "").all()


def test_generator_is_seeded(national, tmp_path):
    kw = {"forces": 1, "months": 1, "rows": 20, "workers": 1}
    national.generate(tmp_path / "a", seed=1, **kw)
    national.generate(tmp_path / "b", seed=1, **kw)
    national.generate(tmp_path / "c", seed=2, **kw)
    name = "2025-12/2025-12-avon-and-somerset-street.csv.gz"
    a, b, c = ((tmp_path / x / name).read_bytes() for x in "abc")
    assert a == b
    assert a != c


def test_generated_files_pass_the_project_checks(national, tmp_path):
    """The project's own reader accepts the layout: 2 forces x 2 months x 50 rows."""
    from scrutiny.data import national as ingest

    national.generate(tmp_path / "a", forces=2, months=2, rows=50, seed=7, workers=1)
    with ingest.archive_files(tmp_path / "a") as files:
        got = [(f.month, f.force) for f in files]
    assert got == [
        ("2025-11", "avon-and-somerset"),
        ("2025-11", "bedfordshire"),
        ("2025-12", "avon-and-somerset"),
        ("2025-12", "bedfordshire"),
    ]


def test_months_of_crosses_the_year(national):
    assert national.months_of(3, last="2025-02") == ["2024-12", "2025-01", "2025-02"]


def _nb(*durations):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# title"}]
    cells += [
        {"cell_type": "code", "metadata": {"papermill": {"duration": d}}, "source": ""}
        for d in durations
    ]
    return {"cells": cells}


def test_physical_limit_by_hand(cycle):
    # cells of 1, 2 and 3 s in one notebook and 4 s in another: 10 s over 2 cores, plus a
    # kernel start of 0.5 s
    assert cycle.physical_limit([_nb(1.0, 2.0, 3.0), _nb(4.0)], 2, 0.5) == pytest.approx(5.5)


def test_physical_limit_counts_a_cell_never_run_as_zero(cycle):
    nb = _nb(1.5, None)
    nb["cells"].append({"cell_type": "code", "metadata": {}, "source": ""})
    assert cycle.code_cell_seconds(nb) == pytest.approx(1.5)
    assert cycle.physical_limit([nb], 1, 0.25) == pytest.approx(1.75)
    with pytest.raises(ValueError):
        cycle.physical_limit([nb], 0, 0.25)


def test_csv_bytes_writes_nulls_as_empty_cells(national):
    table = national.street_table(3, 0, 0, "2025-01", 30)
    df = pd.read_csv(io.BytesIO(national.csv_bytes(table)), dtype=str, keep_default_na=False)
    assert list(df.columns) == PUBLISHED_HEADER.split(",")
    assert len(df) == 30
