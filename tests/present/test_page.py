import base64
import io

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


def test_show_figure_closes_the_figure(monkeypatch):
    shown = []
    monkeypatch.setattr(page, "display", lambda obj: shown.append(obj.data))
    fig, ax = plt.subplots()
    ax.bar(["a"], [1])
    page.show_figure(fig, alt="One bar", data=pd.DataFrame({"x": ["a"], "n": [1]}))
    assert not plt.fignum_exists(fig.number)
    assert 'alt="One bar"' in shown[0] and "<td>a</td>" in shown[0]
