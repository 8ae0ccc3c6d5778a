"""Return KPIs: shares with exact intervals, by hand; synthetic ones are never graded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from scrutiny.analysis import force_returns
from scrutiny.analysis.kpis import ReturnKpi, load_registry, load_return_kpis
from scrutiny.analysis.plan import load_plan
from scrutiny.config import PARAMS_DIR
from scrutiny.errors import ParamsError

SAT = ReturnKpi(
    id="sat",
    name="Victim satisfaction",
    description="d",
    source="victims",
    numerator="satisfied",
    denominator="asked",
    direction="increase",
)
DA = SAT.model_copy(update={"id": "da", "name": "DA satisfaction", "groups": ["domestic abuse"]})


def _victims(months=24, synthetic=True):
    rows = []
    for m in pd.date_range("2020-11-01", periods=months, freq="MS"):
        rows.append((m, "burglary", 10, 5))
        rows.append((m, "domestic abuse", 10, 8))
    df = pd.DataFrame(rows, columns=["month", "group", "asked", "satisfied"])
    df["synthetic"] = synthetic
    return {"victims": df}


def test_series_pools_groups_with_exact_interval():
    s = force_returns.return_kpi_series(SAT, _victims())
    first = s.iloc[0]
    assert (first["numerator"], first["denominator"]) == (13, 20)
    assert first["share"] == pytest.approx(65.0)
    d = force_returns.return_kpi_series(DA, _victims())
    assert (d["numerator"].iat[0], d["denominator"].iat[0]) == (8, 10)
    # Clopper-Pearson 95% for 8 of 10: 0.443905 to 0.974789 (R binom.test(8, 10))
    assert d["lower"].iat[0] == pytest.approx(44.3905, abs=1e-3)
    assert d["upper"].iat[0] == pytest.approx(97.4789, abs=1e-3)


def test_summary_synthetic_is_never_graded_nor_an_exception():
    s = force_returns.return_kpi_summary({"sat": SAT, "da": DA}, _victims(), "2022-10")
    assert not s["graded"].any() and not s["exception"].any()
    assert (s["status"] == force_returns.NOT_GRADED_SYNTHETIC).all()
    assert s["sentence"].str.startswith("SYNTHETIC, illustrative").all()
    da = s.set_index("kpi").loc["da"]
    # 12 months of 8/10 both years: 96/120 = 80%, no change
    assert da["share_12m"] == pytest.approx(80.0) and da["n_12m"] == 120
    assert da["share_prev_12m"] == pytest.approx(80.0) and da["change_pts"] == pytest.approx(0)
    assert not da["change_significant"]
    assert "a change the data cannot tell from chance" in da["sentence"]


def test_real_return_is_described_but_not_graded_either():
    s = force_returns.return_kpi_summary({"sat": SAT}, _victims(synthetic=False), "2022-10")
    assert s["status"].iat[0] == force_returns.NOT_GRADED_REAL
    assert not s["sentence"].iat[0].startswith("SYNTHETIC")


def test_short_return_has_no_comparison():
    s = force_returns.return_kpi_summary({"sat": SAT}, _victims(months=18), "2022-04")
    assert np.isnan(s["change_pts"].iat[0]) and s["n_prev_12m"].iat[0] == 0


def test_satisfaction_by_group():
    t = force_returns.satisfaction_by_group(_victims()["victims"], "2022-10")
    got = t.set_index("group")
    assert got.loc["burglary", "asked"] == 120 and got.loc["burglary", "satisfied"] == 60
    assert got.loc["all groups", "share"] == pytest.approx(65.0)  # (60 + 96) / 240
    assert t.attrs["period"] == ("2021-11", "2022-10")


# ----------------------------------------------------------------- registry and plan


def test_registry_return_kpis_and_the_national_measure():
    ret = load_return_kpis()
    assert set(ret) == {
        "calls_999_within_10s",
        "calls_101_abandoned",
        "victim_satisfaction",
        "victim_satisfaction_domestic_abuse",
    }
    assert ret["victim_satisfaction_domestic_abuse"].groups == ["domestic abuse"]
    serving = {k for k, v in ret.items() if v.national_measure == "improve_victim_satisfaction"}
    assert serving == {"victim_satisfaction", "victim_satisfaction_domestic_abuse"}
    # the domestic abuse count no longer stands for satisfaction
    assert load_registry()["domestic_abuse"].national_measure is None


def test_return_kpis_are_not_in_the_assessment_registry_nor_the_plan():
    """Plan delivery grades only registry KPIs listed in plan.yaml: return KPIs are neither."""
    ret = set(load_return_kpis())
    assert not ret & set(load_registry())
    plan = load_plan(PARAMS_DIR / "plan.yaml")
    listed = {k.kpi for t in plan.themes for k in t.kpis}
    assert not ret & listed


def test_plan_listing_a_return_kpi_is_rejected(tmp_path):
    raw = yaml.safe_load((PARAMS_DIR / "plan.yaml").read_text())
    raw["themes"][0]["kpis"].append({"kpi": "victim_satisfaction"})
    p = tmp_path / "plan.yaml"
    p.write_text(yaml.safe_dump(raw))
    with pytest.raises(ParamsError, match="victim_satisfaction"):
        load_plan(p)


def test_bad_return_kpi_is_a_params_error(tmp_path):
    raw = yaml.safe_load((PARAMS_DIR / "kpis.yaml").read_text())
    raw["return_kpis"][0]["numerator"] = "calls_999_answered"
    p = tmp_path / "kpis.yaml"
    p.write_text(yaml.safe_dump(raw))
    with pytest.raises(ParamsError, match=r"return_kpis\[0\].*calls_999_answered"):
        load_return_kpis(p)
