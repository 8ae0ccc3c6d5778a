"""Rendering pages from executed notebooks, and publishing files atomically."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime

import pytest

from scrutiny.run import publish
from scrutiny.run.publish import (
    CycleInfo,
    IndexRow,
    PageMeta,
    Provenance,
    add_heading_ids,
    atomic_write,
    human_duration,
    notebook_body,
    remove_stale_temps,
    render_error_page,
    render_index,
    render_report,
    slugify,
)

# a 1x1 transparent PNG
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhf"
    "DwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def code(outputs, tags=(), source="x = 1"):
    return {
        "cell_type": "code",
        "metadata": {"tags": list(tags)},
        "source": source,
        "outputs": outputs,
        "execution_count": 1,
    }


def html_out(text):
    return {"output_type": "display_data", "data": {"text/html": text}, "metadata": {}}


def nb(*cells):
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


META = PageMeta(
    cycle=CycleInfo(
        "2022-11", "Corporate Governance Board, November 2022", "23 November 2022", "2022-10"
    ),
    name="crime_summary",
    classification="OFFICIAL",
    prov=Provenance("0.1.0", "0123456789abcdef0123", True),
    notebook="notebooks/crime_summary.ipynb",
    parameters={"cycle": "2022-11", "months": 6},
    inputs=[
        {
            "path": "data/raw/police-uk/2022-10-leicestershire-street.csv.gz",
            "sha256": "ab" * 32,
            "period": "2022-10",
            "description": "police.uk street-level crime",
            "synthetic": False,
        }
    ],
    started=datetime(2022, 11, 20, 9, 0, 0, tzinfo=UTC),
    ended=datetime(2022, 11, 20, 9, 0, 42, tzinfo=UTC),
)


# ---------------------------------------------------------------------------------------
# atomic publishing


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path):
    target = tmp_path / "page.html"
    target.write_text("old")
    atomic_write(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


def test_atomic_write_failure_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "page.html"
    target.write_text("old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(publish.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


def test_atomic_write_interrupted_while_writing(tmp_path, monkeypatch):
    target = tmp_path / "page.html"
    target.write_text("old")

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(publish.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


def test_remove_stale_temps(tmp_path):
    (tmp_path / "a.html").write_text("keep")
    (tmp_path / ".a.html.123.tmp").write_text("half")
    (tmp_path / ".a.ipynb.123.tmp.ipynb").write_text("half")
    gone = remove_stale_temps(tmp_path)
    assert len(gone) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["a.html"]


# ---------------------------------------------------------------------------------------
# headings and contents


def test_heading_ids_are_unique_and_build_a_nested_contents():
    body = (
        '<h1 id="x">Crime summary</h1><h2>Key findings</h2><h2>Trends</h2>'
        "<h3>Burglary</h3><h3>Burglary</h3><h2>Main</h2><h4>Detail</h4>"
    )
    out, toc, h1 = add_heading_ids(body)
    assert h1 == "Crime summary"
    ids = re.findall(r'id="([^"]+)"', out)
    assert ids == [
        "crime-summary",
        "key-findings",
        "trends",
        "burglary",
        "burglary-2",
        "main-2",
        "detail",
    ]
    assert [(e.text, e.id) for e in toc] == [
        ("Key findings", "key-findings"),
        ("Trends", "trends"),
        ("Main", "main-2"),
    ]
    assert [c.id for c in toc[1].children] == ["burglary", "burglary-2"]


def test_heading_text_drops_tags_and_nbconvert_anchor_links():
    out, toc, _ = add_heading_ids(
        '<h2 id="A-b">A &amp; <em>b</em><a class="anchor-link" href="#A-b">&#182;</a></h2>'
    )
    assert toc[0].text == "A & b"
    assert out == '<h2 id="a-b">A &amp; <em>b</em></h2>'
    assert slugify("££") == "section"


# ---------------------------------------------------------------------------------------
# notebook body


def test_body_shows_outputs_only_and_skips_parameter_cells():
    book = nb(
        code([], tags=["parameters"], source='area = "Leicester"'),
        code(
            [{"output_type": "stream", "name": "stdout", "text": "secret_injected"}],
            tags=["injected-parameters"],
        ),
        {"cell_type": "markdown", "metadata": {}, "source": "## Section\n\nSome *text*."},
        code([html_out("<p>From an output</p>")], source="SOURCE_NEVER_SHOWN = 1"),
        code([{"output_type": "stream", "name": "stdout", "text": "a < b\n"}]),
        code([{"output_type": "stream", "name": "stderr", "text": "FutureWarning: x\n"}]),
        code([{"output_type": "execute_result", "data": {"text/plain": "42"}, "metadata": {}}]),
    )
    body = notebook_body(book)
    assert "SOURCE_NEVER_SHOWN" not in body.html and "Leicester" not in body.html
    assert "secret_injected" not in body.html
    assert "<em>text</em>" in body.html and "<h2" in body.html
    assert "<p>From an output</p>" in body.html
    assert '<pre class="stream">a &lt; b\n</pre>' in body.html
    assert "FutureWarning" not in body.html and body.messages == ["FutureWarning: x"]
    assert '<pre class="text">42</pre>' in body.html


def test_bare_image_gets_alt_text_and_a_warning():
    out = {
        "output_type": "display_data",
        "data": {"image/png": PNG, "text/plain": "<Figure>"},
        "metadata": {},
    }
    body = notebook_body(nb(code([out])))
    assert f'src="data:image/png;base64,{PNG}"' in body.html
    assert 'alt="Chart without a description' in body.html
    assert body.warnings == [
        "code cell 1: bare image without alt text (use scrutiny.present.page.show_figure)"
    ]


def test_scripts_and_external_links_are_removed():
    out = html_out(
        '<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="https://x"><b>ok</b>'
    )
    body = notebook_body(nb(code([out])))
    assert body.html == "<b>ok</b>"
    assert "removed <script>/<link>" in body.warnings[0]


def test_local_images_are_embedded_or_left_out(tmp_path):
    (tmp_path / "logo.png").write_bytes(__import__("base64").b64decode(PNG))
    md = {"cell_type": "markdown", "metadata": {}, "source": "![Logo](logo.png) ![Gone](gone.png)"}
    body = notebook_body(nb(md), base=tmp_path)
    assert f"data:image/png;base64,{PNG}" in body.html
    assert "gone.png" not in body.html.split("[Image left out")[0]
    assert "Image left out: gone.png" in body.html
    assert body.warnings == ["image 'gone.png' could not be embedded and was left out"]


def test_wide_tables_are_keyboard_scrollable():
    body = notebook_body(nb(code([html_out('<div class="table-wrap"><table></table></div>')])))
    assert '<div class="table-wrap" tabindex="0">' in body.html


# ---------------------------------------------------------------------------------------
# pages


def test_report_page_is_self_contained_and_marked():
    book = nb(
        code([html_out("<h1>Crime summary</h1>")]),
        code([html_out('<section class="findings"><h2>Key findings</h2></section>')]),
        {"cell_type": "markdown", "metadata": {}, "source": "## Trends\n\n### Burglary"},
    )
    page, warnings = render_report(book, META)
    assert warnings == []
    assert page.startswith('<!DOCTYPE html>\n<html lang="en-GB">')
    assert "<title>Crime summary (OFFICIAL)</title>" in page
    assert page.count('class="classification"') == 2
    assert '<a class="skip-link" href="#main">' in page and '<main id="main"' in page
    # the contents comes straight after the h1 and links to h2/h3 anchors
    assert page[page.index("</h1>") :].startswith('</h1>\n<nav class="toc"')
    assert '<a href="#trends">Trends</a><ol><li><a href="#burglary">Burglary</a>' in page
    assert "@media print" in page and "@media (max-width" in page
    # provenance footer
    assert "ab" * 32 in page and "2022-10" in page
    assert "0123456789" in page and "with uncommitted changes" in page
    assert "2022-11-20 09:00:42 UTC (42.0 s)" in page
    assert "<code>&#34;2022-11&#34;</code>" in page or "<code>&quot;2022-11&quot;</code>" in page
    # nothing fetched from anywhere
    assert "<script" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)


def test_report_without_h1_uses_briefing_title_and_sensitive_banner():
    meta = PageMeta(
        **{**META.__dict__, "title": "Closed session", "classification": "OFFICIAL-SENSITIVE"}
    )
    page, _ = render_report(nb(code([html_out("<h2>Part</h2>")])), meta)
    assert "<h1>Closed session</h1>" in page
    assert page.count('class="classification sensitive"') == 2
    assert "OFFICIAL-SENSITIVE</p>" in page


def test_error_page_shows_cell_source_traceback_and_last_good():
    page = render_error_page(
        META,
        summary="Code cell 5 of 6 raised ZeroDivisionError: division by zero",
        cell="code cell 5 of 6",
        cell_source="ratio = 1 / divisor",
        traceback="\x1b[0;31mZeroDivisionError\x1b[0m: division by zero",
        last_good={"href": "crime_summary.html", "ended": "2022-11-19 10:00:00 UTC"},
        executed="crime_summary.failed.ipynb",
    )
    assert "Briefing failed" in page
    assert "ratio = 1 / divisor" in page
    assert "ZeroDivisionError: division by zero" in page and "\x1b" not in page
    assert '<a href="crime_summary.html">' in page
    assert '<a href="crime_summary.failed.ipynb">' in page


def test_index_lists_briefings_with_status_and_highest_classification():
    rows = [
        IndexRow(
            "a",
            "Crime summary",
            "ok",
            "OFFICIAL",
            href="a.html",
            duration=12.5,
            produced="2022-11-20T09:00:00+00:00",
        ),
        IndexRow("b", "Closed item", "skipped", "OFFICIAL-SENSITIVE", href="b.html", duration=61),
        IndexRow("c", "Budget", "failed", "OFFICIAL", error_href="c.error.html"),
    ]
    page = render_index(META.cycle, rows, META.prov, generated=datetime(2022, 11, 20, tzinfo=UTC))
    assert page.count('class="classification sensitive"') == 2
    assert '<a href="a.html">Crime summary</a>' in page
    assert "Up to date (not re-run)" in page and "1 min 01 s" in page and "12.5 s" in page
    assert '<a href="c.error.html">what went wrong' in page
    assert "2022-11-20 09:00:00 UTC" in page


def test_human_duration():
    assert human_duration(4.21) == "4.2 s"
    assert human_duration(185) == "3 min 05 s"
    assert human_duration(None) == ""


def test_temp_names_sit_beside_the_target(tmp_path):
    t = publish.temp_path(tmp_path / "x.ipynb", ".ipynb")
    assert t.parent == tmp_path and t.name == f".x.ipynb.{os.getpid()}.tmp.ipynb"


def test_sources_summary_groups_files_into_one_line_per_source():
    from scrutiny.run.publish import sources_summary

    inputs = [
        {"path": "a/2019-12.csv", "description": "police.uk", "period": "2019-12"},
        {"path": "a/2020-02.csv", "description": "police.uk", "period": "2020-02"},
        {"path": "a/2020-01.csv", "description": "police.uk", "period": "2020-01"},
        {"path": "lookup.csv", "description": "lookup", "period": "2011 LSOAs"},
        {"path": "x.parquet", "description": "extract", "period": None, "synthetic": True},
        {"path": "plan.yaml", "description": None, "period": None},
    ]
    assert sources_summary(inputs) == [
        {
            "description": "police.uk",
            "files": 3,
            "synthetic": False,
            "period": "2019-12 to 2020-02",
        },
        {"description": "lookup", "files": 1, "synthetic": False, "period": "2011 LSOAs"},
        {"description": "extract", "files": 1, "synthetic": True, "period": "not stated"},
        {"description": "plan.yaml", "files": 1, "synthetic": False, "period": "not stated"},
    ]


# ---------------------------------------------------------------------------------------
# Long unbroken text wraps: the page never grows wider than the window


LONG = "W" * 12_000  # one 12,000-character word: far wider than any window unless it wraps

_WIDTHS = """() => ({
  page: document.documentElement.scrollWidth,
  wrappers: Array.from(document.querySelectorAll('.table-wrap'))
    .map(w => [w.clientWidth, w.scrollWidth]),
})"""


def page_widths(browser, path, width=1280):
    """The document's scroll width and each table wrapper's (client, scroll) widths."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        page.goto(path.resolve().as_uri(), wait_until="load")
        return page.evaluate(_WIDTHS)
    finally:
        context.close()


@pytest.mark.browser
def test_a_12000_character_word_wraps_within_the_window(tmp_path, browser):
    table = (
        f'<div class="table-wrap"><table><caption>Caption {LONG}</caption>'
        f"<thead><tr><th>Name</th><th>Value</th></tr></thead>"
        f'<tbody><tr><th scope="row">{LONG}</th><td class="num">1,234</td></tr></tbody>'
        "</table></div>"
    )
    book = nb(
        code([html_out(f"<h1>Title {LONG}</h1>")]),
        code([html_out(f'<section class="findings"><h2>Key findings</h2><ul><li>{LONG}</li>')]),
        code([html_out(f'<div class="callout"><p>{LONG}</p></div><p>{LONG}</p>')]),
        code([html_out(f"<figure><figcaption>{LONG}</figcaption></figure>{table}")]),
        {"cell_type": "markdown", "metadata": {}, "source": f"## Part {LONG}\n\n{LONG} `{LONG}`"},
    )
    meta = PageMeta(
        **{
            **META.__dict__,
            "parameters": {"street_crime": LONG},
            "inputs": [{**META.inputs[0], "path": f"data/raw/{LONG}.csv"}],
        }
    )
    pages = {
        "report": render_report(book, meta)[0],
        "error": render_error_page(
            meta, summary=f"Code cell 3 raised DataError: {LONG}", traceback=LONG, log=LONG
        ),
        "index": render_index(
            META.cycle,
            [IndexRow("a", f"Crime summary {LONG}", "ok", "OFFICIAL", href="a.html")],
            META.prov,
            generated=datetime(2022, 11, 20, tzinfo=UTC),
        ),
    }
    for name, html in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        widths = page_widths(browser, path)
        assert widths["page"] <= 1300, (name, widths)
        # a table too wide for the page scrolls inside its wrapper instead
        for client, _scroll in widths["wrappers"]:
            assert client <= 1300, (name, widths)
    # In the report's data table the long row header keeps the table wide: it scrolls.
    assert any(
        scroll > client
        for client, scroll in page_widths(browser, tmp_path / "report.html")["wrappers"]
    )
