"""The 2022-11 cycle's assessment on the committed data: the issue's measured cases.

Figures quoted in the comments are from the issue (worked from the published police.uk
files) or counted independently in tests/analysis/test_maturity.py.
"""

from __future__ import annotations

import pytest

from scrutiny.analysis import assessment

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def kpis():
    a = assessment.for_cycle("params/cycles/2022-11.yaml")
    return a.tables()["kpis"].set_index(["kpi", "area"])


FORCE = "Leicestershire Police"


def test_violence_october_2022_is_common_cause_and_not_a_significant_rise(kpis):
    r = kpis.loc[("violence_sexual_offences", FORCE)]
    # 3,733 in October 2022; limits from August 2021: mean 3,571.1, upper limit 4,064.8
    assert r["latest_value"] == 3733 and r["limits_from"] == "2021-08"
    assert r["mean"] == pytest.approx(3571.1, abs=0.1)
    assert r["upper_limit"] == pytest.approx(4064.8, abs=0.1)
    assert r["point_type"] == "common_cause" and not r["exception"]
    # against October 2021 (3,537): exact Poisson p 0.022, but p 0.40 allowing for the
    # series' own dispersion (phi about 7.6)
    assert r["count_month_last_year"] == 3537
    assert r["change_month_p"] == pytest.approx(0.40, abs=0.01)
    assert r["change_month_verdict"] == "no significant change"
    assert "no sign of a real change" in r["spc_sentence"]


def test_charged_share_leaves_out_immature_months(kpis):
    r = kpis.loc[("charged_share", FORCE)]
    # the latest seven months (April to October 2022) are provisional (test_maturity.py)
    assert r["provisional_from"] == "2022-04" and r["latest_month"] == "2022-03"
    assert not r["exception"]


def test_small_numbers_get_no_icon(kpis):
    for district in ("Blaby", "Melton", "Rutland"):
        r = kpis.loc[("homicide", district)]
        assert r["too_few"] and r["variation"] == "too_few" and not r["exception"]


def test_synthetic_kpis_are_never_exceptions_or_graded(kpis):
    synthetic = kpis[kpis["synthetic"]]
    assert len(synthetic) > 0
    assert not synthetic["exception"].any()
    assert set(synthetic["grade"].dropna()) <= {"not graded"}
