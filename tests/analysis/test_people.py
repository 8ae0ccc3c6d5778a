"""People analysis: per 1,000 residents against peers, and the people return, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scrutiny.analysis import people
from scrutiny.data.returns import PEOPLE_SCHEMA


def _wf(rows):
    """Workforce rows (force, as_at, worker_type, value, publication)."""
    df = pd.DataFrame(rows, columns=["force", "as_at", "worker_type", "value", "publication"])
    df["as_at"] = pd.to_datetime(df["as_at"])
    df["publication"] = pd.to_datetime(df["publication"])
    df["measure"] = "FTE"
    df["note"] = ""
    df["source"] = "x.ods"
    df["cell"] = "Table_1!B2"
    return df


PROFILES = pd.DataFrame(
    {
        # force names as the ONS lookup spells them (matched on force_key)
        "force": ["Leicestershire", "Kent", "Essex", "Devon and Cornwall"],
        "population_2011": [1_000_000, 2_000_000, 500_000, 1_500_000],
    }
)


def test_per_1000_force_peers_pooled_and_england():
    wf = _wf(
        [
            ("Leicestershire", "2019-09-30", "officer", 2000.0, "2019-09-30"),
            ("Kent", "2019-09-30", "officer", 3000.0, "2019-09-30"),
            ("Essex", "2019-09-30", "officer", 1500.0, "2019-09-30"),
            ("Devon & Cornwall", "2019-09-30", "officer", 3000.0, "2019-09-30"),
            # Gwent: no population (Wales), left out
            ("Gwent", "2019-09-30", "officer", 1000.0, "2019-09-30"),
        ]
    )
    t = people.workforce_per_1000(wf, PROFILES, "Leicestershire Police", ["Kent", "Essex"])
    assert len(t) == 1
    row = t.iloc[0]
    assert row["force_per_1000"] == pytest.approx(2.0)  # 2000 / 1,000,000 * 1000
    # peers pooled: (3000 + 1500) / (2,000,000 + 500,000) * 1000 = 1.8
    assert row["peer_per_1000"] == pytest.approx(1.8)
    assert row["peer_min_per_1000"] == pytest.approx(1.5)  # Kent 3000 / 2,000,000
    assert row["peer_max_per_1000"] == pytest.approx(3.0)  # Essex 1500 / 500,000
    # England: 9500 / 5,000,000 * 1000 = 1.9 (Gwent has no population here)
    assert row["england_per_1000"] == pytest.approx(1.9)
    assert row["peers_counted"] == 2 and row["forces_counted"] == 4
    s = people.per_1000_sentence(t, "Leicestershire Police")
    assert "2,000 full-time equivalent police officers: 2.00 per 1,000 residents" in s
    assert "more than its peers pooled (1.80; 2 forces, range 1.50 to 3.00)" in s
    assert "1.90 for England's 4 forces" in s


def test_revised_figure_of_the_later_publication_is_used():
    wf = _wf(
        [
            ("Leicestershire", "2018-09-30", "officer", 1000.0, "2018-09-30"),
            ("Leicestershire", "2018-09-30", "officer", 1100.0, "2019-09-30"),
        ]
    )
    s = people.force_series(wf, "Leicestershire")
    assert s["officer"].tolist() == [1100.0]
    assert np.isnan(s["staff"].iat[0])
    with pytest.raises(ValueError, match="no FTE figures for 'Kent'"):
        people.force_series(wf, "Kent")


def test_peer_table_order():
    wf = _wf(
        [
            ("Leicestershire", "2025-03-31", "officer", 1000.0, "2025-03-31"),
            ("Kent", "2025-03-31", "officer", 5000.0, "2025-03-31"),
            ("Essex", "2025-03-31", "officer", 500.0, "2025-03-31"),
        ]
    )
    t = people.peer_table(wf, PROFILES, "Leicestershire", ["Essex", "Kent"], "2025-03-31")
    assert t["force"].tolist() == ["Leicestershire", "Kent", "Essex"]  # force, then highest
    assert t["per_1000"].tolist() == pytest.approx([1.0, 2.5, 1.0])


def _people_return(n=13, synthetic=True):
    months = pd.date_range("2021-10-01", periods=n, freq="MS")
    data = {f.name: [1.0] * n for f in PEOPLE_SCHEMA if f.name != "month"}
    df = pd.DataFrame(data)
    df.insert(0, "month", months)
    df["officer_establishment"] = 2242.0
    df["officer_strength"] = 2200.0
    df["staff_establishment"] = 1400.0
    df["staff_strength"] = 1300.0
    df["pcso_establishment"] = 200.0
    df["pcso_strength"] = 180.0
    df["officer_joiners"] = 10
    df["officer_leavers"] = 5
    df["officer_sickness_days"] = 1100.0  # 0.5 a month per officer
    df["complaint_allegations_logged"] = 70
    df["complaint_allegations_informal"] = [10, 30] * (n // 2) + [10] * (n % 2)
    df["complaint_informal_days"] = [10.0, 20.0] * (n // 2) + [10.0] * (n % 2)
    df["synthetic"] = synthetic
    return df


def test_people_return_summary_by_hand():
    ret = _people_return()
    s = people.people_return_summary(ret, "2022-09")  # the last month, 2022-10, is ignored
    o = s.table.set_index("worker_type").loc["officer"]
    assert o["gap"] == -42.0
    assert o["strength_pct"] == pytest.approx(2200 / 2242 * 100)
    assert o["joiners_12m"] == 120 and o["leavers_12m"] == 60
    assert o["sickness_days_per_fte_12m"] == pytest.approx(12 * 1100 / 2200)  # 6.0
    assert s.synthetic
    assert s.sentences[0].startswith("SYNTHETIC example return")
    assert "98.1%, 42 below" in s.sentences[0]
    assert "120 officers joined and 60 left" in s.sentences[1]
    assert "6.0 working days each" in s.sentences[1]
    # months 2021-10 .. 2022-09: informal 10,30,... (6 of each) days 10,20: weighted
    # (6*10*10 + 6*30*20) / (6*10 + 6*30) = (600 + 3600) / 240 = 17.5
    assert "840 complaint allegations" in s.sentences[2]
    assert "240 were finalised by informal handling, in 17.5 working days" in s.sentences[2]


def test_people_return_summary_needs_a_month():
    with pytest.raises(ValueError, match="no month up to 2020-01"):
        people.people_return_summary(_people_return(), "2020-01")
