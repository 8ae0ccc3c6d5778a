"""Pieces the briefings share (scrutiny.briefings.common): months in words, sources."""

from __future__ import annotations

from scrutiny.briefings import common


def test_month_codes_are_written_as_a_board_member_reads_them():
    assert common.month_words("2019-12 to 2022-10") == "December 2019 to October 2022"
    assert common.month_words("no data for 2020-09 to 2020-12 (4 months)") == (
        "no data for September 2020 to December 2020 (4 months)"
    )
    # Full dates, financial years, impossible months and plain numbers are left alone.
    assert common.month_words("due 2022-11-01") == "due 2022-11-01"
    assert common.month_words("2017-18 and 2022-13 and 12,345") == "2017-18 and 2022-13 and 12,345"
