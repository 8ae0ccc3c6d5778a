import base64
import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from scrutiny.present import page  # noqa: E402


def test_heading_escapes_and_checks_level():
    assert page.heading_html("Rape & sexual offences", 2) == "<h2>Rape &amp; sexual offences</h2>"
    with pytest.raises(ValueError, match="1 to 4"):
        page.heading_html("x", 5)


def test_findings_numbered_and_empty():
    html = page.findings_html(["One", "Two <b>"])
    assert "<ol><li>One</li><li>Two &lt;b&gt;</li></ol>" in html
    assert "<h2>Key findings</h2>" in html
    assert "No findings" in page.findings_html([])


def test_callout_kinds():
    assert 'role="alert"' in page.callout_html("Above the limit", "warning")
    assert "callout-synthetic" in page.callout_html("x", "synthetic")
    with pytest.raises(ValueError, match="callout kind"):
        page.callout_html("x", "shout")


def test_figure_html_requires_alt_and_embeds_table():
    with pytest.raises(ValueError, match="alt text"):
        page.figure_html("AAAA", alt="  ")
    html = page.figure_html(
        "AAAA",
        alt='Bar chart of "crime"',
        width=10,
        height=5,
        caption="Crime",
        source="Source: police.uk",
        table_html="<table></table>",
        synthetic=True,
    )
    assert 'alt="Bar chart of &quot;crime&quot;"' in html
    assert 'width="10" height="5"' in html
    assert "<summary>Data table: Crime</summary><table></table>" in html
    assert "Synthetic data" in html
    assert html.startswith('<figure class="chart"><img src="data:image/png;base64,AAAA"')


def test_figure_png_is_a_png_with_its_size():
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([1, 2], [1, 2])
    b64, w, h = page.figure_png_base64(fig, dpi=50)
    plt.close(fig)
    raw = base64.b64decode(b64)
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    # The size read from the PNG header must agree with Pillow's independent decoding.
    from PIL import Image

    with Image.open(io.BytesIO(raw)) as img:
        assert (w, h) == img.size


def _tight_reference(fig, dpi):
    """The image ``savefig(bbox_inches="tight")`` gives, as an RGBA array."""
    import numpy as np
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    with Image.open(io.BytesIO(buf.getvalue())) as img:
        return np.asarray(img.convert("RGBA"), dtype=int)


def _drawn(b64):
    import numpy as np
    from PIL import Image

    with Image.open(io.BytesIO(base64.b64decode(b64))) as img:
        return np.asarray(img.convert("RGBA"), dtype=int)


def _same_picture(got, expected):
    """The same ink in the same place (to a pixel: the crop may sit up to half a pixel
    apart, which moves antialiased edges), and none of it at the border (nothing cut off)."""
    import numpy as np

    def ink(rgba):
        return (rgba[..., :3] < 160).any(axis=-1)

    a, b = ink(got), ink(expected)
    rows = [np.nonzero(x.any(axis=1))[0][[0, -1]] for x in (a, b)]
    cols = [np.nonzero(x.any(axis=0))[0][[0, -1]] for x in (a, b)]
    assert abs(rows[0] - rows[1]).max() <= 1 and abs(cols[0] - cols[1]).max() <= 1
    assert not (a[:3].any() or a[-3:].any() or a[:, :3].any() or a[:, -3:].any())
    assert abs(int(a.sum()) - int(b.sum())) <= 0.05 * b.sum()


def _count_draws(monkeypatch):
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    calls = {"draw": 0, "layout": 0}
    draw, execute = Figure.draw, ConstrainedLayoutEngine.execute

    def counted_draw(self, renderer):
        calls["draw"] += 1
        return draw(self, renderer)

    def counted_execute(self, fig):
        calls["layout"] += 1
        return execute(self, fig)

    monkeypatch.setattr(Figure, "draw", counted_draw)
    monkeypatch.setattr(ConstrainedLayoutEngine, "execute", counted_execute)
    return calls


def _house_figure(title):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.plot([1, 2, 3], [3, 1, 2], label="Recorded")
    ax.set_title(title, loc="left")
    ax.set_ylabel("Offences per month")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=1)
    fig.supxlabel("Source: police.uk", x=0.01, ha="left", fontsize=7)
    return fig


@pytest.mark.parametrize(
    "title",
    ["Violence", "Violence and sexual offences for the force: a title wider than the figure"],
)
def test_figure_png_draws_once_what_a_tight_savefig_draws_twice(monkeypatch, title):
    # savefig(bbox_inches="tight") lays out, draws with rendering off to measure, then draws
    # again (issue 13). The page's image must be the same picture, nothing cut off (the
    # long title reaches beyond the 3-inch figure), from one layout and one draw.
    fig = _house_figure(title)
    expected = _tight_reference(_house_figure(title), dpi=80)
    calls = _count_draws(monkeypatch)
    b64, w, h = page.figure_png_base64(fig, dpi=80)
    assert calls == {"draw": 1, "layout": 1}
    got = _drawn(b64)
    assert got.shape == expected.shape and (w, h) == (got.shape[1], got.shape[0])
    if len(title) > 20:
        assert w > 3 * 80 + 40  # the whole title, well beyond the figure's 240 pixels
    _same_picture(got, expected)
    # The figure is left as it was: its size, canvas and layout engine.
    assert fig.dpi == 100 and fig.get_layout_engine() is not None
    assert type(fig.get_layout_engine()).__name__ == "ConstrainedLayoutEngine"


def test_figure_png_of_a_figure_without_a_layout_engine():
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([1, 2], [1, 2])
    ax.set_title("Title")
    expected = _tight_reference(fig, dpi=60)
    canvas = fig.canvas
    got = _drawn(page.figure_png_base64(fig, dpi=60)[0])
    assert fig.canvas is canvas and fig.get_layout_engine() is None
    plt.close(fig)
    assert got.shape == expected.shape
    _same_picture(got, expected)


def test_show_figure_closes_the_figure(monkeypatch):
    shown = []
    monkeypatch.setattr(page, "display", lambda obj: shown.append(obj.data))
    fig, ax = plt.subplots()
    ax.bar(["a"], [1])
    page.show_figure(fig, alt="One bar", data=pd.DataFrame({"x": ["a"], "n": [1]}))
    assert not plt.fignum_exists(fig.number)
    assert 'alt="One bar"' in shown[0] and "<td>a</td>" in shown[0]


# -- the CSV link, figure numbers and print resolution (issue 14) ---------------------------


def _decode(uri: str) -> str:
    head, _, payload = uri.partition(",")
    assert head == "data:text/csv;charset=utf-8;base64"
    return base64.b64decode(payload).decode("utf-8")


def test_csv_data_uri_holds_the_frame_unformatted():
    frame = pd.DataFrame({"month": ["2022-09", "2022-10"], "count": [1234, 5], "rate": [0.25, 1.5]})
    # Written out by hand: a header, then one line per row, numbers as numbers.
    assert _decode(page.csv_data_uri(frame)) == (
        "month,count,rate\n2022-09,1234,0.25\n2022-10,5,1.5\n"
    )


def test_csv_link_names_the_figure_and_downloads_a_file():
    frame = pd.DataFrame({"x": ["a, b"], "n": [3]})
    html = page.csv_link_html(frame, 3, "Burglary in Blaby: monthly count")
    assert ">Download the data for figure 3 (CSV)</a>" in html
    assert 'download="figure-3-burglary-in-blaby-monthly-count.csv"' in html
    uri = html.split('href="', 1)[1].split('"', 1)[0]
    assert _decode(uri) == 'x,n\n"a, b",3\n'  # the comma inside a value is quoted
    with pytest.raises(ValueError, match="start at 1"):
        page.csv_link_html(frame, 0)


def test_figure_html_numbers_the_caption_and_adds_the_link_before_the_table():
    frame = pd.DataFrame({"x": ["a"], "n": [1]})
    html = page.figure_html(
        "AAAA", alt="One bar", caption="Crime", table_html="<table></table>", number=2, data=frame
    )
    assert '<span class="caption">Figure 2: Crime</span>' in html
    assert html.index("Download the data for figure 2 (CSV)") < html.index('<details class="data">')
    with pytest.raises(ValueError, match="figure number"):
        page.figure_html("AAAA", alt="One bar", data=frame)


def test_chart_html_numbers_figures_in_order_and_renders_at_twice_the_resolution():
    page.reset_figure_numbers()
    shapes = []
    for _ in range(2):
        fig, ax = plt.subplots(figsize=(2, 1))
        ax.plot([1, 2], [1, 2])
        shapes.append(page.figure_png_base64(fig)[1:])
        html = page.chart_html(fig, alt="A line", data=pd.DataFrame({"x": [1]}), caption="Line")
        plt.close(fig)
    assert "Figure 2: Line" in html and "figure 2 (CSV)" in html
    b64 = html.split("base64,", 1)[1].split('"', 1)[0]
    from PIL import Image

    with Image.open(io.BytesIO(base64.b64decode(b64))) as img:
        w, h = img.size
    # Shown at the 110 dpi size; the image itself has twice the pixels (print is sharp).
    # (a tight bounding box may round a pixel differently at the two resolutions)
    screen_w, screen_h = shapes[-1]
    attr_w, attr_h = map(int, re.search(r'width="(\d+)" height="(\d+)"', html).groups())
    assert abs(attr_w - screen_w) <= 1 and abs(attr_h - screen_h) <= 1
    assert (attr_w, attr_h) == (round(w / 2), round(h / 2))
    page.reset_figure_numbers()


def test_show_figure_table_data_shows_other_words_but_the_csv_keeps_numbers(monkeypatch):
    shown = []
    monkeypatch.setattr(page, "display", lambda obj: shown.append(obj.data))
    fig, ax = plt.subplots()
    ax.bar(["a"], [1])
    data = pd.DataFrame({"x": ["a"], "money": [1234.5]})
    page.show_figure(
        fig, alt="One bar", data=data, table_data=pd.DataFrame({"x": ["a"], "money": ["£1,234.50"]})
    )
    assert "<td>£1,234.50</td>" in shown[-1]
    uri = shown[-1].split('class="csv-link"><a href="', 1)[1].split('"', 1)[0]
    assert _decode(uri) == "x,money\na,1234.5\n"


def test_new_page_heading_for_print():
    assert page.heading_html("Burglary: Blaby", 3, new_page=True) == (
        '<h3 class="new-page">Burglary: Blaby</h3>'
    )


# -- JupyterLab ---------------------------------------------------------------------------


def test_in_lab_from_the_environment(monkeypatch):
    from scrutiny import provenance

    for name in (page.DISPLAY_ENV, "JPY_SESSION_NAME", provenance.INPUTS_LOG_ENV):
        monkeypatch.delenv(name, raising=False)
    assert not page.in_lab()  # papermill, plain Python
    monkeypatch.setenv("JPY_SESSION_NAME", "notebooks/deep_dive.ipynb")
    assert page.in_lab()  # a kernel started by JupyterLab
    monkeypatch.setenv(provenance.INPUTS_LOG_ENV, "/tmp/inputs.jsonl")
    assert not page.in_lab()  # scrutiny run publishes the page
    monkeypatch.setenv(page.DISPLAY_ENV, "lab")
    assert page.in_lab()
    monkeypatch.setenv(page.DISPLAY_ENV, "pretty")
    with pytest.raises(ValueError, match="SCRUTINY_DISPLAY"):
        page.in_lab()


def test_lab_gets_the_styles_once_and_published_pages_never(monkeypatch):
    shown = []
    monkeypatch.setattr(page, "display", lambda obj: shown.append(obj.data))
    monkeypatch.setattr(page, "_lab_css_shown", False)
    monkeypatch.setenv(page.DISPLAY_ENV, "publish")
    page.findings(["One"])
    assert "<style>" not in shown[-1]
    monkeypatch.setenv(page.DISPLAY_ENV, "lab")
    page.findings(["One"])
    page.callout("Two")
    styles = [s for s in shown if s.startswith("<style>")]
    assert len(styles) == 1 and ".findings {" in styles[0] and ".callout-warning" in styles[0]
    # scoped to the helpers' classes: nothing restyles JupyterLab's own page
    assert not re.search(r"(^|\n)\s*(body|html|h1|h2|table|a)\s*\{", page.LAB_CSS)
    assert shown[-1].startswith('<div class="callout callout-note">')


def test_a_page_title_numbers_figures_from_one_again(monkeypatch):
    monkeypatch.setattr(page, "display", lambda obj: None)
    page.heading("First page", 1)
    assert [page.next_figure_number(), page.next_figure_number()] == [1, 2]
    page.heading("A section", 2)
    assert page.next_figure_number() == 3
    page.heading("The notebook run again", 1)
    assert page.next_figure_number() == 1
