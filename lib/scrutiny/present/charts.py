"""House chart style and chart builders that return the figure, its alt text and its data.

Every builder returns a :class:`Chart`: the matplotlib ``Figure``, alt text written from the
data, the data table behind the chart, and the caption and source line. ``Chart.show()``
passes all of it to :func:`scrutiny.present.page.show_figure`, and each ``show_*`` function is the
builder followed by ``show()``.

House style: DejaVu Sans at sizes readable at 100% zoom; the Okabe-Ito colour-blind-safe
palette; shapes and line styles as well as colours carry meaning; thousands separators on
axes; a source line (and a "synthetic data" note where it applies) printed on the image.
Figures are created without pyplot (the Agg canvas), so nothing is shown twice in a
notebook and nothing leaks between charts.

SPC charts follow Making Data Count: grey common-cause points, blue special-cause
improvement, orange special-cause concern, purple neutral, with the variation and
assurance icons in the top right.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from scrutiny.analysis.narrative import fmt_num, fmt_value, month_label, spc_pattern, spc_status
from scrutiny.present.tables import ICON_STYLE
from scrutiny.stats import compare, dispersion, spc

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
#: Order in which series take colours (yellow left out: too pale on white).
SERIES_COLOURS = ["blue", "orange", "green", "vermillion", "purple", "sky_blue", "black"]
SERIES_STYLES = ["-", "--", ":", "-.", (0, (5, 1, 1, 1)), (0, (1, 1)), (0, (3, 1, 1, 1, 1, 1))]
GREY = "#767676"  # 4.5:1 contrast on white
CONCERN = "#D55E00"  # Okabe-Ito vermillion: reads as orange, 3.9:1 contrast on white
NEUTRAL = "#8E4585"  # plum: purple with enough contrast for markers and icons
TARGET = OKABE_ITO["green"]
LIGHT_GREY = "#BDBDBD"
TEXT = "#1A1A1A"

SPC_STYLE: dict[str, dict[str, Any]] = {
    "common_cause": {"color": GREY, "marker": "o", "label": "Common cause"},
    "special_cause_improvement": {
        "color": OKABE_ITO["blue"],
        "marker": "s",
        "label": "Special cause: improvement",
    },
    "special_cause_concern": {
        "color": CONCERN,
        "marker": "D",
        "label": "Special cause: concern",
    },
    "special_cause_neutral": {
        "color": NEUTRAL,
        "marker": "^",
        "label": "Special cause: neither better nor worse",
    },
}

RC = {
    "font.family": "DejaVu Sans",
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "axes.edgecolor": GREY,
    "axes.labelcolor": TEXT,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.8,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "text.color": TEXT,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}
FIGSIZE = (9.0, 5.0)


@contextlib.contextmanager
def house_style() -> Iterator[None]:
    """Apply the house style (fonts, sizes, spines, grid) inside a ``with`` block."""
    with mpl.rc_context(RC):
        yield


@dataclass
class Chart:
    """A finished chart: the figure with everything needed to publish it accessibly.

    Attributes
    ----------
    figure
        The matplotlib figure.
    alt
        Alt text written from the data.
    data
        The data behind the chart, shown as a table under it.
    caption
        Visible caption (defaults to the title).
    source
        Source line.
    synthetic
        Whether the data are synthetic (adds the note).
    """

    figure: Figure
    alt: str
    data: pd.DataFrame
    caption: str | None = None
    source: str | None = None
    synthetic: bool = False

    def show(self) -> None:
        """Display through :func:`scrutiny.present.page.show_figure` (alt text, table, caption)."""
        from scrutiny.present.page import show_figure

        show_figure(
            self.figure,
            alt=self.alt,
            data=self.data,
            caption=self.caption,
            source=self.source,
            synthetic=self.synthetic,
        )

    def html(self) -> str:
        """Return the accessible ``<figure>`` HTML without displaying it (numbered, with CSV)."""
        from scrutiny.present.page import chart_html

        return chart_html(
            self.figure,
            alt=self.alt,
            data=self.data,
            caption=self.caption,
            source=self.source,
            synthetic=self.synthetic,
        )


# ---------------------------------------------------------------- helpers


def _new_figure(figsize: tuple[float, float] = FIGSIZE) -> tuple[Figure, Any]:
    fig = Figure(figsize=figsize, dpi=100, layout="constrained")
    ax = fig.add_subplot()
    return fig, ax


def _thousands(ax_axis: Any, decimals: int = 0) -> None:
    ax_axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.{decimals}f}"))


def _auto_decimals(values: np.ndarray) -> int:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0
    span = float(finite.max() - finite.min()) or float(abs(finite).max()) or 1.0
    return 0 if span >= 20 else (1 if span >= 2 else 2)


def add_footer(fig: Figure, source: str | None, synthetic: bool) -> None:
    """Print the source line (and the synthetic note) at the foot of the image."""
    parts = []
    if source:
        parts.append(source if source.lower().startswith("source") else f"Source: {source}")
    if synthetic:
        parts.append("Synthetic data: illustrative only.")
    if parts:
        fig.get_layout_engine().set(h_pad=0.1)
        fig.supxlabel("   ".join(parts), x=0.01, ha="left", fontsize=9, color=GREY)


def _x_values(dates: pd.Series | pd.Index) -> np.ndarray | pd.DatetimeIndex:
    """Dates for plotting: periods become timestamps; labels stay positions."""
    idx = pd.Index(dates)
    if isinstance(idx, pd.PeriodIndex):
        return idx.to_timestamp()
    if isinstance(idx, pd.DatetimeIndex):
        return idx
    if pd.api.types.is_numeric_dtype(idx):
        return idx.to_numpy()
    return np.arange(len(idx))


def _label_axis_if_categorical(ax: Any, dates: pd.Series | pd.Index) -> None:
    idx = pd.Index(dates)
    if not isinstance(idx, pd.PeriodIndex | pd.DatetimeIndex) and not (
        pd.api.types.is_numeric_dtype(idx)
    ):
        step = max(1, len(idx) // 12)
        ax.set_xticks(np.arange(len(idx))[::step], [str(v) for v in idx[::step]])


def _date_axis(ax: Any, dates: pd.Series | pd.Index) -> None:
    """Month ticks labelled like "Jan 2021", spaced to fit."""
    idx = pd.Index(dates)
    if not isinstance(idx, pd.PeriodIndex | pd.DatetimeIndex) or len(idx) < 2:
        return
    first, last = idx.min(), idx.max()
    months = (last.year - first.year) * 12 + (last.month - first.month) + 1
    step = 1 if months <= 8 else 3 if months <= 30 else 6 if months <= 72 else 12
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=range(1, 13, step)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))


def _span(dates: pd.Series | pd.Index) -> str:
    idx = pd.Index(dates)
    if len(idx) == 0:
        return ""
    return f"{month_label(idx[0])} to {month_label(idx[-1])}"


# ---------------------------------------------------------------- SPC


def _icon_row(ax: Any, icons: list[tuple[str, str, str]]) -> None:
    """Draw icons (colour, letter, label) in a row between the title and the plot."""
    anchor: Any = "axes fraction"
    xy = (0.0, 1.035)
    for colour, letter, label in icons:
        icon = ax.annotate(
            letter,
            xy=xy,
            xycoords=anchor,
            xytext=(9 if anchor == "axes fraction" else 22, 0),
            textcoords="offset points",
            ha="center",
            va="center",
            fontsize=10,
            fontweight="bold",
            color=colour,
            bbox={"boxstyle": "circle,pad=0.25", "fc": "white", "ec": colour, "lw": 2.2},
        )
        text = ax.annotate(
            label,
            xy=(1, 0.5),
            xycoords=icon,
            xytext=(9, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=10,
        )
        anchor, xy = text, (1, 0.5)


_VARIATION_DRAW = {k: v for k, v in ICON_STYLE.items() if k in spc.VARIATION_ICONS}
_ASSURANCE_DRAW = {k: v for k, v in ICON_STYLE.items() if k in spc.ASSURANCE_ICONS}


def spc_alt_text(
    result: pd.DataFrame, title: str, *, unit: str = "", point_word: str = "month"
) -> str:
    """Alt text for an SPC chart, written from the result.

    E.g. "SPC chart (XmR) of monthly violence with injury, November 2019 to October 2022:
    36 months, mean 612 offences, process limits 498 to 726; latest 701 in October 2022:
    special-cause concern, 7 months in a row above its average."
    """
    s = spc.summarise(result)
    unit_txt = f" {unit}" if unit else ""
    parts = [
        f"SPC chart (XmR) of {title[:1].lower() + title[1:]}, {_span(result['date'])}: "
        f"{s.n_points} {point_word}s"
    ]
    if s.n_missing:
        parts[0] += f" ({s.n_missing} with no data)"
    n_seg = int(result["segment"].max()) + 1
    if n_seg > 1:
        parts.append(f"limits recalculated from {month_label(s.segment_start)} ({n_seg} periods)")
    if math.isfinite(s.lpl):
        parts.append(
            f"mean {fmt_value(s.mean)}{unit_txt}, process limits {fmt_value(s.lpl)} to "
            f"{fmt_value(s.upl)}"
        )
    else:
        parts.append(f"mean {fmt_value(s.mean)}{unit_txt}, too few points for limits")
    if s.target is not None:
        parts.append(f"target {fmt_value(s.target)}")
    text = ", ".join(parts)
    pattern = spc_pattern(s, point_word=point_word)
    latest = f"latest {fmt_value(s.latest_value)} in {month_label(s.latest_date)}"
    if pattern:
        text += f"; {latest}: {spc_status(s)}, {pattern}."
    else:
        text += f"; {latest}: {spc_status(s)}."
    special = s.n_special_improvement + s.n_special_concern + s.n_special_neutral
    if special and s.latest_point_type == "common_cause":
        text += f" {special} earlier {point_word}s in the current period show special causes."
    if s.trial_limits:
        text += " The limits are trial limits (fewer than 12 points)."
    return text


def spc_table(result: pd.DataFrame) -> pd.DataFrame:
    """The data table behind an SPC chart, with plain-English columns."""
    table = pd.DataFrame(
        {
            "Month": [month_label(d, short=True) for d in result["date"]],
            "Value": result["value"].to_numpy(),
            "Mean": result["mean"].to_numpy(),
            "Lower process limit": result["lpl"].to_numpy(),
            "Upper process limit": result["upl"].to_numpy(),
        }
    )
    if result["target"].notna().any():
        table["Target"] = result["target"].to_numpy()
    table["Point"] = [SPC_STYLE.get(t, {"label": "No data"})["label"] for t in result["point_type"]]
    table["Why"] = [
        spc.SPECIAL_CAUSES[c][1] if c in spc.SPECIAL_CAUSES else "" for c in result["special_cause"]
    ]
    return table


def spc_chart(
    result: pd.DataFrame,
    title: str,
    *,
    y_label: str,
    source: str | None = None,
    synthetic: bool = False,
    caption: str | None = None,
    unit: str = "",
    point_word: str = "month",
    show_icons: bool = True,
    show_near_limits: bool = False,
    figsize: tuple[float, float] = FIGSIZE,
) -> Chart:
    """SPC (XmR) chart in the Making Data Count style.

    Parameters
    ----------
    result
        Output of :func:`scrutiny.stats.spc.xmr`.
    title
        Chart title, e.g. ``"Monthly violence with injury"``.
    y_label
        Y-axis label with units, e.g. ``"Offences per month"``.
    source
        Source line printed on the chart and under it.
    synthetic
        Add the synthetic-data note.
    caption
        Caption under the chart (default: the title).
    unit
        Unit word for the alt text (``"offences"``).
    point_word
        ``"month"``, ``"week"``, ...
    show_icons
        Draw the variation (and assurance, if there is a target) icons.
    show_near_limits
        Also draw the near (2-sigma) limits, faintly.
    figsize
        Figure size in inches.

    Returns
    -------
    Chart
    """
    s = spc.summarise(result)
    with house_style():
        fig, ax = _new_figure(figsize)
        x = _x_values(result["date"])
        y = result["value"].to_numpy(dtype=float)
        ax.plot(x, y, color=LIGHT_GREY, linewidth=1.6, zorder=1)
        for seg in sorted(result["segment"].unique()):
            m = (result["segment"] == seg).to_numpy()
            xs = x[m]
            ax.plot(xs, result["mean"].to_numpy()[m], color=TEXT, linewidth=1.4, zorder=2)
            for col in ("lpl", "upl"):
                ax.plot(
                    xs,
                    result[col].to_numpy()[m],
                    color=GREY,
                    linestyle="--",
                    linewidth=1.2,
                    zorder=2,
                )
            if show_near_limits:
                for col in ("near_lpl", "near_upl"):
                    ax.plot(
                        xs,
                        result[col].to_numpy()[m],
                        color=LIGHT_GREY,
                        linestyle=":",
                        linewidth=1,
                        zorder=2,
                    )
            if result["trial_limits"].to_numpy()[m].any():
                ax.annotate(
                    "Trial limits",
                    xy=(xs[0], result["lpl"].to_numpy()[m][0]),
                    xytext=(2, 4),
                    textcoords="offset points",
                    fontsize=9,
                    color=GREY,
                )
        if s.target is not None:
            ax.axhline(s.target, color=TARGET, linestyle="-.", linewidth=1.6, zorder=2)
        present = []
        for ptype, style in SPC_STYLE.items():
            m = (result["point_type"] == ptype).to_numpy()
            if m.any():
                present.append(ptype)
                ax.scatter(
                    x[m],
                    y[m],
                    s=36 if ptype == "common_cause" else 52,
                    color=style["color"],
                    marker=style["marker"],
                    edgecolors="white",
                    linewidths=0.6,
                    zorder=3,
                )
        handles = [
            Line2D([], [], color=TEXT, linewidth=1.4, label="Mean"),
            Line2D([], [], color=GREY, linestyle="--", linewidth=1.2, label="Process limits"),
        ]
        if s.target is not None:
            handles.append(
                Line2D([], [], color=TARGET, linestyle="-.", linewidth=1.6, label="Target")
            )
        for ptype in present:
            st = SPC_STYLE[ptype]
            handles.append(
                Line2D(
                    [],
                    [],
                    color=st["color"],
                    marker=st["marker"],
                    linestyle="none",
                    markersize=7,
                    label=st["label"],
                )
            )
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12),
            ncol=min(4, len(handles)),
        )
        ax.set_title(title, loc="left", pad=30 if show_icons else 10)
        ax.set_ylabel(y_label)
        _date_axis(ax, result["date"])
        _thousands(ax.yaxis, _auto_decimals(y))
        _label_axis_if_categorical(ax, result["date"])
        if show_icons:
            colour, letter = _VARIATION_DRAW[s.variation]
            icons = [(colour, letter, spc.VARIATION_ICONS[s.variation])]
            if s.assurance is not None:
                a_colour, a_letter = _ASSURANCE_DRAW[s.assurance]
                icons.append((a_colour, a_letter, spc.ASSURANCE_ICONS[s.assurance]))
            _icon_row(ax, icons)
        add_footer(fig, source, synthetic)
    return Chart(
        figure=fig,
        alt=spc_alt_text(result, title, unit=unit, point_word=point_word),
        data=spc_table(result),
        caption=caption or title,
        source=source,
        synthetic=synthetic,
    )


def show_spc_chart(result: pd.DataFrame, title: str, **kwargs: Any) -> None:
    """Build :func:`spc_chart` and display it."""
    spc_chart(result, title, **kwargs).show()


# ---------------------------------------------------------------- funnel


def funnel_chart(
    funnel: pd.DataFrame,
    title: str,
    *,
    highlight: str | None = None,
    x_label: str = "Population",
    y_label: str = "Rate per 1,000 population",
    what: str = "areas",
    per: int = 1000,
    label_all: bool | None = None,
    source: str | None = None,
    synthetic: bool = False,
    caption: str | None = None,
    figsize: tuple[float, float] = FIGSIZE,
) -> Chart:
    """Funnel plot from :func:`scrutiny.stats.compare.funnel` or ``dispersion.funnel_adjusted``.

    The curves are the limits the points' bands were read from: exact Poisson limits, or,
    when the frame says so (``limits_method``, ``phi``, ``tau2``), the over-dispersed limits.

    Parameters
    ----------
    funnel
        Output of :func:`scrutiny.stats.compare.funnel` or
        :func:`scrutiny.stats.dispersion.funnel_adjusted` (index: area names).
    title
        Chart title.
    highlight
        An area to emphasise (black outline and label).
    x_label, y_label
        Axis labels with units.
    what
        Plural noun for the units in the alt text (``"forces"``, ``"districts"``).
    per
        Rates are per this many people (as given to ``compare.funnel``).
    label_all
        Label every point (default: when there are 15 or fewer).
    source, synthetic, caption, figsize
        As for :func:`spc_chart`.

    Returns
    -------
    Chart
    """
    target = float(funnel["target_rate"].iloc[0])
    pop = funnel["population"].to_numpy(dtype=float)
    grid = np.geomspace(pop.min() * 0.8, pop.max() * 1.1, 200)
    method = str(funnel["limits_method"].iloc[0]) if "limits_method" in funnel else "none"
    if method == "none":
        lim = compare.funnel_limits(grid, target, per=per)
    else:  # the same over-dispersed limits the verdicts and the points' bands use
        fd = dispersion.dispersion_of(funnel["phi"].iloc[0], funnel["tau2"].iloc[0])
        lim = dispersion.funnel_limits_adjusted(grid, target, fd, method=method, per=per)
    label_all = len(funnel) <= 15 if label_all is None else label_all
    styles = {
        "within 95% limits": (GREY, "o", "Within 95% limits"),
        "above 95% limit": (OKABE_ITO["blue"], "s", "Beyond 95% limit"),
        "below 95% limit": (OKABE_ITO["blue"], "s", "Beyond 95% limit"),
        "above 99.8% limit": (OKABE_ITO["vermillion"], "D", "Beyond 99.8% limit"),
        "below 99.8% limit": (OKABE_ITO["vermillion"], "D", "Beyond 99.8% limit"),
    }
    with house_style():
        fig, ax = _new_figure(figsize)
        ax.plot(grid, lim["upper_95"], color=GREY, linestyle="--", linewidth=1.2)
        ax.plot(grid, lim["lower_95"], color=GREY, linestyle="--", linewidth=1.2)
        ax.plot(grid, lim["upper_99_8"], color=TEXT, linestyle=":", linewidth=1.4)
        ax.plot(grid, lim["lower_99_8"], color=TEXT, linestyle=":", linewidth=1.4)
        ax.axhline(target, color=TEXT, linewidth=1.2)
        seen: dict[str, Any] = {}
        for name, row in funnel.iterrows():
            colour, marker, label = styles[row["band"]]
            is_hi = highlight is not None and name == highlight
            ax.scatter(
                row["population"],
                row["rate"],
                color=colour,
                marker=marker,
                s=70 if is_hi else 44,
                edgecolors=TEXT if is_hi else "white",
                linewidths=1.6 if is_hi else 0.6,
                zorder=3,
            )
            seen.setdefault(label, (colour, marker))
            if label_all or is_hi or "99.8" in row["band"]:
                ax.annotate(
                    str(name),
                    (row["population"], row["rate"]),
                    xytext=(5, 3),
                    textcoords="offset points",
                    fontsize=9,
                    fontweight="bold" if is_hi else "normal",
                )
        allowing = "" if method == "none" else ", allowing for over-dispersion"
        handles = [
            Line2D([], [], color=TEXT, linewidth=1.2, label=f"Average ({fmt_num(target)})"),
            Line2D([], [], color=GREY, linestyle="--", label=f"95% limits{allowing}"),
            Line2D([], [], color=TEXT, linestyle=":", label=f"99.8% limits{allowing}"),
        ] + [
            Line2D([], [], color=c, marker=m, linestyle="none", markersize=7, label=lab)
            for lab, (c, m) in seen.items()
        ]
        ax.legend(handles=handles, loc="upper right", ncol=2)
        ax.set_title(title, loc="left", pad=10)
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        _thousands(ax.xaxis)
        _thousands(ax.yaxis, _auto_decimals(funnel["rate"].to_numpy(dtype=float)))
        add_footer(fig, source, synthetic)
    alt = _funnel_alt(funnel, title, highlight=highlight, what=what, per=per)
    data = funnel.reset_index().rename(columns={funnel.index.name or "index": "Area"})
    return Chart(fig, alt, data, caption or title, source, synthetic)


def _names(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _funnel_alt(
    funnel: pd.DataFrame, title: str, *, highlight: str | None, what: str, per: int
) -> str:
    target = float(funnel["target_rate"].iloc[0])
    text = (
        f"Funnel plot of {title[:1].lower() + title[1:]}: {len(funnel)} {what}, rate per "
        f"{per:,} people against population, centred on {fmt_num(target)} per {per:,}"
    )
    parts = []
    for side in ("above", "below"):
        outer = list(funnel.index[funnel["band"] == f"{side} 99.8% limit"].astype(str))
        inner = list(funnel.index[funnel["band"] == f"{side} 95% limit"].astype(str))
        if outer:
            parts.append(f"{len(outer)} {side} the 99.8% limit ({_names(outer)})")
        if inner:
            parts.append(f"{len(inner)} {side} the 95% limit only ({_names(inner)})")
    within = int((funnel["band"] == "within 95% limits").sum())
    parts.append(f"{within} within the 95% limits")
    text += "; " + "; ".join(parts) + "."
    if "limits_method" in funnel and str(funnel["limits_method"].iloc[0]) != "none":
        text += (
            f" The limits allow for the usual variation between {what} (over-dispersion), "
            "as the verdicts on the page do."
        )
    if highlight is not None and highlight in funnel.index:
        row = funnel.loc[highlight]
        text += f" {highlight}: {fmt_num(row['rate'])} per {per:,}, {row['band']}."
    return text


def show_funnel_chart(funnel: pd.DataFrame, title: str, **kwargs: Any) -> None:
    """Build :func:`funnel_chart` and display it."""
    funnel_chart(funnel, title, **kwargs).show()


# ---------------------------------------------------------------- bars


def bar_chart(
    data: pd.DataFrame | pd.Series,
    title: str,
    *,
    value: str | None = None,
    x_label: str,
    lower: str | None = None,
    upper: str | None = None,
    highlight: str | Sequence[str] | None = None,
    reference: float | None = None,
    reference_label: str = "National average",
    sort: bool = True,
    decimals: int | None = None,
    missing_label: str = "[c]",
    source: str | None = None,
    synthetic: bool = False,
    caption: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Chart:
    """Horizontal bar chart, largest at the top, with optional confidence intervals.

    Parameters
    ----------
    data
        A Series (index = labels) or a DataFrame (index = labels) with a ``value`` column.
    title
        Chart title.
    value
        Column of ``data`` with the bar lengths (DataFrame only).
    x_label
        Axis label with units.
    lower, upper
        Columns with the interval, drawn as error bars.
    highlight
        Label(s) to emphasise (blue; others grey-blue).
    reference
        A reference value drawn as a vertical line (e.g. the national rate).
    reference_label
        Legend text for the reference line.
    sort
        Sort bars by value, largest at the top.
    decimals
        Decimals for value labels (default: 0 when every value is whole and there is no
        interval, as for counts; otherwise 1, as for rates).
    missing_label
        Text shown for a missing (NaN) value: ``"[c]"`` for a count withheld by
        :func:`scrutiny.stats.disclosure.suppress`; use ``"no data"`` for missing data.
    source, synthetic, caption
        As for :func:`spc_chart`.
    figsize
        Default: 9 inches wide, height growing with the number of bars.

    Returns
    -------
    Chart
    """
    if isinstance(data, pd.Series):
        frame = data.to_frame(name=data.name or "value")
        value = frame.columns[0]
    else:
        if value is None:
            raise ValueError("value must name the column with the bar lengths")
        frame = data
    for col in (value, lower, upper):
        if col is not None and col not in frame.columns:
            raise ValueError(f"data has no column {col!r}")
    if sort:
        frame = frame.sort_values(value, ascending=True, na_position="first", kind="stable")
    else:
        frame = frame.iloc[::-1]
    vals = frame[value].to_numpy(dtype=float)
    labels = [str(i) for i in frame.index]
    hi = {highlight} if isinstance(highlight, str) else set(highlight or [])
    if decimals is None:
        # whole numbers (counts) without decimals; rates, and anything with an interval,
        # to one decimal
        finite = vals[np.isfinite(vals)]
        decimals = 0 if lower is None and np.all(finite == np.round(finite)) else 1
    height = figsize or (9.0, max(2.5, 0.42 * len(frame) + 1.6))
    with house_style(), mpl.rc_context({"axes.grid.axis": "x"}):
        fig, ax = _new_figure(height)
        pos = np.arange(len(frame))
        colours = [OKABE_ITO["blue"] if lab in hi else "#8DB8D8" for lab in labels]
        ax.barh(pos, np.nan_to_num(vals), color=colours, height=0.7, zorder=2)
        if lower is not None and upper is not None:
            lo = frame[lower].to_numpy(dtype=float)
            up = frame[upper].to_numpy(dtype=float)
            err = np.vstack([np.nan_to_num(vals - lo), np.nan_to_num(up - vals)])
            ax.errorbar(
                np.nan_to_num(vals),
                pos,
                xerr=err,
                fmt="none",
                ecolor=TEXT,
                elinewidth=1.1,
                capsize=3,
                zorder=3,
            )
        top = np.nanmax(up if upper is not None else vals) if np.isfinite(vals).any() else 1
        for p, v in zip(pos, vals, strict=True):
            text = missing_label if not np.isfinite(v) else fmt_num(v, decimals)
            x_at = 0 if not np.isfinite(v) else v
            if upper is not None and np.isfinite(v):
                x_at = float(frame[upper].to_numpy(dtype=float)[p])
            ax.text(x_at + top * 0.01, p, text, va="center", fontsize=9)
        if reference is not None:
            ax.axvline(reference, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=1.4)
            ax.legend(
                handles=[
                    Line2D(
                        [],
                        [],
                        color=OKABE_ITO["vermillion"],
                        linestyle="--",
                        label=f"{reference_label} ({fmt_num(reference, decimals)})",
                    )
                ],
                loc="lower right",
            )
        ax.set_yticks(pos, labels)
        for tick, lab in zip(ax.get_yticklabels(), labels, strict=True):
            if lab in hi:
                tick.set_fontweight("bold")
        ax.set_xlim(0, top * 1.12 if top > 0 else 1)
        ax.set_title(title, loc="left", pad=10)
        ax.set_xlabel(x_label)
        _thousands(ax.xaxis, 0 if top >= 20 else 1)
        ax.grid(False, axis="y")
        add_footer(fig, source, synthetic)
    alt = _bar_alt(frame, value, title, decimals, hi, missing_label, lower, upper, reference)
    table = frame.iloc[::-1].reset_index()
    table = table.rename(columns={table.columns[0]: frame.index.name or "Label"})
    if table[value].isna().any():
        table[value] = [missing_label if pd.isna(v) else v for v in table[value]]
    return Chart(fig, alt, table, caption or title, source, synthetic)


def _bar_alt(
    frame: pd.DataFrame,
    value: str,
    title: str,
    decimals: int,
    hi: set[str],
    missing_label: str,
    lower: str | None,
    upper: str | None,
    reference: float | None,
) -> str:
    v = frame[value]
    ok = v.dropna()
    n = len(frame)
    text = f"Bar chart of {title[:1].lower() + title[1:]}: {n} bar{'' if n == 1 else 's'}"
    if len(ok):
        top, bottom = ok.idxmax(), ok.idxmin()
        text += (
            f"; highest {top} ({fmt_num(ok[top], decimals)}), lowest {bottom} "
            f"({fmt_num(ok[bottom], decimals)})"
        )
    n_missing = int(v.isna().sum())
    if n_missing:
        text += f"; {n_missing} not shown ({missing_label})"
    if reference is not None:
        text += f"; reference line at {fmt_num(reference, decimals)}"
    for lab in sorted(hi):
        if lab in frame.index and pd.notna(frame.at[lab, value]):
            extra = ""
            if lower is not None and upper is not None:
                extra = (
                    f", 95% interval {fmt_num(frame.at[lab, lower], decimals)} to "
                    f"{fmt_num(frame.at[lab, upper], decimals)}"
                )
            text += f"; {lab} {fmt_num(frame.at[lab, value], decimals)}{extra}"
    return text + "."


def show_bar_chart(data: pd.DataFrame | pd.Series, title: str, **kwargs: Any) -> None:
    """Build :func:`bar_chart` and display it."""
    bar_chart(data, title, **kwargs).show()


# ---------------------------------------------------------------- lines


def line_chart(
    data: pd.DataFrame,
    title: str,
    *,
    y_label: str,
    series: Sequence[str] | None = None,
    labels: dict[str, str] | None = None,
    band: tuple[str, str] | None = None,
    band_label: str = "95% prediction interval",
    source: str | None = None,
    synthetic: bool = False,
    caption: str | None = None,
    figsize: tuple[float, float] = FIGSIZE,
) -> Chart:
    """Line chart of one or more series over time, with an optional shaded band.

    Parameters
    ----------
    data
        Indexed by date (``PeriodIndex``, ``DatetimeIndex`` or labels); one column per
        series.
    title
        Chart title.
    y_label
        Y-axis label with units.
    series
        Columns to draw (default: all except the band columns).
    labels
        Legend names for columns (default: the column names).
    band
        ``(lower, upper)`` columns to shade, e.g. a forecast's prediction interval.
    band_label
        Legend text for the band.
    source, synthetic, caption, figsize
        As for :func:`spc_chart`.

    Returns
    -------
    Chart
    """
    labels = labels or {}
    band_cols = list(band) if band else []
    series = list(series) if series is not None else [c for c in data.columns if c not in band_cols]
    for col in [*series, *band_cols]:
        if col not in data.columns:
            raise ValueError(f"data has no column {col!r}")
    x = _x_values(data.index)
    all_vals = data[series + band_cols].to_numpy(dtype=float)
    with house_style():
        fig, ax = _new_figure(figsize)
        if band:
            lo = data[band[0]].to_numpy(dtype=float)
            up = data[band[1]].to_numpy(dtype=float)
            ax.fill_between(
                x,
                lo,
                up,
                where=np.isfinite(lo) & np.isfinite(up),
                color=OKABE_ITO["sky_blue"],
                alpha=0.3,
                linewidth=0,
                label=band_label,
            )
        for i, col in enumerate(series):
            ax.plot(
                x,
                data[col].to_numpy(dtype=float),
                color=OKABE_ITO[SERIES_COLOURS[i % len(SERIES_COLOURS)]],
                linestyle=SERIES_STYLES[i % len(SERIES_STYLES)],
                linewidth=2,
                label=labels.get(col, str(col)),
            )
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=min(4, len(series) + 1))
        ax.set_title(title, loc="left", pad=10)
        ax.set_ylabel(y_label)
        _thousands(ax.yaxis, _auto_decimals(all_vals.ravel()))
        _label_axis_if_categorical(ax, data.index)
        _date_axis(ax, data.index)
        add_footer(fig, source, synthetic)
    alt = _line_alt(data, title, series, labels, band, band_label)
    table = data[series + band_cols].copy()
    table.insert(0, "Month", [month_label(d, short=True) for d in data.index])
    table = table.rename(columns=labels).reset_index(drop=True)
    return Chart(fig, alt, table, caption or title, source, synthetic)


def _line_alt(
    data: pd.DataFrame,
    title: str,
    series: list[str],
    labels: dict[str, str],
    band: tuple[str, str] | None,
    band_label: str,
) -> str:
    text = f"Line chart of {title[:1].lower() + title[1:]}, {_span(data.index)}"
    parts = []
    for col in series:
        s = data[col].dropna()
        if s.empty:
            continue
        name = labels.get(col, str(col))
        first, last = s.index[0], s.index[-1]
        parts.append(
            f"{name} from {fmt_value(s.iloc[0])} in {month_label(first)} to "
            f"{fmt_value(s.iloc[-1])} in {month_label(last)} (lowest {fmt_value(s.min())}, "
            f"highest {fmt_value(s.max())})"
        )
    text += ": " + "; ".join(parts) if parts else ""
    if band:
        b = data[list(band)].dropna()
        if not b.empty:
            text += (
                f"; shaded {band_label} from {fmt_value(b.iloc[-1, 0])} to "
                f"{fmt_value(b.iloc[-1, 1])} in {month_label(b.index[-1])}"
            )
    return text + "."


def show_line_chart(data: pd.DataFrame, title: str, **kwargs: Any) -> None:
    """Build :func:`line_chart` and display it."""
    line_chart(data, title, **kwargs).show()


def forecast_chart(forecast: pd.DataFrame, title: str, *, y_label: str, **kwargs: Any) -> Chart:
    """Line chart of :func:`scrutiny.stats.trends.forecast` output: actuals, forecast and band."""
    meta = forecast.attrs.get("forecast", {})
    level = meta.get("level", 0.95)
    chart = line_chart(
        forecast,
        title,
        y_label=y_label,
        series=["actual", "forecast"],
        labels={"actual": "Actual", "forecast": "Forecast", "lower": "Lower", "upper": "Upper"},
        band=("lower", "upper"),
        band_label=f"{level * 100:g}% prediction interval",
        **kwargs,
    )
    if meta.get("model"):
        chart.alt = chart.alt[:-1] + f". Model: {meta['model'][0].lower()}{meta['model'][1:]}."
    return chart


def show_forecast_chart(forecast: pd.DataFrame, title: str, **kwargs: Any) -> None:
    """Build :func:`forecast_chart` and display it."""
    forecast_chart(forecast, title, **kwargs).show()


# ---------------------------------------------------------------- profiles

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def profile_chart(
    data: pd.DataFrame | pd.Series,
    title: str,
    *,
    value_label: str = "Count",
    x_label: str = "Hour of day",
    source: str | None = None,
    synthetic: bool = False,
    caption: str | None = None,
    figsize: tuple[float, float] = FIGSIZE,
) -> Chart:
    """Hour-of-day / day-of-week profile: a heatmap for a table, bars for one series.

    Parameters
    ----------
    data
        A DataFrame with days as rows and hours (0-23) as columns for a heatmap, or a
        Series (index = hours or days) for bars.
    title
        Chart title.
    value_label
        What the colour (heatmap) or bar length measures, with units.
    x_label
        Label of the horizontal axis (hour of day, or day of week for a Series of days).
    source, synthetic, caption, figsize
        As for :func:`spc_chart`.

    Returns
    -------
    Chart
    """
    if isinstance(data, pd.Series):
        return _profile_bars(data, title, value_label, x_label, source, synthetic, caption, figsize)
    values = data.to_numpy(dtype=float)
    with house_style(), mpl.rc_context({"axes.grid": False}):
        fig, ax = _new_figure(figsize)
        im = ax.imshow(values, aspect="auto", cmap="cividis", interpolation="nearest")
        ax.set_xticks(np.arange(values.shape[1]), [str(c) for c in data.columns])
        ax.set_yticks(np.arange(values.shape[0]), [str(i) for i in data.index])
        ax.tick_params(axis="x", labelsize=9)
        for spine in ax.spines.values():
            spine.set_visible(False)
        bar = fig.colorbar(im, ax=ax, shrink=0.9)
        bar.set_label(value_label)
        _thousands(bar.ax.yaxis, _auto_decimals(values.ravel()))
        ax.set_title(title, loc="left", pad=10)
        ax.set_xlabel(x_label)
        add_footer(fig, source, synthetic)
    stacked = data.stack()
    hours = all(isinstance(c, int | np.integer) and 0 <= c <= 23 for c in data.columns)

    def col_text(c: Any) -> str:
        return f"{int(c):02d}:00" if hours else str(c)

    busiest, quietest = stacked.idxmax(), stacked.idxmin()
    rows, cols = data.sum(axis=1), data.sum(axis=0)
    row_word = data.index.name or "row"
    col_word = data.columns.name or ("hour" if hours else "column")
    alt = (
        f"Heatmap of {title[:1].lower() + title[1:]}: {value_label.lower()} by {row_word} "
        f"and {col_word}; busiest {busiest[0]} at {col_text(busiest[1])} "
        f"({fmt_value(stacked.max())}), quietest {quietest[0]} at {col_text(quietest[1])} "
        f"({fmt_value(stacked.min())}); busiest {row_word} {rows.idxmax()} "
        f"({fmt_value(rows.max())} in total), busiest {col_word} {col_text(cols.idxmax())} "
        f"({fmt_value(cols.max())} in total)."
    )
    table = data.reset_index()
    table.columns = [str(c) for c in table.columns]
    return Chart(fig, alt, table, caption or title, source, synthetic)


def _profile_bars(
    data: pd.Series,
    title: str,
    value_label: str,
    x_label: str,
    source: str | None,
    synthetic: bool,
    caption: str | None,
    figsize: tuple[float, float],
) -> Chart:
    vals = data.to_numpy(dtype=float)
    with house_style():
        fig, ax = _new_figure(figsize)
        pos = np.arange(len(data))
        ax.bar(pos, vals, color=OKABE_ITO["blue"], width=0.75, zorder=2)
        ax.set_xticks(pos, [str(i) for i in data.index])
        ax.set_title(title, loc="left", pad=10)
        ax.set_xlabel(x_label)
        ax.set_ylabel(value_label)
        _thousands(ax.yaxis, _auto_decimals(vals))
        add_footer(fig, source, synthetic)
    alt = (
        f"Bar chart of {title[:1].lower() + title[1:]}: highest "
        f"{data.idxmax()} ({fmt_value(data.max())}), lowest {data.idxmin()} "
        f"({fmt_value(data.min())}), total {fmt_value(data.sum())}."
    )
    table = data.rename(value_label).reset_index()
    table.columns = [x_label, value_label]
    return Chart(fig, alt, table, caption or title, source, synthetic)


def show_profile_chart(data: pd.DataFrame | pd.Series, title: str, **kwargs: Any) -> None:
    """Build :func:`profile_chart` and display it."""
    profile_chart(data, title, **kwargs).show()
