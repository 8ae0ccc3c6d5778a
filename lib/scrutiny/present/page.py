"""Display helpers that put accessible, self-contained HTML into a notebook's outputs.

Every briefing shows its content through these functions (directly or via
:mod:`scrutiny.present.charts` and :mod:`scrutiny.present.tables`), so the rendered report
has a known shape: headings the runner can build a table of contents from, figures with alt text and
a collapsible data table, and callouts that read well in print. The ``*_html`` functions
are pure (they return a string) and are what the tests check; the others display it.

Every chart is numbered ("Figure 3: ...") and carries its data twice: a collapsed data table
on screen, and a link to download the same frame as CSV, embedded in the page as a
``data:`` URI so it works with the network off ("Download the data for figure 3 (CSV)").
In print the data tables stay out; the chart is a PNG at twice the screen resolution, so
paper is sharp.

In JupyterLab (:func:`in_lab`) the same helpers show the page's styles once per kernel,
so the findings box and callouts look as they do on the published page, and
:func:`scrutiny.present.tables.show_table` shows a pandas ``Styler`` an analyst can copy
and work with; a run of the briefings (``scrutiny run``) and papermill get the published
HTML, unchanged.
"""

from __future__ import annotations

import base64
import io
import itertools
import os
import re
from html import escape
from typing import TYPE_CHECKING

from IPython.display import HTML, display

from scrutiny import provenance

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

#: Resolution of the chart images: twice the screen's 110 dpi, so print is sharp; the page
#: shows them at the screen size (``width``/``height`` of the 110 dpi image).
SCREEN_DPI = 110
PRINT_SCALE = 2
#: Environment variable forcing the display mode: ``lab`` (styles and pandas tables in the
#: notebook) or ``publish`` (the published HTML only).
DISPLAY_ENV = "SCRUTINY_DISPLAY"

SYNTHETIC_NOTE = (
    "Synthetic data: these figures come from a generated extract built from real police.uk "
    "counts with attributes drawn from published distributions. They are illustrative, "
    "not the force's records."
)


#: The page's styles for the helpers' HTML inside JupyterLab, scoped to their own classes
#: (the published page takes ``templates/style.css`` instead).
LAB_CSS = """
.findings { border: 3px solid currentColor; padding: 0.25rem 1.25rem 0.75rem; margin: 1rem 0; }
.findings h2 { border: 0; margin-top: 0.6em; }
.callout { border-left: 6px solid #1d5b99; background: #f3f2f1; color: #0b0c0c;
  padding: 0.5rem 1rem; margin: 1rem 0; }
.callout p { margin: 0.4rem 0; }
.callout-warning { border-left-color: #b35c00; }
.callout-synthetic { border-left-color: #6f3d99; }
.callout-suppressed { border-left-color: #505a5f; }
figure.chart { margin: 1rem 0; }
figure.chart img { max-width: 100%; height: auto; }
figure.chart figcaption .caption { font-weight: 700; display: block; }
figure.chart figcaption .source, figure.chart figcaption .synthetic-tag { display: block; }
table.data-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
"""

_lab_css_shown = False


def in_lab() -> bool:
    """Whether the helpers run in an interactive notebook (JupyterLab) rather than a run.

    ``SCRUTINY_DISPLAY=lab`` or ``publish`` decides; otherwise a kernel started by a
    Jupyter server (which sets ``JPY_SESSION_NAME``) is interactive, unless ``scrutiny
    run`` started it (it sets the inputs log). papermill's kernels are not interactive.
    """
    mode = os.environ.get(DISPLAY_ENV, "").strip().lower()
    if mode in {"lab", "publish"}:
        return mode == "lab"
    if mode:
        raise ValueError(f"{DISPLAY_ENV} must be 'lab' or 'publish', got {mode!r}")
    return "JPY_SESSION_NAME" in os.environ and provenance.INPUTS_LOG_ENV not in os.environ


def lab_css_html() -> str:
    """The ``<style>`` element that styles the helpers' HTML in JupyterLab."""
    return f"<style>{LAB_CSS}</style>"


def lab_styles() -> None:
    """In JupyterLab, display the page's styles if this kernel has not shown them yet."""
    global _lab_css_shown
    if in_lab() and not _lab_css_shown:
        _lab_css_shown = True
        display(HTML(lab_css_html()))


def show_html(html: str) -> None:
    """Display HTML; in JupyterLab, after the page's styles the first time in a kernel."""
    lab_styles()
    display(HTML(html))


def heading_html(text: str, level: int = 2, *, new_page: bool = False) -> str:
    """Return an HTML heading (level 1 to 4); the runner adds anchors for the contents.

    ``new_page`` starts a new page in print (one exception per page, for instance).
    """
    if not 1 <= level <= 4:
        raise ValueError(f"heading level must be 1 to 4, got {level}")
    cls = ' class="new-page"' if new_page else ""
    return f"<h{level}{cls}>{escape(text)}</h{level}>"


def heading(text: str, level: int = 2, *, new_page: bool = False) -> None:
    """Display a heading (``new_page``: it starts a new page in print).

    A level-1 heading starts a page: the next figure is figure 1 again (so a notebook run
    twice in one JupyterLab kernel numbers its figures as the published page does).
    """
    if level == 1:
        reset_figure_numbers()
    show_html(heading_html(text, level, new_page=new_page))


def paragraph_html(text: str) -> str:
    """Return a paragraph of plain text (escaped)."""
    return f"<p>{escape(text)}</p>"


def paragraph(text: str) -> None:
    """Display a paragraph of plain text."""
    show_html(paragraph_html(text))


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
    show_html(findings_html(items, title=title, numbered=numbered))


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
    show_html(callout_html(text, kind))


def synthetic_notice() -> None:
    """Display the standard notice that figures below come from synthetic data."""
    callout(SYNTHETIC_NOTE, "synthetic")


def figure_png_base64(fig: Figure, dpi: int = SCREEN_DPI) -> tuple[str, int, int]:
    """Render a matplotlib figure to PNG; return (base64 text, width px, height px).

    The image is what ``savefig(bbox_inches="tight")`` gives (cropped to everything drawn,
    with ``savefig.pad_inches`` around it, on white, so no label is cut off), drawn once.
    ``savefig`` laid the figure out and drew every artist with rendering off to measure the
    crop box, then drew it again: 19% of the performance briefing (issue 13). Here the
    figure's layout engine (constrained layout for the house charts) runs once, the crop box
    is measured without drawing, and the figure is drawn once with the layout left as it
    is. When something lies outside the figure (a title wider than it), that one draw is
    ``savefig`` into the larger box; otherwise it is the whole figure, cropped.
    """
    import matplotlib as mpl
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    buf = io.BytesIO()
    old_canvas, old_dpi, old_face = fig.canvas, fig.dpi, fig.get_facecolor()
    engine = fig.get_layout_engine()
    canvas = FigureCanvasAgg(fig)
    try:
        fig.dpi = dpi
        fig.set_facecolor("white")
        renderer = canvas.get_renderer()
        if engine is not None:
            engine.execute(fig)  # the layout, once (a placeholder engine does nothing)
            # No engine while drawing: neither Figure.draw nor savefig lays it out again.
            with mpl.rc_context(
                {"figure.autolayout": False, "figure.constrained_layout.use": False}
            ):
                fig.set_layout_engine(None)
        inked = fig.get_tightbbox(renderer)
        box = inked.padded(mpl.rcParams["savefig.pad_inches"])
        width, height = canvas.get_width_height()
        size = int(box.width * dpi + 1e-3), int(box.height * dpi + 1e-3)
        eps = 1e-3
        inside = (
            inked.x0 >= -eps
            and inked.y0 >= -eps
            and inked.x1 * dpi <= width + eps
            and inked.y1 * dpi <= height + eps
        )
        if inside:
            canvas.draw()
            left, top = round(box.x0 * dpi), round(height - box.y1 * dpi)
            whole = np.asarray(canvas.buffer_rgba())
            image = np.full((size[1], size[0], 4), 255, dtype=np.uint8)  # the pad is white
            x0, y0 = max(left, 0), max(top, 0)
            x1, y1 = min(left + size[0], width), min(top + size[1], height)
            image[y0 - top : y1 - top, x0 - left : x1 - left] = whole[y0:y1, x0:x1]
            Image.fromarray(image).save(buf, format="png", dpi=(dpi, dpi))
        else:
            fig.savefig(buf, format="png", dpi=dpi, bbox_inches=box, facecolor="white")
    finally:
        if engine is not None:
            fig.set_layout_engine(engine)
        fig.dpi = old_dpi
        fig.set_facecolor(old_face)
        fig.set_canvas(old_canvas)
    data = buf.getvalue()
    # PNG IHDR: width and height are big-endian 4-byte ints at bytes 16..24.
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    return base64.b64encode(data).decode("ascii"), width, height


def figure_image(fig: Figure) -> tuple[str, int, int]:
    """The chart image for a page: a PNG at :data:`PRINT_SCALE` times the screen resolution.

    Returns
    -------
    tuple
        (base64 PNG, width, height): the size to show it at, that of the same figure at
        :data:`SCREEN_DPI`, so the screen layout is unchanged and print gets the extra pixels.
    """
    png, w, h = figure_png_base64(fig, dpi=SCREEN_DPI * PRINT_SCALE)
    return png, round(w / PRINT_SCALE), round(h / PRINT_SCALE)


_figure_numbers = itertools.count(1)


def next_figure_number() -> int:
    """The next figure number of the page (a level-1 :func:`heading` starts again at 1)."""
    return next(_figure_numbers)


def reset_figure_numbers(start: int = 1) -> None:
    """Number the next figure ``start`` (for a notebook run again in the same kernel)."""
    global _figure_numbers
    _figure_numbers = itertools.count(start)


def csv_text(data: pd.DataFrame) -> str:
    """The data of a chart as CSV text: the columns of its data table, values unformatted."""
    return data.to_csv(index=False, lineterminator="\n")


def csv_data_uri(data: pd.DataFrame) -> str:
    """``data:text/csv`` URI of :func:`csv_text` (base64, UTF-8): a download with no network."""
    raw = csv_text(data).encode("utf-8")
    return "data:text/csv;charset=utf-8;base64," + base64.b64encode(raw).decode("ascii")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def csv_link_html(data: pd.DataFrame, number: int, caption: str | None = None) -> str:
    """Return the link that downloads a chart's data as CSV, named by its figure number.

    Parameters
    ----------
    data
        The frame the chart drew (its data table).
    number
        The figure number on the page.
    caption
        The chart's caption, for the file name (``figure-3-burglary-in-blaby.csv``).
    """
    if number < 1:
        raise ValueError(f"figure numbers start at 1, got {number}")
    name = f"figure-{number}" + (f"-{_slug(caption)}" if caption and _slug(caption) else "")
    return (
        f'<p class="csv-link"><a href="{csv_data_uri(data)}" download="{name}.csv">'
        f"Download the data for figure {number} (CSV)</a></p>"
    )


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
    number: int | None = None,
    data: pd.DataFrame | None = None,
) -> str:
    """Return a ``<figure>`` with an embedded PNG, alt text, caption, CSV link and data table.

    Parameters
    ----------
    png_base64
        The image, base64-encoded PNG.
    alt
        Alt text describing what the chart shows (required, non-empty).
    width, height
        Size to show it at in pixels, so the page does not jump while loading.
    caption
        Visible caption (the chart's title in words).
    source
        Source line, e.g. ``"Source: police.uk street-level crime, December 2019 to
        October 2022"``.
    table_html
        The chart's data as an HTML table, shown collapsed under the chart (on screen
        only: print leaves it out).
    synthetic
        Add the synthetic-data note to the caption.
    number
        The figure number: the caption reads "Figure 3: ..." and the CSV link names it.
    data
        The chart's data, embedded as a CSV download (needs ``number``).
    """
    if not alt or not alt.strip():
        raise ValueError("every chart needs alt text describing what it shows")
    if data is not None and number is None:
        raise ValueError("a chart's CSV link needs its figure number")
    size = ""
    if width and height:
        size = f' width="{width}" height="{height}"'
    parts = [
        '<figure class="chart">',
        f'<img src="data:image/png;base64,{png_base64}" alt="{escape(alt, quote=True)}"{size}>',
    ]
    cap = []
    label = f"Figure {number}" if number is not None else None
    if caption or label:
        text = ": ".join(escape(t) for t in (label, caption) if t)
        cap.append(f'<span class="caption">{text}</span>')
    if source:
        cap.append(f'<span class="source">{escape(source)}</span>')
    if synthetic:
        cap.append('<span class="synthetic-tag">Synthetic data: illustrative only.</span>')
    if cap:
        parts.append(f"<figcaption>{' '.join(cap)}</figcaption>")
    if data is not None and number is not None:
        parts.append(csv_link_html(data, number, caption))
    if table_html:
        what = f"Data table: {escape(caption)}" if caption else "Data table"
        parts.append(f'<details class="data"><summary>{what}</summary>{table_html}</details>')
    parts.append("</figure>")
    return "".join(parts)


def chart_html(
    fig: Figure,
    *,
    alt: str,
    data: pd.DataFrame | None = None,
    caption: str | None = None,
    source: str | None = None,
    synthetic: bool = False,
    count_columns: tuple[str, ...] = (),
    number: int | None = None,
    table_data: pd.DataFrame | None = None,
) -> str:
    """The one way a chart reaches a page: image, number, caption, CSV link, data table.

    Numbers the figure (:func:`next_figure_number` unless ``number`` is given) and, with
    ``data``, embeds the frame the chart drew as a CSV download and a data table whose
    ``count_columns`` cells are marked ``td.count`` for the disclosure scan. Does not close
    the figure (see :func:`show_figure`). ``table_data``: the data table to show when it
    differs from ``data`` (the same rows written out for reading, e.g. money to 2 places);
    the CSV always has ``data``.
    """
    from scrutiny.present.tables import table_html

    png, w, h = figure_image(fig)
    number = next_figure_number() if number is None else number
    shown = data if table_data is None else table_data
    return figure_html(
        png,
        alt=alt,
        width=w,
        height=h,
        caption=caption,
        source=source,
        table_html=(table_html(shown, count_columns=count_columns) if shown is not None else None),
        synthetic=synthetic,
        number=number,
        data=data,
    )


def show_figure(
    fig: Figure,
    *,
    alt: str,
    data: pd.DataFrame | None = None,
    caption: str | None = None,
    source: str | None = None,
    synthetic: bool = False,
    count_columns: tuple[str, ...] = (),
    table_data: pd.DataFrame | None = None,
) -> None:
    """Display a matplotlib figure as an accessible figure (:func:`chart_html`), then close it.

    Closing matters: otherwise the inline backend shows the same chart a second time,
    without alt text, at the end of the cell.
    """
    import matplotlib.pyplot as plt

    html = chart_html(
        fig,
        alt=alt,
        data=data,
        caption=caption,
        source=source,
        synthetic=synthetic,
        count_columns=count_columns,
        table_data=table_data,
    )
    plt.close(fig)
    show_html(html)
