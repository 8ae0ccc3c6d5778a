"""Display helpers that put accessible, self-contained HTML into a notebook's outputs.

Every briefing shows its content through these functions (directly or via
:mod:`scrutiny.present.charts` and :mod:`scrutiny.present.tables`), so the rendered report
has a known shape: headings the runner can build a table of contents from, figures with alt text and
a collapsible data table, and callouts that read well in print. The ``*_html`` functions
are pure (they return a string) and are what the tests check; the others display it.
"""

from __future__ import annotations

import base64
import io
from html import escape
from typing import TYPE_CHECKING

from IPython.display import HTML, display

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

SYNTHETIC_NOTE = (
    "Synthetic data: these figures come from a generated extract built from real police.uk "
    "counts with attributes drawn from published distributions. They are illustrative, "
    "not the force's records."
)


def heading_html(text: str, level: int = 2) -> str:
    """Return an HTML heading (level 1 to 4); the runner adds anchors for the contents."""
    if not 1 <= level <= 4:
        raise ValueError(f"heading level must be 1 to 4, got {level}")
    return f"<h{level}>{escape(text)}</h{level}>"


def heading(text: str, level: int = 2) -> None:
    """Display a heading."""
    display(HTML(heading_html(text, level)))


def paragraph_html(text: str) -> str:
    """Return a paragraph of plain text (escaped)."""
    return f"<p>{escape(text)}</p>"


def paragraph(text: str) -> None:
    """Display a paragraph of plain text."""
    display(HTML(paragraph_html(text)))


def findings_html(
    findings: list[str], *, title: str = "Key findings", numbered: bool = True
) -> str:
    """Return a boxed list of key findings, the summary every briefing opens with."""
    tag = "ol" if numbered else "ul"
    items = "".join(f"<li>{escape(f)}</li>" for f in findings)
    if not items:
        items = "<li>No findings: see the detail below.</li>"
    return (
        f'<section class="findings" aria-label="{escape(title)}">'
        f"<h2>{escape(title)}</h2><{tag}>{items}</{tag}></section>"
    )


def findings(items: list[str], *, title: str = "Key findings", numbered: bool = True) -> None:
    """Display the key-findings box."""
    display(HTML(findings_html(items, title=title, numbered=numbered)))


def callout_html(text: str, kind: str = "note") -> str:
    """Return a callout box; ``kind`` is one of note, warning, synthetic, suppressed."""
    if kind not in {"note", "warning", "synthetic", "suppressed"}:
        raise ValueError(
            f"callout kind must be note, warning, synthetic or suppressed, got {kind!r}"
        )
    role = ' role="alert"' if kind == "warning" else ""
    return f'<div class="callout callout-{kind}"{role}><p>{escape(text)}</p></div>'


def callout(text: str, kind: str = "note") -> None:
    """Display a callout box."""
    display(HTML(callout_html(text, kind)))


def synthetic_notice() -> None:
    """Display the standard notice that figures below come from synthetic data."""
    callout(SYNTHETIC_NOTE, "synthetic")


def figure_png_base64(fig: Figure, dpi: int = 110) -> tuple[str, int, int]:
    """Render a matplotlib figure to PNG; return (base64 text, width px, height px)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    data = buf.getvalue()
    # PNG IHDR: width and height are big-endian 4-byte ints at bytes 16..24.
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    return base64.b64encode(data).decode("ascii"), width, height


def figure_html(
    png_base64: str,
    *,
    alt: str,
    width: int | None = None,
    height: int | None = None,
    caption: str | None = None,
    source: str | None = None,
    table_html: str | None = None,
    synthetic: bool = False,
) -> str:
    """Return a ``<figure>`` with an embedded PNG, alt text, caption and data table.

    Parameters
    ----------
    png_base64
        The image, base64-encoded PNG.
    alt
        Alt text describing what the chart shows (required, non-empty).
    width, height
        Intrinsic size in pixels, so the page does not jump while loading.
    caption
        Visible caption (the chart's title in words).
    source
        Source line, e.g. ``"Source: police.uk street-level crime, 2019-12 to 2022-10"``.
    table_html
        The chart's data as an HTML table, shown collapsed under the chart.
    synthetic
        Add the synthetic-data note to the caption.
    """
    if not alt or not alt.strip():
        raise ValueError("every chart needs alt text describing what it shows")
    size = ""
    if width and height:
        size = f' width="{width}" height="{height}"'
    parts = [
        '<figure class="chart">',
        f'<img src="data:image/png;base64,{png_base64}" alt="{escape(alt, quote=True)}"{size}>',
    ]
    cap = []
    if caption:
        cap.append(f'<span class="caption">{escape(caption)}</span>')
    if source:
        cap.append(f'<span class="source">{escape(source)}</span>')
    if synthetic:
        cap.append('<span class="synthetic-tag">Synthetic data: illustrative only.</span>')
    if cap:
        parts.append(f"<figcaption>{' '.join(cap)}</figcaption>")
    if table_html:
        label = f"Data table: {escape(caption)}" if caption else "Data table"
        parts.append(f'<details class="data"><summary>{label}</summary>{table_html}</details>')
    parts.append("</figure>")
    return "".join(parts)


def show_figure(
    fig: Figure,
    *,
    alt: str,
    data: pd.DataFrame | None = None,
    caption: str | None = None,
    source: str | None = None,
    synthetic: bool = False,
) -> None:
    """Display a matplotlib figure as an accessible figure, then close it.

    Closing matters: otherwise the inline backend shows the same chart a second time,
    without alt text, at the end of the cell.
    """
    import matplotlib.pyplot as plt

    from scrutiny.present.tables import table_html

    png, w, h = figure_png_base64(fig)
    plt.close(fig)
    tbl = table_html(data) if data is not None else None
    display(
        HTML(
            figure_html(
                png,
                alt=alt,
                width=w,
                height=h,
                caption=caption,
                source=source,
                table_html=tbl,
                synthetic=synthetic,
            )
        )
    )
