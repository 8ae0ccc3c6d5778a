"""Turn executed notebooks into self-contained HTML pages, an index and a manifest, atomically.

A report shows outputs only (never code, never the injected parameters), with a
classification banner at top and bottom, a table of contents built from the h2/h3
headings, and a provenance footer. Everything is inline (CSS and images as data URIs), so
the page makes no request to anything. Files are published with :func:`atomic_write`:
written beside the target, flushed to disk, then renamed over it, so a reader (or an
interrupted run) never sees half a file.
"""

from __future__ import annotations

import base64
import html
import json
import mimetypes
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

SKIP_TAGS = frozenset(
    {"parameters", "injected-parameters", "papermill-error-cell-tag", "remove-cell"}
)
RESERVED_IDS = frozenset({"main", "provenance", "toc-heading", "failing-cell", "traceback", "log"})
SENSITIVE = "OFFICIAL-SENSITIVE"

_HEADING = re.compile(r"<h([1-6])(\s[^>]*)?>(.*?)</h\1\s*>", re.S | re.I)
_ID_ATTR = re.compile(r"""\sid\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.I)
_ANCHOR_LINK = re.compile(r"<a\s[^>]*class=\"anchor-link\"[^>]*>.*?</a>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.S | re.I)
_EXT_LINK_TAG = re.compile(r"<link\b[^>]*>", re.I)
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.I)
_IMG_SRC = re.compile(r"(<img\b[^>]*?\bsrc\s*=\s*)(\"[^\"]*\"|'[^']*')", re.I)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_TABLE_WRAP = '<div class="table-wrap">'


# ---------------------------------------------------------------------------------------
# Atomic files


def temp_path(final: Path, suffix: str = "") -> Path:
    """Return a hidden temporary name beside ``final`` (same folder, so rename is atomic).

    ``suffix`` is added after ``.tmp`` for tools that insist on an extension.
    """
    return final.with_name(f".{final.name}.{os.getpid()}.tmp{suffix}")


def atomic_write(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new, never half.

    Parameters
    ----------
    path
        The file to publish.
    data
        Its full content (text is written as UTF-8).

    Returns
    -------
    Path
        ``path``.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(final)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with open(tmp, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return final


def publish_file(tmp: str | os.PathLike[str], final: str | os.PathLike[str]) -> Path:
    """Move a finished temporary file (in the same folder) over ``final`` in one step."""
    os.replace(tmp, final)
    return Path(final)


def remove_stale_temps(folder: Path) -> list[Path]:
    """Delete temporary files left in ``folder`` by an interrupted run; return them."""
    gone = []
    if folder.is_dir():
        for p in folder.glob(".*.tmp*"):
            p.unlink(missing_ok=True)
            gone.append(p)
    return gone


def read_manifest(path: Path) -> dict[str, Any]:
    """Return the manifest at ``path``, or an empty one when missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_manifest(path: Path, manifest: Mapping[str, Any]) -> Path:
    """Write the manifest atomically (JSON, keys in a stable order)."""
    text = json.dumps(manifest, indent=2, sort_keys=True, default=str, ensure_ascii=False)
    return atomic_write(path, text + "\n")


# ---------------------------------------------------------------------------------------
# Page metadata


@dataclass
class Provenance:
    """Which scrutiny produced a page."""

    version: str
    commit: str | None = None
    dirty: bool | None = None

    @property
    def commit_short(self) -> str:
        """Return the first 10 characters of the commit, or 'unknown'."""
        return self.commit[:10] if self.commit else "unknown"

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict."""
        return {"version": self.version, "git_commit": self.commit, "git_dirty": self.dirty}


@dataclass
class CycleInfo:
    """The cycle a page belongs to, as shown in the page header."""

    cycle: str
    title: str
    meeting_date: str | None = None
    data_to: str | None = None


@dataclass
class PageMeta:
    """Everything a report or error page shows besides the notebook's outputs."""

    cycle: CycleInfo
    name: str
    classification: str
    prov: Provenance
    title: str | None = None
    notebook: str | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    inputs: list[Mapping[str, Any]] = field(default_factory=list)
    started: datetime | None = None
    ended: datetime | None = None


def human_time(when: datetime | str | None) -> str:
    """Return ``when`` as e.g. ``2022-11-23 14:03:05 UTC`` (empty for None)."""
    if when is None:
        return ""
    if isinstance(when, str):
        try:
            when = datetime.fromisoformat(when)
        except ValueError:
            return when
    if when.tzinfo is None:
        return when.strftime("%Y-%m-%d %H:%M:%S")
    return when.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def human_duration(seconds: float | None) -> str:
    """Return a duration in words for people: ``4.2 s``, ``3 min 05 s``."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s"


def human_date(value: Any) -> str:
    """Return a date as ``23 November 2022`` (strings pass through)."""
    if hasattr(value, "strftime"):
        return f"{value.day} {value.strftime('%B %Y')}"
    return "" if value is None else str(value)


# ---------------------------------------------------------------------------------------
# Notebook to HTML body


def strip_ansi(text: str) -> str:
    """Remove terminal colour codes (IPython tracebacks are full of them)."""
    return _ANSI.sub("", text)


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


@lru_cache(maxsize=1)
def _markdown_renderer() -> Any:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune


def markdown_to_html(text: str, attachments: Mapping[str, Any] | None = None) -> str:
    """Render a Markdown cell (nbconvert's mistune renderer); attachments become data URIs."""
    out = _markdown_renderer()(text)
    if attachments:

        def inline(m: re.Match[str]) -> str:
            src = html.unescape(m.group(2)[1:-1])
            if src.startswith("attachment:"):
                bundle = attachments.get(src.removeprefix("attachment:"), {})
                for mime, data in bundle.items():
                    if mime.startswith("image/"):
                        return f'{m.group(1)}"data:{mime};base64,{_text(data).strip()}"'
            return m.group(0)

        out = _IMG_SRC.sub(inline, out)
    return out


def _inline_local_images(body: str, base: Path | None, warnings: list[str]) -> str:
    """Embed images referenced by relative path; one that cannot be found is reported."""

    def inline(tag: re.Match[str]) -> str:
        m = _IMG_SRC.search(tag.group(0))
        if m is None:
            return tag.group(0)
        src = html.unescape(m.group(2)[1:-1])
        if src.startswith("data:"):
            return tag.group(0)
        target = (base / src) if base is not None and "://" not in src else None
        if target is not None and target.is_file():
            mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            data = base64.b64encode(target.read_bytes()).decode("ascii")
            return tag.group(0).replace(m.group(0), f'{m.group(1)}"data:{mime};base64,{data}"')
        warnings.append(f"image {src!r} could not be embedded and was left out")
        return f'<span class="missing-image">[Image left out: {html.escape(src)}]</span>'

    return _IMG_TAG.sub(inline, body)


def _sanitise_html(fragment: str, where: str, warnings: list[str]) -> str:
    """Drop scripts and external stylesheets: the page needs no JS and makes no requests."""
    cleaned = _SCRIPT.sub("", fragment)
    cleaned = _EXT_LINK_TAG.sub("", cleaned)
    if cleaned != fragment:
        warnings.append(f"{where}: removed <script>/<link> from an output (pages carry no JS)")
    return cleaned


def _output_html(output: Mapping[str, Any], where: str, warnings: list[str]) -> tuple[str, str]:
    """Return (html for the page, text for the messages list) for one output."""
    kind = output.get("output_type")
    if kind == "stream":
        text = strip_ansi(_text(output.get("text", "")))
        if output.get("name") == "stderr":
            return "", text
        return f'<pre class="stream">{html.escape(text)}</pre>', ""
    if kind == "error":
        tb = strip_ansi("\n".join(output.get("traceback", [])))
        return f'<pre class="cell-error">{html.escape(tb)}</pre>', ""
    data = output.get("data", {})
    if "text/html" in data:
        return _sanitise_html(_text(data["text/html"]), where, warnings), ""
    for mime in ("image/png", "image/jpeg", "image/gif"):
        if mime in data:
            meta = output.get("metadata", {}).get(mime, {})
            size = ""
            if isinstance(meta, Mapping) and meta.get("width") and meta.get("height"):
                size = f' width="{int(meta["width"])}" height="{int(meta["height"])}"'
            warnings.append(
                f"{where}: bare image without alt text (use scrutiny.present.page.show_figure)"
            )
            src = f"data:{mime};base64,{_text(data[mime]).strip()}"
            alt = "Chart without a description: the notebook should use show_figure."
            return f'<p><img src="{src}" alt="{alt}"{size}></p>', ""
    if "image/svg+xml" in data:
        svg = base64.b64encode(_text(data["image/svg+xml"]).encode()).decode("ascii")
        warnings.append(
            f"{where}: SVG image without alt text (use scrutiny.present.page.show_figure)"
        )
        alt = "Chart without a description: the notebook should use show_figure."
        return f'<p><img src="data:image/svg+xml;base64,{svg}" alt="{alt}"></p>', ""
    if "text/markdown" in data:
        return markdown_to_html(_text(data["text/markdown"])), ""
    if "text/plain" in data:
        return f'<pre class="text">{html.escape(strip_ansi(_text(data["text/plain"])))}</pre>', ""
    if data:
        warnings.append(
            f"{where}: output of type {', '.join(data)} cannot be shown and was left out"
        )
    return "", ""


@dataclass
class Body:
    """A notebook's outputs as HTML, with what the renderer had to say about them."""

    html: str
    warnings: list[str]
    messages: list[str]


def notebook_body(nb: Mapping[str, Any], *, base: Path | None = None) -> Body:
    """Return the outputs of an executed notebook as one HTML fragment.

    Markdown cells are rendered; code cells contribute their outputs only (never their
    source); cells tagged ``parameters`` or ``injected-parameters`` are left out. Output
    written to stderr goes to ``messages`` rather than the page body.

    Parameters
    ----------
    nb
        The executed notebook (an nbformat NotebookNode or the same as plain dicts).
    base
        The notebook's folder, to embed images referenced by relative path.
    """
    parts: list[str] = []
    warnings: list[str] = []
    messages: list[str] = []
    code_no = 0
    for cell in nb.get("cells", []):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell.get("cell_type") == "code":
            code_no += 1
        if tags & SKIP_TAGS:
            continue
        if cell.get("cell_type") == "markdown":
            parts.append(markdown_to_html(_text(cell.get("source", "")), cell.get("attachments")))
        elif cell.get("cell_type") == "code":
            for out in cell.get("outputs", []):
                fragment, message = _output_html(out, f"code cell {code_no}", warnings)
                if fragment:
                    parts.append(fragment)
                if message.strip():
                    messages.append(message.rstrip())
    body = "\n".join(parts)
    body = _inline_local_images(body, base, warnings)
    body = body.replace(_TABLE_WRAP, '<div class="table-wrap" tabindex="0">')
    return Body(body, warnings, messages)


# ---------------------------------------------------------------------------------------
# Headings and contents


@dataclass
class TocEntry:
    """One entry of the table of contents."""

    level: int
    id: str
    text: str
    children: list[TocEntry] = field(default_factory=list)


def heading_text(inner_html: str) -> str:
    """Return the plain text of a heading's inner HTML."""
    return " ".join(html.unescape(_TAG.sub("", _ANCHOR_LINK.sub("", inner_html))).split())


def slugify(text: str) -> str:
    """Return an id made from heading text: ``Key findings`` -> ``key-findings``."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "section"


def add_heading_ids(body: str) -> tuple[str, list[TocEntry], str | None]:
    """Give every heading a unique id; return (html, contents from h2/h3, first h1 text).

    Existing ids on headings (e.g. nbconvert's) are replaced so that all anchors follow
    one scheme and never collide.
    """
    used = set(RESERVED_IDS)
    toc: list[TocEntry] = []
    first_h1: str | None = None

    def replace(m: re.Match[str]) -> str:
        nonlocal first_h1
        level = int(m.group(1))
        attrs = _ID_ATTR.sub("", m.group(2) or "")
        inner = _ANCHOR_LINK.sub("", m.group(3))
        text = heading_text(inner)
        base = slugify(text)
        hid, n = base, 2
        while hid in used:
            hid, n = f"{base}-{n}", n + 1
        used.add(hid)
        if level == 1 and first_h1 is None:
            first_h1 = text
        entry = TocEntry(level, hid, text)
        if level == 2 or (level == 3 and not toc):
            toc.append(entry)
        elif level == 3:
            toc[-1].children.append(entry)
        return f'<h{level} id="{hid}"{attrs}>{inner}</h{level}>'

    return _HEADING.sub(replace, body), toc, first_h1


def toc_html(toc: list[TocEntry]) -> str:
    """Return the contents as a ``<nav>`` of nested ordered lists (empty when no entries)."""
    if not toc:
        return ""

    def items(entries: list[TocEntry]) -> str:
        out = []
        for e in entries:
            sub = f"<ol>{items(e.children)}</ol>" if e.children else ""
            out.append(f'<li><a href="#{e.id}">{html.escape(e.text)}</a>{sub}</li>')
        return "".join(out)

    return (
        '<nav class="toc" aria-labelledby="toc-heading"><h2 id="toc-heading">Contents</h2>'
        f"<ol>{items(toc)}</ol></nav>"
    )


# ---------------------------------------------------------------------------------------
# Pages


@lru_cache(maxsize=1)
def _env() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent.parent / "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
    )


def template(name: str) -> Any:
    """Return one of scrutiny's page templates (``lib/scrutiny/templates/<name>``)."""
    return _env().get_template(name)


_MONTH = re.compile(r"^\d{4}-\d{2}$")


def sources_summary(inputs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Group the data files a briefing read into one line per source, for the footer.

    Files with the same description form one source; monthly periods (``YYYY-MM``) are
    joined into a range ("2019-12 to 2022-10"), other periods are listed.

    Returns
    -------
    list of dict
        ``description, files, period, synthetic`` in first-read order.
    """
    groups: dict[str, dict[str, Any]] = {}
    for f in inputs:
        key = f.get("description") or f["path"]
        g = groups.setdefault(
            key, {"description": key, "files": 0, "periods": [], "synthetic": False}
        )
        g["files"] += 1
        g["synthetic"] = g["synthetic"] or bool(f.get("synthetic"))
        if f.get("period") and f["period"] not in g["periods"]:
            g["periods"].append(f["period"])
    out = []
    for g in groups.values():
        periods = g.pop("periods")
        if periods and all(_MONTH.match(p) for p in periods):
            first, last = min(periods), max(periods)
            g["period"] = first if first == last else f"{first} to {last}"
        else:
            g["period"] = "; ".join(periods) if periods else "not stated"
        out.append(g)
    return out


def _common(meta: PageMeta) -> dict[str, Any]:
    duration = None
    if meta.started and meta.ended:
        duration = human_duration((meta.ended - meta.started).total_seconds())
    return {
        "cycle": meta.cycle,
        "classification": meta.classification,
        "prov": meta.prov,
        "notebook": meta.notebook,
        "parameters": {k: json.dumps(v, default=str) for k, v in meta.parameters.items()},
        "inputs": list(meta.inputs),
        "sources": sources_summary(meta.inputs),
        "started": human_time(meta.started),
        "ended": human_time(meta.ended),
        "duration": duration,
    }


def render_report(
    nb: Mapping[str, Any], meta: PageMeta, *, base: Path | None = None
) -> tuple[str, list[str]]:
    """Return a briefing page for an executed notebook, and warnings about its outputs.

    Parameters
    ----------
    nb
        The executed notebook.
    meta
        Cycle, classification, parameters, data files and times for header and footer.
    base
        The notebook's folder (for images referenced by relative path).

    Returns
    -------
    tuple
        (HTML text, warnings such as "bare image without alt text").
    """
    body = notebook_body(nb, base=base)
    html_body, toc, first_h1 = add_heading_ids(body.html)
    title = meta.title or first_h1 or meta.name.replace("_", " ").capitalize()
    nav = toc_html(toc)
    back = agenda_link(meta.name)
    if first_h1 is not None:
        end = html_body.find("</h1>") + len("</h1>")
        html_body = html_body[:end] + ("\n" + nav if nav else "") + "\n" + back + html_body[end:]
    else:
        html_body = back + "\n" + html_body
    page = (
        _env()
        .get_template("report.html.j2")
        .render(
            title=title,
            has_h1=first_h1 is not None,
            toc_html=nav,
            body=_markup(html_body),
            messages=body.messages,
            **_common(meta),
        )
    )
    return page, body.warnings


def agenda_link(name: str) -> str:
    """Return the link from a briefing page back to its entry on the index (the agenda).

    The index gives each paper's entry the id ``paper-<name>``, under the agenda item whose
    ``briefings:`` list names it (or under the other papers), so the page needs to know
    nothing of the agenda and the link stays right when the agenda changes.
    """
    return (
        f'<p class="agenda-link"><a href="index.html#paper-{html.escape(name)}">'
        "Back to the Board&#8217;s agenda</a></p>"
    )


def _markup(text: str) -> Any:
    from markupsafe import Markup

    return Markup(text)  # noqa: S704 - notebook outputs are trusted HTML made by scrutiny


def render_error_page(
    meta: PageMeta,
    *,
    summary: str,
    cell: str | None = None,
    cell_source: str | None = None,
    traceback: str | None = None,
    log: str | None = None,
    last_good: Mapping[str, str] | None = None,
    executed: str | None = None,
) -> str:
    """Return the page published when a briefing fails.

    Parameters
    ----------
    meta
        As for :func:`render_report`.
    summary
        One sentence: what failed, e.g. "Code cell 5 of 9 raised ValueError: ...".
    cell
        Which cell failed, e.g. "code cell 5 of 9".
    cell_source
        The failing cell's source code.
    traceback
        The traceback (ANSI colour codes are removed).
    log
        Anything the worker printed (kernel start-up errors, warnings).
    last_good
        ``{"href": ..., "ended": ...}`` of the report still published, if any.
    executed
        Relative link to the executed notebook kept for audit.
    """
    error = {
        "summary": summary,
        "cell": cell,
        "cell_source": cell_source,
        "traceback": strip_ansi(traceback) if traceback else None,
        "log": strip_ansi(log).strip() if log and log.strip() else None,
    }
    return (
        _env()
        .get_template("error.html.j2")
        .render(
            title=meta.title or meta.name.replace("_", " ").capitalize(),
            error=error,
            last_good=last_good,
            executed=executed,
            **_common(meta),
        )
    )


#: A briefing's or a force's status on an index page, in words.
STATUS_TEXT = {
    "ok": "Produced",
    "skipped": "Up to date (not re-run)",
    "failed": "Failed",
    "not run": "Not run yet",
    "interrupted": "Interrupted",
    "queued": "Waiting",
    "running": "Running",
}


@dataclass
class IndexRow:
    """One line of the cycle index."""

    name: str
    title: str
    status: str
    classification: str
    href: str | None = None
    error_href: str | None = None
    duration: float | None = None
    produced: str | None = None

    @property
    def status_text(self) -> str:
        """Return the status in words."""
        return STATUS_TEXT.get(self.status, self.status)

    @property
    def status_class(self) -> str:
        """Return the CSS class suffix for the status."""
        return self.status.replace(" ", "-")


def highest_classification(values: Iterable[str]) -> str:
    """Return OFFICIAL-SENSITIVE if any value is, else OFFICIAL."""
    return SENSITIVE if SENSITIVE in set(values) else "OFFICIAL"


def index_sections(
    cycle: Any, rows: list[IndexRow], *, public: bool = False
) -> list[dict[str, Any]]:
    """The index as the Board's agenda: items in meeting order, each with its papers.

    Reads the agenda-to-briefing mapping from the one place it is kept
    (:func:`scrutiny.run.pack.agenda_sections`, the items' ``briefings:`` lists).

    Returns
    -------
    list of dict
        ``anchor, title, number, closed, line, papers`` where each paper is ``name,
        title, href, classification, description, status_text``.
    """
    from scrutiny.run.pack import agenda_sections

    by_name = {r.name: r for r in rows}
    out = []
    for s in agenda_sections(cycle, public=public):
        item = s.item
        papers = []
        for p in s.papers:
            row = by_name.get(p.name)
            papers.append(
                {
                    "name": p.name,
                    "title": (row.title if row else p.title),
                    "href": row.href if row else None,
                    "classification": p.classification,
                    "description": p.description,
                    "status_text": row.status_text if row else "Not run yet",
                    "repeat": p.repeat,
                }
            )
        out.append(
            {
                "anchor": s.anchor,
                "title": s.title,
                "number": s.number,
                "closed": item is not None and item.session == "closed",
                "theme": item.theme if item is not None else None,
                "line": item.request if item is not None else None,
                "papers": papers,
            }
        )
    return out


def render_index(
    cycle: CycleInfo,
    rows: list[IndexRow],
    prov: Provenance,
    *,
    generated: datetime,
    agenda: Any = None,
    packs: list[Mapping[str, Any]] | None = None,
    public: bool = False,
    up: str | None = None,
) -> str:
    """Return the cycle's index page: the Board's agenda, then every briefing's status.

    With the cycle (``agenda``), the page lists the agenda items in meeting order, each
    with what was asked and links to its papers (with their one-line descriptions), then
    the papers no item names; each paper's entry has the id ``paper-<name>``, which its
    page links back to. The run-status table follows. The page is marked with the
    highest classification of the briefings it lists.

    Parameters
    ----------
    cycle
        The cycle as shown in the header.
    rows
        One per briefing, in cycle-file order.
    prov
        The scrutiny version and commit.
    generated
        When the page was made.
    agenda
        The validated :class:`scrutiny.analysis.board.Cycle` (None: the status table only).
    packs
        ``href, label, pages`` of the board packs in the folder, linked at the top.
    public
        The public index (``scrutiny publish --public``): public pages and open-session
        items only, no status table and no link to the manifest.
    up
        The national index of a cycle run for many forces (this page is one force's).
    """
    if public and agenda is not None:
        from scrutiny.run.params import is_public

        keep = {b.name for b in agenda.briefings if is_public(b)}
        rows = [r for r in rows if r.name in keep]
    view = [
        {
            "title": r.title,
            "href": r.href,
            "error_href": r.error_href,
            "status_text": r.status_text,
            "status_class": r.status_class,
            "duration": human_duration(r.duration),
            "classification": r.classification,
            "produced": human_time(r.produced) if r.produced else "",
        }
        for r in rows
    ]
    sections = index_sections(agenda, rows, public=public) if agenda is not None else []
    classification = (
        "OFFICIAL" if public else highest_classification(r.classification for r in rows)
    )
    return (
        _env()
        .get_template("index.html.j2")
        .render(
            title=f"{cycle.title}: {'public papers' if public else 'agenda and papers'}",
            rows=view,
            sections=sections,
            packs=packs or [],
            public=public,
            up=up,
            cycle=cycle,
            data_to_text=_month_words(cycle.data_to),
            classification=classification,
            prov=prov,
            notebook=None,
            parameters=None,
            inputs=None,
            sources=None,
            started=None,
            ended=human_time(generated),
            duration=None,
        )
    )


@dataclass
class ForceRow:
    """One line of the national index of a cycle run for many forces."""

    force: str
    folder: str
    status: str  # ok, failed, interrupted, not run, queued
    label: str = ""
    briefings: Mapping[str, str] = field(default_factory=dict)  # name -> status
    classification: str = "OFFICIAL"
    error: str = ""
    duration: float | None = None
    produced: str | None = None
    has_index: bool = False

    @property
    def status_text(self) -> str:
        """Return the status in words."""
        return STATUS_TEXT.get(self.status, self.status)

    @property
    def briefings_text(self) -> str:
        """``"5 produced, 1 failed"``: how many briefings ended each way."""
        words = {"ok": "produced", "skipped": "up to date", "not run": "not run yet"}
        counts: dict[str, int] = {}
        for status in self.briefings.values():
            key = words.get(status, status)
            counts[key] = counts.get(key, 0) + 1
        return ", ".join(f"{n} {k}" for k, n in counts.items()) or "none run"


def render_forces_index(
    cycle: CycleInfo,
    rows: list[ForceRow],
    prov: Provenance,
    *,
    generated: datetime,
    manifest: str,
) -> str:
    """Return the national index of a cycle run for many forces: one line per force.

    Parameters
    ----------
    cycle
        The cycle as shown in the header.
    rows
        One per force, in the cycle file's order.
    prov
        The scrutiny version and commit.
    generated
        When the page was made.
    manifest
        The national manifest's file name, linked at the foot.
    """
    view = [
        {
            "force": r.force,
            "label": r.label,
            "href": f"{r.folder}/index.html" if r.has_index else None,
            "status_text": r.status_text,
            "status_class": r.status.replace(" ", "-"),
            "error": r.error,
            "briefings": r.briefings_text,
            "duration": human_duration(r.duration),
            "produced": human_time(r.produced) if r.produced else "",
        }
        for r in rows
    ]
    return (
        _env()
        .get_template("forces.html.j2")
        .render(
            title=f"{cycle.title}: every force",
            rows=view,
            manifest=manifest,
            cycle=cycle,
            data_to_text=_month_words(cycle.data_to),
            classification=highest_classification(r.classification for r in rows),
            prov=prov,
            notebook=None,
            parameters=None,
            inputs=None,
            sources=None,
            started=None,
            ended=human_time(generated),
            duration=None,
        )
    )


# ---------------------------------------------------------------------------------------
# Publishing the public papers (scrutiny publish <cycle> --public DIR)

#: Written in a public folder: the files scrutiny put there (so a later publish may
#: replace them, and refuses a folder holding anything else).
PUBLIC_MARKER = ".scrutiny-public.json"


@dataclass
class PublicFiles:
    """What :func:`publish_public` wrote."""

    folder: Path
    pages: list[str]
    files: list[str]


def restricted_markers(cycle: Any) -> list[str]:
    """Strings that must never appear in a public folder: what a leak would look like.

    The name of every page not marked public (as a file name and as the bare briefing
    name), the title of every closed-session agenda item, the id and description of every
    closed-session action, ``OFFICIAL-SENSITIVE`` and the run's ``manifest.json``
    (:func:`leaks` also refuses any executed notebook, ``.ipynb``).
    """
    from scrutiny.run.params import is_public

    out = [SENSITIVE, "manifest.json"]
    for b in cycle.briefings:
        if not is_public(b):
            out += [f"{b.name}.html", b.name]
    for item in cycle.agenda:
        if item.session == "closed":
            out.append(item.title)
    for a in cycle.actions:
        if a.session == "closed":
            out += [a.id, " ".join(a.description.split())]
    return out


def file_text(path: Path) -> str:
    """Return the text a reader can get from a file: PDF text via pypdf, else decoded bytes."""
    data = path.read_bytes()
    if data.startswith(b"%PDF"):
        import io

        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        parts = [page.extract_text() or "" for page in reader.pages]
        parts += [str(v) for v in (reader.metadata or {}).values()]
        parts += [_outline_titles(reader.outline)]
        return "\n".join(parts)
    return data.decode("utf-8", errors="replace")


def _outline_titles(outline: Any) -> str:
    out: list[str] = []
    for entry in outline:
        if isinstance(entry, list):
            out.append(_outline_titles(entry))
        else:
            out.append(str(getattr(entry, "title", "")))
    return "\n".join(out)


def leaks(folder: Path, markers: Iterable[str]) -> list[tuple[str, str]]:
    """Every (file, marker) where a restricted marker appears in a file of ``folder``.

    File names are checked as well as content; HTML is also checked with its white space
    folded and entities decoded, so a title broken over two lines is still found.
    """
    found = []
    wanted = [m for m in markers if m]
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(folder).as_posix()
        if path.suffix == ".ipynb":
            found.append((rel, ".ipynb"))
        text = file_text(path)
        folded = " ".join(html.unescape(text).split())
        for m in wanted:
            if m in rel or m in text or m in folded:
                found.append((rel, m))
    return found


def publish_public(
    cycle: Any,
    reports: Path,
    dest: Path,
    *,
    only: Iterable[str] | None = None,
    prov: Provenance | None = None,
) -> PublicFiles:
    """Copy the public papers of a published cycle into ``dest``, and nothing else.

    Writes each page marked public (:func:`scrutiny.run.params.is_public`), a public index
    (no status, no manifest, no name or link of any other page) and ``public-pack.pdf``.
    ``dest`` must be empty, or hold only what an earlier publish wrote there (it is
    replaced). Files are staged in a hidden folder inside ``dest`` and renamed into
    place; before anything is renamed, every staged file is scanned for the
    :func:`restricted_markers`, and one found stops the publish with nothing written.

    Parameters
    ----------
    cycle
        The validated :class:`scrutiny.analysis.board.Cycle`.
    reports
        ``reports/<cycle>/`` where the run published.
    dest
        The folder for the website.
    only
        Publish just these pages (each must be marked public).
    prov
        The scrutiny version for the index footer.

    Raises
    ------
    ParamsError
        A page asked for is not marked public (or not a briefing), a page or the public
        pack is missing or out of date, ``dest`` holds other files, or the scan finds a
        restricted marker (exit code 2; nothing is written).
    """
    import shutil

    from scrutiny.errors import ParamsError
    from scrutiny.run.pack import PACK_STATE, PUBLIC_PACK, pack_key
    from scrutiny.run.params import is_public

    names = [b.name for b in cycle.briefings]
    public = [b for b in cycle.briefings if is_public(b)]
    public_names = [b.name for b in public]
    wanted = list(dict.fromkeys(only)) if only else public_names
    refused = [n for n in wanted if n not in public_names]
    if refused:
        problems = []
        for n in refused:
            if n not in names:
                problems.append(f"'{n}' is not a briefing of cycle {cycle.cycle}")
            else:
                b = cycle.briefing(n)
                problems.append(
                    f"'{n}' is not marked public ({b.classification}; only pages with "
                    "public: true in the cycle file are published)"
                )
        raise ParamsError(
            reports,
            "refused to publish: "
            + "; ".join(problems)
            + ". Public pages: "
            + (", ".join(public_names) or "none")
            + ". Nothing was written",
        )
    if not wanted:
        raise ParamsError(reports, f"cycle {cycle.cycle} marks no page public; nothing to publish")
    manifest = read_manifest(reports / "manifest.json")
    entries = manifest.get("briefings", {})
    for n in wanted:
        page = reports / f"{n}.html"
        status = entries.get(n, {}).get("status")
        if not page.is_file() or status in (None, "failed", "not run"):
            raise ParamsError(
                page,
                f"page '{n}' is not published and up to date (status: {status or 'none'}); "
                "run the cycle first. Nothing was written",
            )
    pack = reports / PUBLIC_PACK
    state = read_manifest(reports / PACK_STATE)
    if not pack.is_file() or state.get("key") != pack_key(cycle, reports):
        raise ParamsError(
            pack,
            "the public pack is missing or no longer matches the pages; run `scrutiny pack` "
            "(or the cycle) first. Nothing was written",
        )

    dest = Path(dest)
    if dest.resolve() == reports.resolve() or dest.resolve().is_relative_to(reports.resolve()):
        raise ParamsError(dest, "the public folder must be outside the reports folder")
    dest.mkdir(parents=True, exist_ok=True)
    previous = read_manifest(dest / PUBLIC_MARKER).get("files", [])
    others = sorted(
        p.name
        for p in dest.iterdir()
        if p.name not in previous and p.name != PUBLIC_MARKER and not p.name.startswith(".stage-")
    )
    if others:
        raise ParamsError(
            dest,
            "the public folder holds files scrutiny did not publish there: "
            + ", ".join(others[:10])
            + ". Publish into an empty folder (nothing was written)",
        )

    rows = [
        IndexRow(
            name=b.name,
            title=(entries.get(b.name, {}).get("published") or {}).get("title")
            or b.title
            or b.name,
            status="ok",
            classification=b.classification,
            href=f"{b.name}.html",
        )
        for b in public
        if b.name in wanted
    ]
    info = CycleInfo(
        cycle=cycle.cycle,
        title=cycle.title,
        meeting_date=human_date(cycle.meeting_date),
        data_to=cycle.data_to,
    )
    packs = [
        {
            "href": PUBLIC_PACK,
            "label": "Public papers",
            "pages": state.get("pages", {}).get(PUBLIC_PACK, "?"),
            "classification": "OFFICIAL",
            "note": None,
        }
    ]
    index = render_index(
        info,
        rows,
        prov or Provenance(version=_version()),
        generated=datetime.now().astimezone(),
        agenda=_only(cycle, wanted),
        packs=packs,
        public=True,
    )
    stage = dest / f".stage-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    try:
        files = ["index.html", PUBLIC_PACK] + [f"{n}.html" for n in wanted]
        (stage / "index.html").write_text(index, encoding="utf-8")
        shutil.copyfile(pack, stage / PUBLIC_PACK)
        for n in wanted:
            shutil.copyfile(reports / f"{n}.html", stage / f"{n}.html")
        found = leaks(stage, restricted_markers(cycle))
        if found:
            shown = "; ".join(f"{f} contains {m!r}" for f, m in found[:5])
            raise ParamsError(dest, f"refused to publish: restricted material found ({shown})")
        for f in files:
            os.replace(stage / f, dest / f)
        for f in previous:
            if f not in files:
                (dest / f).unlink(missing_ok=True)
        atomic_write(
            dest / PUBLIC_MARKER,
            json.dumps({"cycle": cycle.cycle, "files": files}, indent=2) + "\n",
        )
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return PublicFiles(dest, wanted, files)


def _month_words(month: str | None) -> str:
    """``2022-10`` as ``October 2022`` (anything else as it is)."""
    if month and _MONTH.match(month):  # as narrative.month_text, without importing pandas
        return datetime.strptime(month, "%Y-%m").strftime("%B %Y")
    return month or ""


def _only(cycle: Any, names: list[str]) -> Any:
    """The cycle with just the public briefings named (for the public index)."""
    keep = [b for b in cycle.briefings if b.name in names]
    return cycle.model_copy(update={"briefings": keep})


def _version() -> str:
    from scrutiny import __version__

    return __version__
