"""Home Office recorded crime (CSV, ODS, XLSX; force and CSP level) and ONS population."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scrutiny.data import DataSources, force_profiles, home_office_force_counts
from scrutiny.data.home_office import load_force_values, load_recorded_crime, normalise_year
from scrutiny.data.ons import load_census_population, load_la_population, parse_ages, population
from scrutiny.data.quality import DataQuality
from scrutiny.errors import DataError

PRC_COLUMNS = [
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Number of Offences",
]


def test_force_level_csv(fixtures: Path) -> None:
    q = DataQuality()
    df = load_recorded_crime(fixtures / "home-office" / "prc.csv", quality=q)
    # The 2016/17 row is another year: 9 rows for 2017/18 remain.
    assert len(df) == 9 and set(df["financial_year"]) == {"2017/18"}
    totals = df.groupby("force")["count"].sum().to_dict()
    # Testshire: 30 + 10 (8N) + 50 (105A) + 4 (34B) + 20 - 2 (28E) = 112.
    assert totals["Testshire"] == 112
    assert df["csp"].isna().all()
    neg = q.summary().set_index("check").loc["Home Office: negative quarterly counts", "rows"]
    assert neg == 1


def test_csp_level_spells_columns_differently(fixtures: Path) -> None:
    df = load_recorded_crime(fixtures / "home-office" / "prc-csp.csv")
    assert df[["force", "csp", "count"]].to_dict("records") == [
        {"force": "Testshire", "csp": "Northtown", "count": 18},
        {"force": "Testshire", "csp": "Southvale", "count": 12},
    ]


def test_negative_annual_total_is_an_error(tmp_path: Path, fixtures: Path) -> None:
    text = (fixtures / "home-office" / "prc.csv").read_text()
    path = tmp_path / "prc.csv"
    path.write_text(text.replace("Domestic burglary,28E,-2", "Domestic burglary,28E,-25"))
    with pytest.raises(DataError, match="add up to -5") as e:
        load_recorded_crime(path)
    # The first 28E row (20) is line 6; the year's total is 20 - 25 = -5.
    assert (e.value.row, e.value.column) == (6, "Number of Offences")


def test_renamed_count_column(tmp_path: Path, fixtures: Path) -> None:
    text = (fixtures / "home-office" / "prc.csv").read_text()
    path = tmp_path / "prc.csv"
    path.write_text(text.replace("Number of Offences", "Offences"))
    with pytest.raises(DataError) as e:
        load_recorded_crime(path)
    assert e.value.column == "Number of Offences" and "Offence Count" in str(e.value)


def test_count_not_a_number(tmp_path: Path, fixtures: Path) -> None:
    text = (fixtures / "home-office" / "prc.csv").read_text()
    path = tmp_path / "prc.csv"
    path.write_text(
        text.replace("Robbery of personal property,34B,4", "Robbery of personal property,34B,four")
    )
    with pytest.raises(DataError) as e:
        load_recorded_crime(path)
    assert (e.value.row, e.value.column) == (5, "Number of Offences")


@pytest.mark.parametrize("engine,suffix", [("odf", ".ods"), ("openpyxl", ".xlsx")])
def test_workbook_with_a_sheet_per_year(tmp_path: Path, engine: str, suffix: str) -> None:
    rows = [
        [
            "2017/18",
            1,
            "Testshire",
            "Assault with injury",
            "Violence against the person",
            "Violence with injury",
            "8N",
            30,
        ],
        [
            "2017/18",
            2,
            "Testshire",
            "Assault with injury",
            "Violence against the person",
            "Violence with injury",
            "8N",
            12,
        ],
    ]
    path = tmp_path / f"prc{suffix}"
    with pd.ExcelWriter(path, engine=engine) as xw:
        pd.DataFrame([["Notes: police recorded crime"]]).to_excel(
            xw, sheet_name="Notes", index=False, header=False
        )
        pd.DataFrame(rows, columns=PRC_COLUMNS).to_excel(xw, sheet_name="2017-18", index=False)
        pd.DataFrame(rows, columns=PRC_COLUMNS).assign(**{"Financial Year": "2018/19"}).to_excel(
            xw, sheet_name="2018-19", index=False
        )
    df = load_recorded_crime(path, financial_year="2017/18")
    assert df["count"].tolist() == [30, 12]
    assert df["quarter"].tolist() == [1, 2]
    with pytest.raises(DataError, match="no sheet for financial year 2019-20") as e:
        load_recorded_crime(path, financial_year="2019-20")
    assert "'2017-18'" in str(e.value) and e.value.file.endswith(suffix)


def test_workbook_bad_cell_names_the_sheet_and_row(tmp_path: Path) -> None:
    rows = [["2017/18", 1, "Testshire", "Assault", "VAP", "VWI", "8N", "lots"]]
    path = tmp_path / "prc.xlsx"
    pd.DataFrame(rows, columns=PRC_COLUMNS).to_excel(path, sheet_name="2017-18", index=False)
    with pytest.raises(DataError) as e:
        load_recorded_crime(path)
    # Header on spreadsheet row 1, the bad value on row 2.
    assert "sheet '2017-18'" in e.value.file and e.value.row == 2


def test_normalise_year() -> None:
    assert normalise_year("2017/18") == normalise_year("2017_18") == "2017-18"
    with pytest.raises(ValueError):
        normalise_year("last year")


def test_force_values_reject_negatives(tmp_path: Path) -> None:
    path = tmp_path / "grant.csv"
    path.write_text("force,grant_gbp\nTestshire,100\nNeighbourshire,-5\n")
    with pytest.raises(DataError, match="negative") as e:
        load_force_values(path, "grant_gbp", "grant")
    assert (e.value.row, e.value.column) == (3, "grant_gbp")


# -- ONS -----------------------------------------------------------------------------------


def test_census_thousands_separators_and_repeated_header(fixtures: Path) -> None:
    c = load_census_population(fixtures / "ons" / "census.csv")
    row = c.set_index("lsoa_code").loc["E01900001"]
    assert (row["population"], row["population_households"], row["population_communal"]) == (
        1500,
        1450,
        50,
    )
    assert c["population"].sum() == 1500 + 2000 + 1200 + 800 + 1000 + 1100


def test_census_wrong_header(tmp_path: Path, fixtures: Path) -> None:
    text = (fixtures / "ons" / "census.csv").read_text()
    path = tmp_path / "census.csv"
    path.write_text(text.replace("Persons,Persons,Persons", "Persons,Households,Persons", 1))
    with pytest.raises(DataError) as e:
        load_census_population(path)
    assert e.value.row == 1 and e.value.column == "Persons" and "column 11" in str(e.value)


def test_census_parts_must_add_up(tmp_path: Path, fixtures: Path) -> None:
    text = (fixtures / "ons" / "census.csv").read_text()
    path = tmp_path / "census.csv"
    path.write_text(text.replace(",800,790,10,", ",800,790,11,"))
    with pytest.raises(DataError, match="E01900004") as e:
        load_census_population(path)
    assert e.value.row == 5


def test_negative_population(tmp_path: Path, fixtures: Path) -> None:
    text = (fixtures / "ons" / "la-population.csv").read_text()
    path = tmp_path / "pop.csv"
    path.write_text(
        text.replace("E07900002,Southvale,0-4,2021,500", "E07900002,Southvale,0-4,2021,-500")
    )
    with pytest.raises(DataError, match="negative") as e:
        load_la_population(path)
    # Southvale's first row follows Northtown's 38 band rows and 2 totals: line 42.
    assert (e.value.row, e.value.column) == (42, "population")


def test_population_sums_bands(testshire: DataSources) -> None:
    # Bands are 1,100 (Northtown) and 500 (Southvale) each in 2022, 1,000 and 500 in 2021.
    assert population("Testshire Police", "all", 2022, sources=testshire) == 19 * 1600
    assert population("Testshire", "15-24", 2021, sources=testshire) == 2 * 1500
    assert population("Northtown", "85+", 2022, sources=testshire) == 2 * 1100
    assert population("Southvale", "under 25", 2022, sources=testshire) == 5 * 500
    q = DataQuality()
    # 2030 is outside the file (2021-2022): the nearest year is used and noted.
    assert population("Northtown", "all", 2030, sources=testshire, quality=q) == 19 * 1100
    assert "used 2022" in q.issues[0].detail
    with pytest.raises(ValueError, match="five-year bands"):
        population("Northtown", "0-17", 2022, sources=testshire)
    # Neighbourshire has no age bands: all ages falls back to the 2011 Census, ages fail.
    assert population("Neighbourshire", "all", 2022, sources=testshire) == 1000
    with pytest.raises(DataError, match="aged 0-24"):
        population("Neighbourshire", "0-24", 2022, sources=testshire)


def test_parse_ages() -> None:
    assert parse_ages("all").label == "all ages"
    assert parse_ages("under 25").label == "0-24"
    assert parse_ages("25+").label == "25+"
    with pytest.raises(ValueError):
        parse_ages("young")


# -- peer comparison -------------------------------------------------------------------------


def test_force_profiles_and_counts(testshire: DataSources) -> None:
    p = force_profiles(testshire).set_index("force")
    t = p.loc["Testshire"]
    # Testshire LSOAs: 1,500 + 2,000 + 1,200 + 800 = 5,500 people on 1,550 hectares.
    assert t["population_2011"] == 5_500 and t["area_hectares"] == 1_550
    assert t["density_per_hectare"] == pytest.approx(5_500 / 1_550)
    assert t["officer_fte_2025"] == pytest.approx(100.5)
    assert t["crimes_2017_18"] == 112
    assert t["crimes_per_1000_2017_18"] == pytest.approx(112 / 5_500 * 1000)
    # Violence against the person: 30 + 10 + 50 = 90.
    assert t["violence_against_the_person_2017_18"] == 90
    assert p.loc["Suffolk", "lsoas"] == 1  # the gap-filled Forest Heath LSOA
    c = home_office_force_counts(["8N"], sources=testshire).set_index("force")
    assert "Action Fraud" not in c.index  # not a territorial force
    assert c.loc["Testshire", "count"] == 40
    assert c.loc["Testshire", "rate_per_1000"] == pytest.approx(40 / 5_500 * 1000)
    assert c.loc["London, City of", "count"] == 5
    assert set(c["financial_year"]) == {"2017/18"}
