"""The data-quality briefing's content, on Testshire (one month missing, one row outside)."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

from scrutiny.briefings import data_quality
from scrutiny.data import DataSources

matplotlib.use("Agg")
pytestmark = pytest.mark.usefixtures("private_cache")


def test_quality_report_on_testshire(testshire: DataSources) -> None:
    r = data_quality.collect(testshire, data_to="2022-04")
    findings = " ".join(data_quality.key_findings(r))
    assert "1 month(s) have no data and count as zero: March 2022." in findings
    assert "2022-03" not in findings  # months in words, as a Board member reads them
    assert data_quality.title(r) == "Data quality: Testshire Police, data to April 2022"
    assert data_quality.missing_months_text(r).startswith("Months with no data: March 2022.")
    assert "SYNTHETIC" in findings and r.synthetic
    loc = data_quality.location_table(r).set_index("area")["rows"]
    # Northtown 6, Southvale 4, outside 1 (a4 in Borderland), no location 1 (a3): 12 rows.
    assert loc.to_dict() == {
        "Northtown": 6,
        "Southvale": 4,
        "Outside the force area (neighbouring LSOAs)": 1,
        "No location": 1,
    }
    monthly = data_quality.monthly_counts(r)
    assert monthly["month"].tolist() == ["2022-01", "2022-02", "2022-03", "2022-04"]
    assert monthly["crimes"].tolist() == [4, 4, 0, 2]
    assert monthly["missing"].tolist() == [False, False, True, False]
    fig, alt, data = data_quality.monthly_figure(r)
    assert "2022-01 to 2022-04" in alt and "orange" in alt
    excluded = data_quality.excluded_table(r)
    assert excluded.to_dict("records") == [
        {
            "dataset": "force extract",
            "reason": "anti-social behaviour incidents (not crimes)",
            "rows": 2,
        }
    ]
    synthetic = data_quality.sources_table(r).set_index("source")["synthetic"]
    assert synthetic.filter(like="synthetic force extract").eq("Yes").all()
    assert synthetic["police.uk street-level crime"] == "No"
    assert len(data_quality.assumptions_table()) > 10


def test_the_exclusions_finding_follows_from_the_table_it_sits_above() -> None:
    # The 2022-11 page said "No rows were excluded." above a table of 33,364 anti-social
    # behaviour rows left out of the force extract: the sentence now reads the table.
    table = pd.DataFrame(
        {
            "dataset": ["force extract"],
            "reason": ["anti-social behaviour incidents (not crimes)"],
            "rows": [33364],
        }
    )
    assert data_quality.exclusions_sentence(table) == (
        "33,364 rows were left out of the force extract: anti-social behaviour incidents "
        '(not crimes) (see "Rows excluded and why").'
    )
    two = pd.concat(
        [
            table,
            pd.DataFrame(
                {"dataset": ["police.uk street-level crime"], "reason": ["no month"], "rows": [2]}
            ),
        ],
        ignore_index=True,
    )
    assert data_quality.exclusions_sentence(two) == (
        "33,366 rows were left out (33,364 from the force extract; 2 from the police.uk "
        'street-level crime); the reasons are in "Rows excluded and why".'
    )
    empty = table.iloc[0:0]
    assert data_quality.exclusions_sentence(empty) == "No rows were left out of any dataset."


def test_the_key_finding_and_the_table_agree_on_testshire(testshire: DataSources) -> None:
    r = data_quality.collect(testshire, data_to="2022-04")
    table = data_quality.excluded_table(r)
    findings = data_quality.key_findings(r)
    assert data_quality.exclusions_sentence(table) in findings
    # Testshire's street files hold 2 anti-social behaviour rows (January and April), which
    # the extract of crimes leaves out; nothing else is dropped.
    assert table["rows"].tolist() == [2]
    assert any(
        f.startswith("2 rows were left out of the force extract: anti-social") for f in findings
    )
    assert "No rows were excluded." not in findings
