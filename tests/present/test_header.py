"""The page header a Board member reads first: months in words (templates/base.html.j2)."""

from __future__ import annotations

from scrutiny.run.publish import CycleInfo, PageMeta, Provenance, render_report


def _page(data_to: str) -> str:
    meta = PageMeta(
        cycle=CycleInfo(
            "2022-11", "Corporate Governance Board, November 2022", "23 November 2022", data_to
        ),
        name="summary",
        classification="OFFICIAL",
        prov=Provenance("0.1.0", "0123456789abcdef0123", False),
    )
    book = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return render_report(book, meta)[0]


def test_the_header_says_data_to_october_2022_not_2022_10():
    page = _page("2022-10")
    assert "Meeting 23 November 2022. Data to October 2022." in page
    assert "Data to 2022-10" not in page


def test_anything_but_a_month_code_is_shown_as_it_is():
    assert "Data to 2022-13." in _page("2022-13")
