import math

import pandas as pd

from scrutiny.present import tables
from scrutiny.present.tables import format_value, table_html


def test_format_value():
    assert format_value(1234567) == "1,234,567"
    assert format_value(12.345) == "12.3"  # one decimal by default (rates)
    assert format_value(12.345, 2) == "12.35"
    assert format_value(math.nan) == "–"
    assert format_value(None) == "–"
    assert format_value(True) == "Yes"
    assert format_value("<10") == "<10"
    assert format_value(pd.Period("2022-10", "M")) == "2022-10"


def test_table_html_structure():
    df = pd.DataFrame({"District": ["Blaby", "Melton & Rutland"], "Offences": [1200, 35]})
    html = table_html(df, caption="Offences by district")
    assert "<caption>Offences by district</caption>" in html
    assert '<th scope="col">District</th><th scope="col">Offences</th>' in html
    assert "<td>Melton &amp; Rutland</td>" in html
    assert '<td class="num">1,200</td>' in html


def test_table_html_index_as_row_header_and_raw_columns():
    df = pd.DataFrame({"icon": ["<svg></svg>"]}, index=pd.Index(["Rape"], name="KPI"))
    html = table_html(df, index=True, raw_html_columns=("icon",))
    assert '<th scope="row">Rape</th><td><svg></svg></td>' in html


def test_table_html_decimals_per_column():
    df = pd.DataFrame({"rate": [1.234], "share": [0.5]})
    html = table_html(df, decimals={"share": 2})
    assert '<td class="num">1.2</td><td class="num">0.50</td>' in html


def test_table_html_marks_count_columns():
    # Counts after disclosure control: a shown count, a withheld one and a zero.
    df = pd.DataFrame({"District": ["Blaby", "Melton", "Rutland"], "Offences": [12, "[c]", 0]})
    html = table_html(df, count_columns=("Offences",))
    assert '<td class="num count">12</td>' in html
    assert '<td class="count">[c]</td>' in html
    assert '<td class="num count">0</td>' in html
    assert "<td>Blaby</td>" in html  # other columns are unchanged
    assert "count" not in table_html(df)  # nothing marked unless asked


# -- JupyterLab: tables as pandas objects (issue 14) ----------------------------------------


def test_table_styler_is_the_frame_formatted_like_the_page():
    df = pd.DataFrame(
        {"area": ["Blaby <north>"], "count": [12345], "rate": [2.345], "icon": ["<svg></svg>"]}
    )
    styler = tables.table_styler(
        df, caption="Crime", decimals={"rate": 2}, raw_html_columns=("icon",)
    )
    assert styler.data is df  # the analyst has the frame itself, to sort and copy
    html = styler.to_html()
    assert "12,345" in html and "2.35" in html and "2.345" not in html
    assert "Blaby &lt;north&gt;" in html  # text escaped ...
    assert "<svg></svg>" in html  # ... icons kept
    assert "<caption>Crime</caption>" in html


def test_show_table_publishes_html_and_shows_a_styler_in_lab(monkeypatch):
    from pandas.io.formats.style import Styler

    from scrutiny.present import page

    shown = []
    monkeypatch.setattr(tables, "display", shown.append)
    monkeypatch.setattr(page, "display", shown.append)
    monkeypatch.setattr(page, "_lab_css_shown", True)
    df = pd.DataFrame({"n": [1]})
    monkeypatch.setenv(page.DISPLAY_ENV, "publish")
    tables.show_table(df, caption="One")
    assert shown[-1].data == tables.table_html(df, caption="One")
    monkeypatch.setenv(page.DISPLAY_ENV, "lab")
    tables.show_table(df, caption="One")
    assert isinstance(shown[-1], Styler)


def test_a_frame_pandas_cannot_style_is_shown_as_on_the_page_in_lab(monkeypatch):
    from scrutiny.present import page

    shown = []
    monkeypatch.setattr(tables, "display", shown.append)
    monkeypatch.setattr(page, "_lab_css_shown", True)
    monkeypatch.setenv(page.DISPLAY_ENV, "lab")
    twice = pd.DataFrame([[1, 2]], columns=["n", "n"])
    tables.show_table(twice)
    assert shown[-1].data == tables.table_html(twice)
