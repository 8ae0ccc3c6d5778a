"""The data-quality briefing's content, on Testshire (one month missing, one row outside)."""

from __future__ import annotations

import matplotlib
import pytest

from scrutiny.briefings import data_quality
from scrutiny.data import DataSources

matplotlib.use("Agg")
pytestmark = pytest.mark.usefixtures("private_cache")


def test_quality_report_on_testshire(testshire: DataSources) -> None:
    r = data_quality.collect(testshire, data_to="2022-04")
    findings = " ".join(data_quality.key_findings(r))
    assert "1 month(s) have no data and count as zero: 2022-03" in findings
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
