"""Tests for scrutiny.analysis.budget: hand-computed arithmetic, validation, published results."""

import copy

import pandas as pd
import pytest
import yaml

from scrutiny import config, provenance
from scrutiny.analysis import budget
from scrutiny.errors import ParamsError

DEFAULT = config.PROJECT_ROOT / "params" / "budget" / "mtfp-2022-23.yaml"


def _series(values, source="illustrative"):
    return {"values": values, "source": source, "note": "test"}


def tiny() -> dict:
    """A two-year plan small enough to work through by hand (see test_project_by_hand)."""
    return {
        "title": "Tiny plan",
        "base_year": "2021-22",
        "years": ["2022-23", "2023-24"],
        "decided_option": "a",
        "constants": {
            "band_d_base": {"value": 100.0, "source": "published", "citation": "test paper p.1"},
            "pay_base": {"value": 100.0, "source": "illustrative"},
            "non_pay_base": {"value": 50.0, "source": "illustrative"},
            "opening_cfr": {"value": 10.0, "source": "illustrative"},
            "existing_debt_life_years": {"value": 10, "source": "illustrative"},
            "asset_life_years": {"value": 2, "source": "illustrative"},
        },
        "lines": {
            "tax_base": _series({"2021-22": 1_000_000, "2022-23": 1_000_000}),
            "tax_base_growth_pct": _series({"2023-24": 10.0}),
            "band_d_increase": _series({"2022-23": 5.0, "2023-24": 5.0}),
            "referendum_limit": _series({"2022-23": 5.0, "2023-24": 5.0}),
            "collection_fund": _series({"2022-23": 1.0, "2023-24": -1.0}),
            "core_grants": _series({"2022-23": 50.0, "2023-24": 50.0}),
            "other_income": _series({"2022-23": 2.0, "2023-24": 2.0}),
            "pay_inflation_pct": _series({"2022-23": 10.0, "2023-24": 0.0}),
            "non_pay_inflation_pct": _series({"2022-23": 0.0, "2023-24": 10.0}),
            "capital_programme": _series({"2021-22": 0.0, "2022-23": 4.0, "2023-24": 0.0}),
            "capital_grants_and_receipts": _series(
                {"2021-22": 0.0, "2022-23": 0.0, "2023-24": 0.0}
            ),
            "interest_rate_pct": _series({"2021-22": 10.0, "2022-23": 10.0, "2023-24": 10.0}),
        },
        "growth": {"posts": _series({"2022-23": 2.0})},
        "savings": {"efficiency": _series({"2023-24": 1.0})},
        "reserves": {
            "surplus_to": "ber",
            "opening": {
                "general": {"value": 10.0, "source": "illustrative"},
                "ber": {"value": 20.0, "source": "illustrative"},
            },
            "planned_use": {"general": _series({"2022-23": 1.0})},
        },
        "options": [
            {"id": "a", "name": "Option A", "colour": "green", "summary": "as planned"},
            {
                "id": "b",
                "name": "Option B",
                "colour": "orange",
                "summary": "one pound more and a contribution to capital",
                "changes": {
                    "band_d_increase": _series({"2022-23": 6.0}),
                    "revenue_contribution_to_capital": _series({"2022-23": 2.0}),
                },
            },
        ],
        "sensitivity": {"pay_award_points": 1.0, "tax_base_growth_points": 0.5, "grant_pct": 1.0},
    }


# ---------------------------------------------------------------- years


def test_financial_years():
    assert budget.check_year("2022-23") == "2022-23"
    assert budget.next_year("2022-23") == "2023-24"
    assert budget.next_year("2099-00") == "2100-01"
    for bad in ("2022-24", "2022/23", "22-23"):
        with pytest.raises(ValueError, match="not a financial year"):
            budget.check_year(bad)


# ---------------------------------------------------------------- precept arithmetic


def test_band_d_path_adds_increases_in_pounds():
    # 248.23 + 10 = 258.23; + 10 = 268.23
    out = budget.band_d_path(248.23, pd.Series({"2022-23": 10.0, "2023-24": 10.0}))
    pd.testing.assert_series_equal(
        out, pd.Series({"2022-23": 258.23, "2023-24": 268.23}, name="band_d")
    )


def test_tax_base_path_given_then_grown():
    # 2023-24: 110 x 1.10 = 121; 2024-25: 121 x 0.5 = 60.5
    out = budget.tax_base_path(
        pd.Series({"2021-22": 100.0, "2022-23": 110.0}),
        pd.Series({"2023-24": 10.0, "2024-25": -50.0}),
        ["2021-22", "2022-23", "2023-24", "2024-25"],
    )
    assert out.tolist() == pytest.approx([100.0, 110.0, 121.0, 60.5])


def test_published_precept_figures_from_the_papers():
    """PCP minute 76: 334,807 Band D equivalents at £258.23 (up £10.00, 4.03%, 19p a week)."""
    p = budget.load_budget(DEFAULT, record=False)
    r = budget.project(p, "1-orange")
    # 334,807 x 258.23 = 86,380,206 + 77,005.61 = 86,457,211.61 -> £86.457m
    assert r.at["2022-23", "precept_income"] == pytest.approx(86.45721161)
    # 329,286 x 248.23 = 81,662,928 + 75,735.78 = 81,738,663.78 -> £81.739m
    assert r.at["2021-22", "precept_income"] == pytest.approx(81.73866378)
    # 86.45721161 - 81.73866378 = 4.71854783: the "£4.7m raised through council tax"
    extra = r.at["2022-23", "precept_income"] - r.at["2021-22", "precept_income"]
    assert round(extra, 1) == 4.7
    # 10 / 248.23 = 4.0285% -> "4.03%"
    assert round(r.at["2022-23", "increase_pct"], 2) == 4.03
    # 10 / 52 = £0.1923 -> "19p per week"
    assert round(r.at["2022-23", "band_d_increase"] / budget.WEEKS_PER_YEAR * 100) == 19
    # tax base growth 334,807 / 329,286 - 1 = 1.68% ("approx. 1.65%" in the minutes)
    assert r.at["2022-23", "tax_base"] / r.at["2021-22", "tax_base"] - 1 == pytest.approx(
        0.016767, abs=1e-6
    )


def test_council_tax_bands_ratios_yearly_and_weekly():
    # Band D £900: A = 900 x 6/9 = 600, B 700, C 800, D 900, E 1,100, F 1,300, G 1,500,
    # H = 900 x 18/9 = 1,800; weekly = yearly / 52 (D: 900 / 52 = 17.3077)
    out = budget.council_tax_bands(900.0)
    yearly = [600.0, 700.0, 800.0, 900.0, 1100.0, 1300.0, 1500.0, 1800.0]
    expected = pd.DataFrame(
        {
            "band": list("ABCDEFGH"),
            "ratio": ["6/9", "7/9", "8/9", "9/9", "11/9", "13/9", "15/9", "18/9"],
            "yearly": yearly,
            "weekly": [y / 52 for y in yearly],
        }
    )
    pd.testing.assert_frame_equal(out, expected)
    assert out.loc[3, "weekly"] == pytest.approx(17.3077, abs=1e-4)


def test_council_tax_bands_for_the_2022_23_band_d():
    # 258.23 x 6/9 = 172.1533; 258.23 x 18/9 = 516.46
    out = budget.council_tax_bands(258.23).set_index("band")
    assert out.at["A", "yearly"] == pytest.approx(172.153333, abs=1e-6)
    assert out.at["H", "yearly"] == pytest.approx(516.46)


# ---------------------------------------------------------------- expenditure, debt, reserves


def test_expenditure_path_inflates_base_and_carries_growth_and_savings():
    # pay 100 -> x1.02 = 102 -> x1.03 = 105.06; non-pay 50 -> x1.10 = 55 -> 55
    # growth cumulative 1, 1.5; savings cumulative 0, 2
    # NRE: 102 + 55 + 1 - 0 = 158; 105.06 + 55 + 1.5 - 2 = 159.56
    idx = ["2022-23", "2023-24"]
    out = budget.expenditure_path(
        100.0,
        50.0,
        pd.Series([2.0, 3.0], index=idx),
        pd.Series([10.0, 0.0], index=idx),
        pd.Series([1.0, 0.5], index=idx),
        pd.Series([0.0, 2.0], index=idx),
    )
    expected = pd.DataFrame(
        {
            "pay": [102.0, 105.06],
            "non_pay": [55.0, 55.0],
            "growth": [1.0, 1.5],
            "savings": [0.0, 2.0],
            "net_revenue_expenditure": [158.0, 159.56],
        },
        index=pd.Index(idx, name="year"),
    )
    pd.testing.assert_frame_equal(out, expected)


def test_debt_path_mrp_interest_and_charges():
    # borrowing = programme - grants - rcco = [3-1-0, 3-0-1, 0] = [2, 2, 0]
    # MRP: existing 10 / 5 = 2 a year; new borrowing over 2 years from the year after:
    #   y0: 2; y1: 2 + 2/2 = 3; y2: 2 + 2/2 + 2/2 = 4
    # CFR: y0 10 + 2 - 2 = 10; y1 10 + 2 - 3 = 9; y2 9 + 0 - 4 = 5
    # interest 5% of the average CFR: y0 .05 x 10 = 0.5; y1 .05 x 9.5 = 0.475; y2 .05 x 7 = 0.35
    # debt charges = MRP + interest: 2.5, 3.475, 4.35
    idx = ["2021-22", "2022-23", "2023-24"]
    out = budget.debt_path(
        pd.Series([3.0, 3.0, 0.0], index=idx),
        pd.Series([1.0, 0.0, 0.0], index=idx),
        pd.Series([0.0, 1.0, 0.0], index=idx),
        pd.Series([5.0, 5.0, 5.0], index=idx),
        opening_cfr=10.0,
        existing_life=5,
        asset_life=2,
    )
    expected = pd.DataFrame(
        {
            "borrowing": [2.0, 2.0, 0.0],
            "mrp": [2.0, 3.0, 4.0],
            "interest": [0.5, 0.475, 0.35],
            "debt_charges": [2.5, 3.475, 4.35],
            "cfr": [10.0, 9.0, 5.0],
        },
        index=pd.Index(idx, name="year"),
    )
    pd.testing.assert_frame_equal(out, expected)


def test_debt_path_existing_debt_stops_when_repaid():
    # existing 4 over 2 years: MRP 2, 2, then 0; no new borrowing; no interest
    idx = ["2021-22", "2022-23", "2023-24"]
    zero = pd.Series([0.0, 0.0, 0.0], index=idx)
    out = budget.debt_path(zero, zero, zero, zero, opening_cfr=4.0, existing_life=2, asset_life=5)
    assert out["mrp"].tolist() == [2.0, 2.0, 0.0]
    assert out["cfr"].tolist() == [2.0, 0.0, 0.0]


def test_reserves_path_planned_use_and_surplus():
    # y1: general 5 - 0 = 5; ber 10 - 1 + 2 = 11; total 16
    # y2: general 5 - 0.5 = 4.5; ber 11 - 0 - 3 = 8; total 12.5
    idx = ["2022-23", "2023-24"]
    out = budget.reserves_path(
        {"general": 5.0, "ber": 10.0},
        pd.DataFrame({"ber": [1.0, 0.0], "general": [0.0, 0.5]}, index=idx),
        pd.Series([2.0, -3.0], index=idx),
        "ber",
    )
    expected = pd.DataFrame(
        {"general": [5.0, 4.5], "ber": [11.0, 8.0], "total": [16.0, 12.5]},
        index=pd.Index(idx, name="year"),
    )
    pd.testing.assert_frame_equal(out, expected)


# ---------------------------------------------------------------- a whole option by hand


def test_project_by_hand():
    p = budget.parse_budget(tiny())
    a = budget.project(p, "a")
    # Precept: 2022-23 1,000,000 x 105 = £105.0m; 2023-24 tax base 1,000,000 x 1.10 =
    # 1,100,000 x 110 = £121.0m. Increase 5 / 100 = 5%.
    assert a.loc["2022-23":, "precept_income"].tolist() == pytest.approx([105.0, 121.0])
    assert a.at["2022-23", "increase_pct"] == pytest.approx(5.0)
    # Funding: 105 + 1 + 50 + 2 + 1 (general reserve drawn) = 159; 121 - 1 + 50 + 2 + 0 = 172
    assert a.loc["2022-23":, "total_funding"].tolist() == pytest.approx([159.0, 172.0])
    # NRE: pay 110, 110; non-pay 50, 55; growth 2, 2; savings 0, 1 -> 162, 166
    assert a.loc["2022-23":, "net_revenue_expenditure"].tolist() == pytest.approx([162.0, 166.0])
    # Debt: existing MRP 10 / 10 = 1. 2021-22 CFR 10 -> 9, interest 10% x 9.5 = 0.95, DC 1.95.
    # 2022-23 borrow 4: CFR 9 -> 12, interest 10% x 10.5 = 1.05, DC 2.05.
    # 2023-24 MRP 1 + 4/2 = 3: CFR 12 -> 9, interest 10% x 10.5 = 1.05, DC 4.05.
    assert a["debt_charges"].tolist() == pytest.approx([1.95, 2.05, 4.05])
    # Surplus: 159 - (162 + 2.05) = -5.05; 172 - (166 + 4.05) = 1.95; cumulative -3.10
    assert a.loc["2022-23":, "surplus"].tolist() == pytest.approx([-5.05, 1.95])
    assert a.at["2023-24", "cumulative"] == pytest.approx(-3.10)
    # Reserves: 30 - 1 (planned use) - 5.05 = 23.95; 23.95 + 1.95 = 25.90
    assert a.loc["2022-23":, "reserves"].tolist() == pytest.approx([23.95, 25.90])
    assert not a.loc["2022-23":, "above_limit"].astype(bool).any()


def test_option_changes_increase_and_contribution_by_hand():
    p = budget.parse_budget(tiny())
    b = budget.project(p, "b")
    # Band D 106, 111: precept 106.0 and 1.1m x 111 = 122.1
    assert b.loc["2022-23":, "precept_income"].tolist() == pytest.approx([106.0, 122.1])
    # Contribution 2 in 2022-23 halves the borrowing: CFR 9 + 2 - 1 = 10, interest 10% x 9.5
    # = 0.95, DC 1.95; 2023-24 MRP 1 + 2/2 = 2, CFR 10 -> 8, interest 10% x 9 = 0.9, DC 2.9
    assert b.loc["2022-23":, "debt_charges"].tolist() == pytest.approx([1.95, 2.9])
    # Surplus: 160 - (162 + 1.95 + 2) = -5.95; 173.1 - (166 + 2.9) = 4.2; cumulative -1.75
    assert b.loc["2022-23":, "surplus"].tolist() == pytest.approx([-5.95, 4.2])
    assert b.at["2023-24", "cumulative"] == pytest.approx(-1.75)
    # £6 is above the £5 limit in 2022-23: flagged, not an error
    assert bool(b.at["2022-23", "above_limit"]) is True
    breaches = budget.referendum_breaches(p)
    assert breaches[["id", "year"]].values.tolist() == [["b", "2022-23"]]


def test_compare_options_one_row_each():
    p = budget.parse_budget(tiny())
    cmp = budget.compare_options(p).set_index("id")
    assert cmp.loc["a", "mtfp_position"] == pytest.approx(-3.10)
    assert cmp.loc["b", "mtfp_position"] == pytest.approx(-1.75)
    assert cmp.loc["b", "rcco_total"] == pytest.approx(2.0)
    assert cmp.loc["b", "above_limit"] and not cmp.loc["a", "above_limit"]
    assert cmp.loc["b", "debt_charges_2023-24"] == pytest.approx(2.9)


def test_sensitivity_by_hand():
    p = budget.parse_budget(tiny())
    s = budget.sensitivity(p, "a").set_index("factor")
    # Pay +1 point: pay 100 x 1.11 = 111, 111 x 1.01 = 112.11 -> costs +1 and +2.11 = -3.11
    # Pay -1 point: 109, 109 x 0.99 = 107.91 -> costs -1 and -2.09 = +3.09
    assert s.at["Pay award", "high_change"] == pytest.approx(-3.11)
    assert s.at["Pay award", "low_change"] == pytest.approx(3.09)
    # Grants +/-1%: 0.5 a year for two years = +/-1.0
    assert s.at["Core grants", "high_change"] == pytest.approx(1.0)
    assert s.at["Core grants", "low_change"] == pytest.approx(-1.0)
    # Tax base growth +/-0.5 point (2023-24 only): 1,000,000 x 0.005 x 110 = +/-0.55
    assert s.at["Tax base growth", "high_change"] == pytest.approx(0.55)
    assert s.at["Tax base growth", "low_change"] == pytest.approx(-0.55)
    # widest swing first
    assert list(s.index) == ["Pay award", "Core grants", "Tax base growth"]


# ---------------------------------------------------------------- the default parameters


# Typed in from the CGB report of 17 January 2022, section 2, options a to e:
# position over the MTFP (GBP m, deficit negative) and debt charges in 2021-22 and 2025-26.
PUBLISHED = {
    "1-green": (1.73, 3.6, 6.7),
    "1-orange": (-1.1, 3.6, 5.1),
    "1-blue": (0.0, 3.6, 6.3),
    "2-yellow": (-1.0, 3.6, 6.7),
    "3-grey": (-3.7, 3.6, 6.7),
}
INCREASE = {"1-green": 10.0, "1-orange": 10.0, "1-blue": 10.0, "2-yellow": 8.0, "3-grey": 6.0}
TOLERANCE = 0.05  # GBP m


@pytest.mark.parametrize("option_id", list(PUBLISHED))
def test_default_parameters_reproduce_the_published_options(option_id):
    p = budget.load_budget(DEFAULT, record=False)
    r = budget.project(p, option_id)
    position, dc_2021, dc_2025 = PUBLISHED[option_id]
    assert r.at["2022-23", "band_d_increase"] == INCREASE[option_id]
    assert r.at["2021-22", "tax_base"] == 329_286
    assert r.at["2022-23", "tax_base"] == 334_807
    assert r.at["2021-22", "band_d"] == 248.23
    assert abs(r.at["2025-26", "cumulative"] - position) <= TOLERANCE
    assert abs(r.at["2021-22", "debt_charges"] - dc_2021) <= TOLERANCE
    assert abs(r.at["2025-26", "debt_charges"] - dc_2025) <= TOLERANCE


def test_default_green_runs_surpluses_then_deficits_and_orange_uses_them():
    # CGB option a: "net surplus ... after funding the deficits in 2024-25 and 2025-26";
    # option b uses the 2022-23 and 2023-24 surpluses as the maximum contribution to capital.
    p = budget.load_budget(DEFAULT, record=False)
    g = budget.project(p, "1-green")
    assert (g.loc[["2022-23", "2023-24"], "surplus"] > 0).all()
    assert (g.loc[["2024-25", "2025-26"], "surplus"] < 0).all()
    o = budget.project(p, "1-orange")
    assert o.loc[["2022-23", "2023-24"], "surplus"].abs().max() < 0.01


def test_default_parameters_label_every_input():
    p = budget.load_budget(DEFAULT, record=False)
    a = budget.assumptions_table(p)
    assert set(a["source"]) == {"published", "illustrative"}
    assert (a.loc[a["source"] == "published", "citation"].str.len() > 0).all()
    assert (a.loc[a["source"] == "illustrative", "note"].str.len() > 0).all()
    published = set(a.loc[a["source"] == "published", "input"])
    assert {"constants.band_d_base", "lines.tax_base", "lines.referendum_limit"} <= published


def test_reproduction_table_lists_every_published_figure():
    p = budget.load_budget(DEFAULT, record=False)
    rep = budget.reproduction(p)
    assert len(rep) == 15  # 5 options x (position + two debt charges)
    assert rep["difference"].abs().max() <= TOLERANCE
    assert rep["published"].tolist()[:3] == [1.73, 3.6, 6.7]


def test_load_budget_records_the_input():
    budget.load_budget(DEFAULT)
    paths = [r.path for r in provenance.recorded_inputs()]
    assert "params/budget/mtfp-2022-23.yaml" in paths


# ---------------------------------------------------------------- bad input


def _error(raw, tmp_path, name="bad.yaml") -> str:
    f = tmp_path / name
    f.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ParamsError) as exc:
        budget.load_budget(f, record=False)
    return str(exc.value)


def test_negative_tax_base_names_the_field(tmp_path):
    raw = tiny()
    raw["lines"]["tax_base"]["values"]["2022-23"] = -334_807
    msg = _error(raw, tmp_path)
    assert "bad.yaml" in msg
    assert "lines.tax_base.values.2022-23" in msg
    assert "positive number of Band D equivalent properties" in msg


def test_missing_year_names_the_line_and_year(tmp_path):
    raw = tiny()
    del raw["lines"]["core_grants"]["values"]["2023-24"]
    msg = _error(raw, tmp_path)
    assert "lines.core_grants: missing year 2023-24" in msg


def test_missing_tax_base_year(tmp_path):
    raw = tiny()
    del raw["lines"]["tax_base_growth_pct"]
    msg = _error(raw, tmp_path)
    assert "lines.tax_base: missing year 2023-24" in msg


def test_option_naming_an_unknown_line(tmp_path):
    raw = tiny()
    raw["options"][1]["changes"]["core_grant"] = _series({"2022-23": 1.0})
    msg = _error(raw, tmp_path)
    assert "options[1] (b).changes.core_grant: unknown line" in msg
    assert "core_grants" in msg  # the message lists the lines an option can change


def test_inconsistent_years(tmp_path):
    raw = tiny()
    raw["years"] = ["2022-23", "2024-25"]
    assert "years: years must be consecutive: 2024-25 does not follow 2022-23" in _error(
        raw, tmp_path
    )
    raw = tiny()
    raw["lines"]["other_income"]["values"]["2026-27"] = 2.0
    msg = _error(raw, tmp_path)
    assert "lines.other_income: year 2026-27 is not one of the plan years" in msg
    raw = tiny()
    raw["base_year"] = "2020-21"
    assert "the plan must start the year after base_year 2020-21" in _error(raw, tmp_path)
    raw = tiny()
    raw["lines"]["core_grants"]["values"]["2022/23"] = 1.0
    msg = _error(raw, tmp_path)
    assert "lines.core_grants.values" in msg and "'2022/23' is not a financial year" in msg


def test_tax_base_given_twice(tmp_path):
    raw = tiny()
    raw["lines"]["tax_base"]["values"]["2023-24"] = 1_100_000
    msg = _error(raw, tmp_path)
    assert "lines.tax_base and lines.tax_base_growth_pct both give 2023-24" in msg


def test_unknown_key_and_missing_key(tmp_path):
    raw = tiny()
    raw["lines"]["core_grants"]["sorce"] = "published"
    msg = _error(raw, tmp_path)
    assert "lines.core_grants.sorce: unknown key" in msg
    raw = tiny()
    del raw["constants"]["pay_base"]
    assert "constants.pay_base: required key is missing" in _error(raw, tmp_path)


def test_segment_list_paths_keep_the_index(tmp_path):
    raw = tiny()
    raw["lines"]["band_d_increase"] = [
        {"values": {"2022-23": 5.0}, "source": "published"},
        {"values": {"2023-24": 5.0}, "source": "illustrative"},
    ]
    msg = _error(raw, tmp_path)
    assert "lines.band_d_increase[0]: a published input needs a citation" in msg


def test_contribution_above_borrowing_need(tmp_path):
    raw = tiny()
    raw["options"][1]["changes"]["revenue_contribution_to_capital"]["values"]["2022-23"] = 5.0
    msg = _error(raw, tmp_path)
    assert "options[1] (b): revenue_contribution_to_capital 2022-23 = 5" in msg
    assert "more than the capital programme less grants and receipts (4)" in msg


def test_option_and_reserve_references(tmp_path):
    raw = tiny()
    raw["decided_option"] = "z"
    raw["reserves"]["surplus_to"] = "bre"
    raw["options"].append(copy.deepcopy(raw["options"][0]))
    msg = _error(raw, tmp_path)
    assert "decided_option: 'z' is not an option id" in msg
    assert "reserves.surplus_to: 'bre' is not a reserve" in msg
    assert "options: id 'a' is used more than once" in msg


def test_file_problems(tmp_path):
    with pytest.raises(ParamsError, match="file not found"):
        budget.load_budget(tmp_path / "nope.yaml")
    f = tmp_path / "broken.yaml"
    f.write_text("title: [unclosed", encoding="utf-8")
    with pytest.raises(ParamsError, match="not valid YAML"):
        budget.load_budget(f)
    f.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="expected a mapping"):
        budget.load_budget(f)


def test_unknown_option_id_lists_the_options():
    p = budget.parse_budget(tiny())
    with pytest.raises(KeyError, match="options: a, b"):
        budget.project(p, "c")


# ---------------------------------------------------------------- rolling forward one year


def test_roll_forward_tiny_by_hand():
    p = budget.parse_budget(tiny())
    out = budget.roll_forward(p)  # decided option "a"
    new = budget.parse_budget(out)  # the rolled file validates
    assert (new.base_year, new.years) == ("2022-23", ["2023-24", "2024-25"])
    assert new.decided_option is None and [o.id for o in new.options] == ["carried"]
    c = new.constants
    # Band D 100 + the 2022-23 increase 5 = 105; illustrative, since the increase is
    assert c.band_d_base.value == 105.0 and c.band_d_base.source == "illustrative"
    # Pay 100 x 1.10 = 110; non-pay 50 x 1.00 = 50 (growth carried separately, below)
    assert (c.pay_base.value, c.non_pay_base.value) == (110.0, 50.0)
    # CFR at the end of 2021-22: 10 + 0 borrowing - 10/10 MRP = 9
    assert c.opening_cfr.value == 9.0
    # Growth "posts" 2.0 started in 2022-23: carried as one item from 2023-24
    assert {k: [s.values for s in v] for k, v in new.growth.items()} == {
        "carried_from_2022_23": [{"2023-24": 2.0}]
    }
    # Savings "efficiency" starts in 2023-24: kept as it was
    assert {k: [s.values for s in v] for k, v in new.savings.items()} == {
        "efficiency": [{"2023-24": 1.0}]
    }
    # Reserves at the end of 2022-23: general 10 - 1 = 9; ber 20 - 5.05 (the deficit) = 14.95
    assert {k: v.value for k, v in new.reserves.opening.items()} == {"general": 9.0, "ber": 14.95}
    assert new.reserves.planned_use == {}  # the only planned use was in 2022-23
    # Lines: 2023-24 kept, 2024-25 repeats 2023-24 and says so
    inc = new.lines.band_d_increase
    assert [s.values for s in inc] == [{"2023-24": 5.0}, {"2024-25": 5.0}]
    assert inc[1].source == "illustrative" and "repeated by `scrutiny budget roll`" in inc[1].note
    assert [s.values for s in new.lines.capital_programme] == [
        {"2022-23": 4.0, "2023-24": 0.0},
        {"2024-25": 0.0},
    ]
    assert [s.values for s in new.lines.tax_base] == [{"2022-23": 1_000_000}]
    assert [s.values for s in new.lines.tax_base_growth_pct] == [
        {"2023-24": 10.0},
        {"2024-25": 10.0},
    ]
    # The rolled plan gives the same net revenue expenditure in 2023-24 as the old one:
    # pay 110 x 1.00 + non-pay 50 x 1.10 + growth 2 - savings 1 = 166 (test_project_by_hand)
    r = budget.project(new, "carried")
    assert r.at["2023-24", "net_revenue_expenditure"] == pytest.approx(166.0)
    # ... and the same precept: 1,000,000 x 1.10 x (105 + 5) = £121.0m
    assert r.at["2023-24", "precept_income"] == pytest.approx(121.0)


def test_roll_forward_folds_the_decided_option_in():
    p = budget.parse_budget(tiny())
    out = budget.parse_budget(budget.roll_forward(p, "b"))
    # Option B: £6 in 2022-23 -> Band D 106; its £2m contribution in 2022-23 stays in the
    # base year's line (the new base year is 2022-23)
    assert out.constants.band_d_base.value == 106.0
    assert [s.values for s in out.lines.revenue_contribution_to_capital] == [{"2022-23": 2.0}]
    # Reserves after B's 2022-23 deficit of 5.95 (test_option_changes...): ber 20 - 5.95
    assert out.reserves.opening["ber"].value == pytest.approx(14.05)


def test_roll_forward_needs_a_decided_option():
    raw = tiny()
    del raw["decided_option"]
    with pytest.raises(ValueError, match="give the option that was decided"):
        budget.roll_forward(budget.parse_budget(raw))
    with pytest.raises(KeyError, match="no option 'z'"):
        budget.roll_forward(budget.parse_budget(tiny()), "z")


def test_roll_the_2022_23_plan_by_hand():
    p = budget.load_budget(DEFAULT, record=False)
    new = budget.parse_budget(budget.roll_forward(p))  # Option 1 (orange), as decided
    assert new.years == ["2023-24", "2024-25", "2025-26", "2026-27"]
    c = new.constants
    # £248.23 + £10.00 = £258.23, both published: the PCP's 2022-23 Band D
    assert c.band_d_base.value == 258.23 and c.band_d_base.source == "published"
    assert (
        "PCP minute 76" in c.band_d_base.citation and "CGB s.2 option b" in c.band_d_base.citation
    )
    # Pay 160 x 1.04 = 166.40; non-pay 44 x 1.03 = 45.32
    assert (c.pay_base.value, c.non_pay_base.value) == (166.4, 45.32)
    # CFR end of 2021-22: 39.3 + (10.0 - 7.83) - 39.3 / 15 = 39.3 + 2.17 - 2.62 = 38.85
    assert c.opening_cfr.value == 38.85
    # Growth started in 2022-23: 1.4 (job evaluation) + 0.14 (other) = 1.54; savings 0.5
    assert new.growth["carried_from_2022_23"][0].values == {"2023-24": 1.54}
    assert new.savings["carried_from_2022_23"][0].values == {"2023-24": 0.5}
    # The tax base 334,807 (2022-23) stays published; orange's contributions are kept (2022-23,
    # now the base year, sets the debt the plan starts from)
    assert new.lines.tax_base[0].values == {"2022-23": 334807} and (
        new.lines.tax_base[0].source == "published"
    )
    rcco = {y: v for s in new.lines.revenue_contribution_to_capital for y, v in s.values.items()}
    assert rcco == {"2022-23": 4.11, "2023-24": 3.04}


def test_shipped_2023_24_file_against_the_15_pound_limit():
    p = budget.load_budget(config.PROJECT_ROOT / "params" / "budget" / "mtfp-2023-24.yaml")
    limit = p.lines.referendum_limit[0]
    assert limit.values == {"2023-24": 15.0} and limit.source == "published"
    assert "14 December 2022" in limit.citation and "hansard.parliament.uk" in limit.citation
    assert p.base_year == "2022-23" and p.years[-1] == "2026-27"
    assert p.constants.band_d_base.value == 258.23
    # Each option's Band D 2023-24: 258.23 + 15 / 10 / 5 / 0
    cmp = budget.compare_options(p).set_index("id")
    assert cmp["band_d"].to_dict() == pytest.approx(
        {"a-15": 273.23, "b-10": 268.23, "c-5": 263.23, "d-0": 258.23}
    )
    assert budget.referendum_breaches(p).empty  # all within £15
    # A and B differ only by £5 on the 2023-24 Band D: £5 x the 2023-24 tax base
    # (334,807 x 1.01 = 338,155.07) = £1.6908m a year, in every year (the base carries it)
    r_a, r_b = budget.project(p, "a-15"), budget.project(p, "b-10")
    assert (r_a.at["2023-24", "surplus"] - r_b.at["2023-24", "surplus"]) == pytest.approx(
        5 * 338_155.07 / 1e6, abs=1e-6
    )
    # The page must say the limit came after the board (23 November 2022)
    assert "23 November 2022" in p.notes[0] and "14 December 2022" in p.notes[0]


def test_write_roll_never_overwrites(tmp_path):
    src = tmp_path / "mtfp-2022-23.yaml"
    src.write_text(DEFAULT.read_text(encoding="utf-8"), encoding="utf-8")
    target = budget.write_roll(src)
    assert target == tmp_path / "mtfp-2023-24.yaml"
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Budget parameters for the precept 2023-24")
    assert '"2023-24"' in text  # years quoted, as in the hand-written files
    assert budget.load_budget(target, record=False).base_year == "2022-23"
    with pytest.raises(ParamsError, match="already exists"):
        budget.write_roll(src)
    raw = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    del raw["decided_option"]
    undecided = tmp_path / "undecided.yaml"
    undecided.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ParamsError, match="undecided.yaml: give the option that was decided"):
        budget.write_roll(undecided, out=tmp_path / "x.yaml")
