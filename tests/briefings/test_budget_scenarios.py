"""scrutiny.briefings.budget_scenarios (words, tables, charts) and the briefing end to end."""

import json
import math
import re

import matplotlib

matplotlib.use("Agg")
import nbformat  # noqa: E402
import pytest  # noqa: E402
from test_budget import DEFAULT, tiny  # noqa: E402

from conftest import execute_notebook
from scrutiny import config, provenance
from scrutiny.analysis import budget
from scrutiny.briefings import budget_scenarios
from scrutiny.present import page  # noqa: E402

NOTEBOOK = config.PROJECT_ROOT / "notebooks" / "budget_scenarios.ipynb"


@pytest.fixture(scope="module")
def plan():
    return budget.load_budget(DEFAULT, record=False)


@pytest.fixture
def over_limit():
    # tiny(): option b raises Band D by £6 against a £5 limit in 2022-23
    return budget.parse_budget(tiny())


# ---------------------------------------------------------------- formatting


def test_money_and_pounds_and_pence():
    assert budget_scenarios.money(1.734) == "£1.73m"
    assert budget_scenarios.money(-1.1) == "-£1.10m"
    assert budget_scenarios.money(-0.001) == "£0.00m"  # never "-£0.00m"
    assert budget_scenarios.money(1234.5) == "£1,234.50m"
    assert budget_scenarios.pounds(258.23) == "£258.23"
    assert budget_scenarios.pence(10 / 52) == "19p"  # 10 / 52 = 0.1923
    assert budget_scenarios.position_phrase(1.73) == "a surplus of £1.73m"
    assert budget_scenarios.position_phrase(-1.1) == "a deficit of £1.10m"
    assert budget_scenarios.position_phrase(0.002) == "a balanced position"


def test_colour_of_uses_the_papers_names():
    opts = {o.id: o for o in budget.parse_budget(tiny()).options}
    assert budget_scenarios.colour_of(opts["a"]) == "#009E73"  # green (Okabe-Ito bluish green)
    assert budget_scenarios.colour_of(opts["b"]) == "#E69F00"  # orange
    hexed = opts["a"].model_copy(update={"colour": "#123456"})
    assert budget_scenarios.colour_of(hexed) == "#123456"
    odd = opts["a"].model_copy(update={"colour": "mauve"})
    assert budget_scenarios.colour_of(odd, 1) == budget_scenarios._FALLBACK[1]


def test_chosen_option(plan):
    assert budget_scenarios.chosen_option(plan, "") == "1-orange"
    assert budget_scenarios.chosen_option(plan, "2-yellow") == "2-yellow"
    with pytest.raises(KeyError, match="no option 'x'"):
        budget_scenarios.chosen_option(plan, "x")


# ---------------------------------------------------------------- words


def test_decision_numbers_by_hand(plan):
    d = budget_scenarios.decision(plan, "1-orange")
    assert (d.band_d_before, d.band_d_after, d.increase) == (248.23, 258.23, 10.0)
    # from the increase: 10 x 334,807 = £3,348,070
    assert d.from_increase == pytest.approx(3.34807)
    # from the tax base: (334,807 - 329,286) x 248.23 = 5,521 x 248.23 = £1,370,477.83
    assert d.from_tax_base == pytest.approx(1.37047783)
    # together the extra precept income: 3.34807 + 1.37047783 = 4.71854783
    assert d.precept_after - d.precept_before == pytest.approx(4.71854783)


def test_decision_sentences(plan):
    text = " ".join(budget_scenarios.decision_sentences(plan, "1-orange"))
    for expected in ("£258.23", "£248.23", "£10.00", "(4.03%)", "19p a week", "£4.72m", "£3.35m"):
        assert expected in text
    assert "a deficit of £1.10m" in text
    assert "Police and Crime Panel supported" in text


def test_key_findings(plan):
    f = budget_scenarios.key_findings(plan, "1-orange")
    assert f[0].startswith("The Commissioner's decision is Option 1 (orange)")
    assert "a deficit of £3.71m under Option 3 (grey)" in f[1]
    assert "a surplus of £1.73m under Option 1 (green)" in f[1]
    assert "£7.15m" in f[2] and "£5.10m" in f[2] and "£6.70m" in f[2]
    assert "within the £10.00 referendum limit" in f[3]
    assert "pay award" in f[4]
    assert "all 15 published option figures" in f[5]
    other = budget_scenarios.key_findings(plan, "2-yellow")
    assert "not the decided option" in other[0]


def test_referendum_messages(plan, over_limit):
    ok = budget_scenarios.referendum_messages(plan)
    assert len(ok) == 1 and ok[0][1] == "note"
    assert budget_scenarios.referendum_warnings(plan) == []
    bad = budget_scenarios.referendum_messages(over_limit)
    assert bad == [
        (
            "Option B raises Band D by £6.00 in 2022-23, above the referendum limit of £5.00: "
            "this increase could only be set after a local referendum.",
            "warning",
        )
    ]
    html = page.callout_html(budget_scenarios.referendum_warnings(over_limit)[0], "warning")
    assert 'role="alert"' in html and "callout-warning" in html


def test_section_sentences(plan):
    debt = " ".join(budget_scenarios.debt_sentences(plan))
    assert "Option 1 (orange): a contribution of £7.15m; debt charges rise from £3.60m" in debt
    assert "Option 2 (yellow): no contribution" in debt
    sens = " ".join(budget_scenarios.sensitivity_sentences(plan, "1-orange"))
    assert "from 2023-24" in sens and "already set by the billing authorities" in sens
    res = " ".join(budget_scenarios.reserves_sentences(plan, "1-orange"))
    # opening 6.5 + 10 + 12 = 28.5
    assert "Total reserves start at £28.50m" in res
    bands = " ".join(budget_scenarios.band_sentences(plan, "1-orange"))
    # weekly rise: A 10 x 6/9 / 52 = 12.8p -> 13p; D 19p; H 10 x 2 / 52 = 38.5p -> 38p
    assert "13p a week for Band A, 19p for Band D and 38p for Band H" in bands


# ---------------------------------------------------------------- tables


def test_options_table(plan):
    t = budget_scenarios.options_table(plan, "1-orange").set_index("Option")
    assert t.at["Option 1 (orange)", "Decision"] == "Chosen"
    assert t.at["Option 2 (yellow)", "Band D 2022-23 (£)"] == pytest.approx(256.23)
    # 8 / 248.23 = 3.2228% -> 3.22
    assert t.at["Option 2 (yellow)", "Increase (%)"] == 3.22
    assert t["Within referendum limit"].all()
    blue = t.at["Option 1 (blue)", "Position over MTFP to 2025-26 (£m)"]
    assert blue == 0.0 and math.copysign(1, blue) == 1  # no "-0.00"
    assert t.at["Option 1 (green)", "Published position (£m)"] == 1.73


def test_band_table(plan):
    t = budget_scenarios.band_table(plan, "1-orange").set_index("Band")
    assert list(t.index) == list("ABCDEFGH")
    # Band D: 248.23 -> 258.23, +10 a year, 10 / 52 = 0.1923 a week
    assert t.at["D", "2022-23 per year (£)"] == pytest.approx(258.23)
    assert t.at["D", "Increase per week (£)"] == pytest.approx(10 / 52)
    # Band H: 2 x 258.23 = 516.46; Band A: 258.23 x 6 / 9 = 172.1533
    assert t.at["H", "2022-23 per year (£)"] == pytest.approx(516.46)
    assert t.at["A", "2022-23 per year (£)"] == pytest.approx(172.153333, abs=1e-6)


def test_referendum_and_reproduction_and_assumptions_tables(plan, over_limit):
    r = budget_scenarios.referendum_table(over_limit).set_index("Year")
    assert r.at["2022-23", "Above the limit"] == "Option B"
    assert r.at["2023-24", "Above the limit"] == "None"
    rep = budget_scenarios.reproduction_table(plan)
    assert len(rep) == 15 and rep["Difference (£m)"].abs().max() <= 0.05
    a = budget_scenarios.assumptions_display(plan)
    assert a["Source"].iloc[0] == "Published"  # published inputs first
    assert "Tax base (Band D equivalent properties)" in set(a["Input"])
    assert "Option 1 (orange): Revenue contribution to capital (£m)" in set(a["Input"])
    row = a[a["Input"] == "Savings: efficiency savings (£m)"].iloc[0]
    assert (
        row["Citation or note"].startswith("PCP minute 76")
        and "Note: Read as" in (row["Citation or note"])
    )


def test_reserves_table(plan):
    t = budget_scenarios.reserves_table(plan)
    assert t["Point"].iloc[0] == "Start of 2022-23"
    assert t["Option 1 (green)"].iloc[0] == pytest.approx(28.5)


# ---------------------------------------------------------------- charts


def _legend(chart):
    return [t.get_text() for t in chart.fig.axes[0].get_legend().get_texts()]


def test_yearly_position_chart(plan):
    c = budget_scenarios.yearly_position_chart(plan)
    names = [o.name for o in plan.options]
    assert _legend(c) == names  # labels in the legend, not only colour
    hatches = {p.get_hatch() for p in c.fig.axes[0].patches}
    assert len(hatches) == len(names)  # each option has its own hatch as a second cue
    assert "Option 1 (orange): 2022-23 balanced, 2023-24 balanced" in c.alt
    assert list(c.data.columns) == ["Year", *[f"{n} (£m)" for n in names]]
    matplotlib.pyplot.close(c.fig)


def test_cumulative_and_debt_and_reserves_charts(plan):
    cum = budget_scenarios.cumulative_position_chart(plan)
    assert "By 2025-26: Option 1 (green) a surplus of £1.73m" in cum.alt
    assert "Option 1 (blue) a balanced position" in cum.alt
    debt = budget_scenarios.debt_charges_chart(plan)
    assert "All options start at £3.60m in 2021-22" in debt.alt
    assert "£6.70m for Option 1 (green), Option 2 (yellow), Option 3 (grey)" in debt.alt
    assert "£5.10m for Option 1 (orange)" in debt.alt and "£6.30m for Option 1 (blue)" in debt.alt
    res = budget_scenarios.reserves_chart(plan)
    assert "starting at £28.50m" in res.alt
    for c in (cum, debt, res):
        assert _legend(c) == [o.name for o in plan.options]
        matplotlib.pyplot.close(c.fig)


def test_tornado_chart(over_limit):
    c = budget_scenarios.tornado_chart(over_limit, "a")
    # hand values from test_budget.test_sensitivity_by_hand
    assert "Pay award: 1 point lower £3.09m, 1 point higher -£3.11m." in c.alt
    assert "Core grants: 1% lower -£1.00m, 1% higher £1.00m." in c.alt
    assert list(c.data["Factor"]) == ["Pay award", "Core grants", "Tax base growth"]
    assert _legend(c) == ["Input lower", "Input higher"]
    matplotlib.pyplot.close(c.fig)


def test_show_puts_alt_text_and_a_two_decimal_data_table(plan, monkeypatch):
    shown = []
    monkeypatch.setattr(page, "display", lambda obj: shown.append(obj.data))
    chart = budget_scenarios.debt_charges_chart(plan)
    budget_scenarios.show(chart)
    html = shown[0]
    assert 'alt="Grouped bar chart of debt charges' in html
    assert "<details" in html and ">5.10<" in html  # orange 2025-26 to two decimals
    assert "Source: CGB report of 17 January 2022" in html


# ---------------------------------------------------------------- the notebook


def test_notebook_is_stored_thin_and_clean():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata["kernelspec"] == {
        "name": "scrutiny",
        "display_name": "Python (scrutiny)",
        "language": "python",
    }
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    for line in params[0].source.splitlines():
        assert re.match(r'^\w+ = ("[^"]*"|[\d.]+)\s*(#.*)?$', line), line
    assert 'budget_file = "params/budget/mtfp-2022-23.yaml"' in params[0].source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert not re.search(r"^\s*(def|class) ", cell.source, re.M)


def _run_notebook(tmp_path, **parameters) -> str:
    """Execute the briefing with papermill (as the runner does) and return its HTML outputs."""
    return execute_notebook(NOTEBOOK, tmp_path, **parameters)[1]


@pytest.mark.slow
def test_notebook_runs_and_shows_the_figures(tmp_path, monkeypatch):
    log = tmp_path / "inputs.jsonl"
    monkeypatch.setenv(provenance.INPUTS_LOG_ENV, str(log))
    text = _run_notebook(tmp_path)
    headings = re.findall(r"<h([1-4])>([^<]*)</h\1>", text)
    assert [h for h in headings if h[0] == "1"] == [
        ("1", "Budget scenarios: Precept 2022-23 and the Medium Term Financial Plan to 2025-26")
    ]
    assert headings[0][0] == "1" and headings[1] == ("2", "Key findings")
    assert text.index('class="findings"') < text.index("<h2>The decision</h2>")
    for expected in (
        "£258.23",
        "(4.03%)",
        "19p a week",
        "£4.72m",
        "Option 1 (orange)",
        "Option 3 (grey)",
        "a deficit of £1.10m",
        "within the £10.00 referendum limit",
        ">516.46<",  # Band H 2022-23
        ">-3.71<",  # Option 3 (grey) over the MTFP
        "Tornado chart",
        "Illustrative",
        "PCP minute 76",
    ):
        assert expected in text, expected
    assert text.count('<figure class="chart">') == 5
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert any(r["path"] == "params/budget/mtfp-2022-23.yaml" for r in records)


@pytest.mark.slow
def test_notebook_warns_prominently_above_the_referendum_limit(tmp_path):
    import yaml

    raw = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    raw["options"][3]["changes"]["band_d_increase"]["values"]["2022-23"] = 12.0  # limit £10
    f = tmp_path / "over.yaml"
    f.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    text = _run_notebook(tmp_path, budget_file=str(f))
    warning = (
        "Option 2 (yellow) raises Band D by £12.00 in 2022-23, above the referendum limit of £10.00"
    )
    assert 'class="callout callout-warning" role="alert"' in text
    # shown under the key findings, before the first section, and again in its own section
    assert text.index(warning) < text.index("<h2>The decision</h2>")
    assert text.count(warning) == 2
    assert "Above the referendum limit: Option 2 (yellow)." in text


# ---------------------------------------------------------------- a plan with no decision yet


def test_undecided_plan_notes_and_wording():
    raw = tiny()
    del raw["decided_option"]
    raw["notes"] = ["The limit was announced after the board met."]
    raw["sources"] = "Source: test papers."
    p = budget.parse_budget(raw)
    findings = budget_scenarios.key_findings(p, "a")
    assert findings[0] == "The limit was announced after the board met."
    assert findings[1].startswith("No option is decided yet; this briefing centres on Option A:")
    assert "the 2 options range from" in findings[2]  # the count, not "five"
    messages = budget_scenarios.referendum_messages(p)
    assert messages[0] == ("The limit was announced after the board met.", "note")
    table = budget_scenarios.options_table(p, "a")
    assert table["Decision"].tolist() == ["Centred on (not decided)", ""]
    assert budget_scenarios.source_text(p) == "Source: test papers."
    # Nothing published to check against: the note says so
    assert budget_scenarios.illustrative_note(p).startswith("No option result is published")


def test_decided_plan_keeps_its_wording(plan):
    assert budget_scenarios.illustrative_note(plan) == budget_scenarios.ILLUSTRATIVE_NOTE
    assert budget_scenarios.source_text(plan) == budget_scenarios.SOURCE
    table = budget_scenarios.options_table(plan, "1-orange")
    assert "Chosen" in table["Decision"].tolist()
