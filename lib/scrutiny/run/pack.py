"""The board pack: the cycle's published pages as one PDF, in the order of the meeting.

``reports/<cycle>/pack.pdf`` holds every page of the cycle; ``public-pack.pdf`` only the
pages marked public (:func:`scrutiny.run.params.is_public`: ``public: true`` in the cycle
file, OFFICIAL, disclosure control on) and only the open-session agenda items. Each pack
is, in order:

1. a cover (meeting, date in words, data period, classification);
2. the contents, with the page where each item and paper starts;
3. each agenda item in the order of the agenda: a one-page summary of the item (what the
   Commissioner asked, the force's response, the outcome, its actions and its evidence)
   followed by its evidence, the briefings the item's ``briefings:`` list names;
4. "Other papers of the cycle": the briefings no agenda item names, in cycle-file order.

Every paper is printed from its published HTML by Chromium (Playwright, A4, no network:
every request that is not ``file:`` or ``data:`` is aborted); the pieces are merged with
pypdf, which adds a bookmark per item and paper. The classification marking and "Page N of
M" are then stamped on every page from a blank document printed by Chromium with
``displayHeaderFooter`` (its header and footer templates): the marking of each page is
that of the paper it belongs to, and the cover and contents carry the pack's highest
marking. Fonts are embedded by Chromium. Packs are written beside their target and
renamed into place: a reader never sees half a pack, and a failed build removes a pack
that no longer matches the pages rather than leave it stale.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrutiny.analysis.board import AgendaItem, Briefing, Cycle
from scrutiny.errors import MachineError
from scrutiny.run.params import is_public
from scrutiny.run.publish import (
    SENSITIVE,
    atomic_write,
    highest_classification,
    human_date,
    read_manifest,
    temp_path,
)

PACK = "pack.pdf"
PUBLIC_PACK = "public-pack.pdf"
PACK_STATE = ".pack.json"
CHROMIUM_ENV = "SCRUTINY_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
OTHER_PAPERS = "Other papers of the cycle"
#: Exit code of ``scrutiny run`` and ``scrutiny pack`` when a pack cannot be built.
PACK_EXIT_CODE = 5

# Page geometry: A4; the papers keep their own side margins, the top and bottom leave room
# for the marking and page number stamped on every page.
_MARGIN = {"top": "20mm", "bottom": "20mm", "left": "14mm", "right": "14mm"}
# The papers' own @page margin boxes repeat the marking; in the pack the stamp does it.
_PRINT_OVERRIDE = (
    "@page { size: A4; margin: 20mm 14mm; "
    "@top-center { content: none; } @bottom-center { content: none; } } "
    ".agenda-link, .skip-link { display: none !important; }"
)


class PackError(RuntimeError):
    """A board pack could not be built (``scrutiny run`` and ``scrutiny pack`` exit 5).

    Parameters
    ----------
    path
        The pack, page or folder concerned.
    problem
        What went wrong, in plain English.
    """

    def __init__(self, path: str | Path, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


# ---------------------------------------------------------------------------------------
# What goes in a pack, in which order (pure)


@dataclass
class Paper:
    """One published briefing page in a pack."""

    name: str
    title: str
    classification: str
    description: str | None
    page: Path
    repeat: bool = False  # the evidence of an earlier item too: printed there, not again


@dataclass
class Section:
    """An agenda item (``item`` set) or the other papers (``item`` None), with its papers."""

    title: str
    papers: list[Paper]
    item: AgendaItem | None = None
    number: int | None = None
    actions: list[Any] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """Return the id of this section on the index (``item-<id>`` or ``other-papers``)."""
        return f"item-{self.item.id}" if self.item is not None else "other-papers"

    @property
    def classification(self) -> str:
        """Return the marking of the item's summary page (closed session is sensitive)."""
        if self.item is not None and self.item.session == "closed":
            return SENSITIVE
        return "OFFICIAL"


def agenda_sections(
    cycle: Cycle,
    pages: dict[str, Path] | None = None,
    *,
    public: bool = False,
    titles: dict[str, str] | None = None,
    board_pack: bool = False,
) -> list[Section]:
    """The agenda items in meeting order, each with its evidence, then the other papers.

    The one place where an agenda item is tied to its briefings is the item's
    ``briefings:`` list in the cycle file (checked by
    :func:`scrutiny.run.params.pack_problems`); this function reads it for the pack and the
    index alike.

    Parameters
    ----------
    cycle
        The validated cycle.
    pages
        Briefing name to its published page (default ``<name>.html``).
    public
        Keep only open-session items and pages marked public (:func:`is_public`); an open
        item with no public paper is left out.
    titles
        Briefing name to the title its published page carries (default: the cycle file's
        ``title``, else the name).
    board_pack
        For ``pack.pdf``: leave out briefings marked ``board_pack: false`` (the index
        lists every briefing; the public pack follows ``public`` alone).

    Returns
    -------
    list of Section
        Items in agenda order, numbered as on the agenda (the public pack keeps the
        numbers, so item 2 is item 2 in both packs), then the other papers when there are
        any.
    """
    from scrutiny.analysis.actions import public_actions

    pages = pages or {}
    titles = titles or {}
    keep = {
        b.name
        for b in cycle.briefings
        if (is_public(b) if public else (b.board_pack or not board_pack))
    }
    by_name = {b.name: b for b in cycle.briefings}

    shown: set[str] = set()

    def paper(b: Briefing) -> Paper:
        repeat = b.name in shown
        shown.add(b.name)
        return Paper(
            name=b.name,
            title=titles.get(b.name) or b.title or b.name.replace("_", " ").capitalize(),
            classification=b.classification,
            description=b.description,
            page=pages.get(b.name, Path(f"{b.name}.html")),
            repeat=repeat,
        )

    actions = public_actions(cycle.actions) if public else list(cycle.actions)
    sections: list[Section] = []
    placed: set[str] = set()
    for number, item in enumerate(cycle.agenda, 1):
        placed.update(item.briefings)
        if public and item.session != "open":
            continue
        papers = [paper(by_name[n]) for n in item.briefings if n in keep and n in by_name]
        if public and not papers:
            continue
        sections.append(
            Section(
                title=item.title,
                papers=papers,
                item=item,
                number=number,
                actions=[a for a in actions if a.item == item.id],
            )
        )
    rest = [paper(b) for b in cycle.briefings if b.name not in placed and b.name in keep]
    if rest:
        sections.append(Section(title=OTHER_PAPERS, papers=rest))
    return sections


def published_titles(folder: Path) -> dict[str, str]:
    """Briefing name to the title of its published page (from ``manifest.json``)."""
    entries = read_manifest(folder / "manifest.json").get("briefings", {})
    return {
        name: e["published"]["title"]
        for name, e in entries.items()
        if isinstance(e, dict) and (e.get("published") or {}).get("title")
    }


def pack_classification(sections: Sequence[Section]) -> str:
    """Return the highest marking of the pack's papers and item summaries."""
    marks = [s.classification for s in sections if s.item is not None]
    marks += [p.classification for s in sections for p in s.papers]
    return highest_classification(marks)


# ---------------------------------------------------------------------------------------
# The pack's own pages (cover, contents, item summaries)


def _page_html(title: str, classification: str, body: str) -> str:
    from scrutiny.run.publish import template

    return template("pack.html.j2").render(
        title=title, classification=classification, body=_markup(body)
    )


def _markup(text: str) -> Any:
    from markupsafe import Markup

    return Markup(text)  # noqa: S704 - built here from escaped cycle-file text


def _e(text: Any) -> str:
    return html.escape(str(text))


def cover_html(cycle: Cycle, classification: str, *, public: bool) -> str:
    """Return the cover: meeting, date in words, data period, what the pack holds."""
    from scrutiny.analysis.narrative import month_text

    kind = "Public papers" if public else "Board pack"
    holds = (
        "The papers of this meeting published for the public: open-session items only, "
        "with counts below the disclosure threshold withheld."
        if public
        else "Every paper of this meeting, in the order of the agenda."
    )
    body = (
        f'<div class="cover"><p class="kind">{kind}</p><h1>{_e(cycle.title)}</h1>'
        f'<p class="when">Meeting on {_e(human_date(cycle.meeting_date))}</p>'
        f"<p>Data to {_e(month_text(cycle.data_to))}.</p><p>{holds}</p>"
        f'<p class="mark">{_e(classification)}</p></div>'
    )
    return _page_html(f"{cycle.title}: {kind.lower()}", classification, body)


def contents_html(
    cycle: Cycle, sections: Sequence[Section], starts: dict[str, int], classification: str
) -> str:
    """Return the contents: each item and paper with the page it starts on.

    ``starts`` maps ``section:<anchor>`` and ``paper:<name>`` to 1-based page numbers.
    """
    rows = []
    for s in sections:
        label = f"{s.number}. {s.title}" if s.number else s.title
        if s.item is not None and s.item.session == "closed":
            label += " (closed session)"
        rows.append(
            f'<li class="section"><span class="t">{_e(label)}</span>'
            f'<span class="n">{starts.get("section:" + s.anchor, "")}</span>'
        )
        if s.papers:
            rows.append("<ol>")
            for p in s.papers:
                desc = f'<span class="d">{_e(p.description)}</span>' if p.description else ""
                rows.append(
                    f'<li><span class="t">{_e(p.title)} ({_e(p.classification)}){desc}</span>'
                    f'<span class="n">{starts.get("paper:" + p.name, "")}</span></li>'
                )
            rows.append("</ol>")
        rows.append("</li>")
    body = (
        f"<h1>Contents</h1><p>{_e(cycle.title)}, meeting on "
        f"{_e(human_date(cycle.meeting_date))}.</p>"
        f'<ol class="contents">{"".join(rows)}</ol>'
    )
    return _page_html("Contents", classification, body)


def item_html(section: Section, starts: dict[str, int]) -> str:
    """Return an agenda item's summary page: request, response, outcome, actions, evidence."""
    item = section.item
    assert item is not None
    session = "Closed session" if item.session == "closed" else "Open session"
    parts = [
        f'<p class="kind">Agenda item {section.number}. {session}. Theme: {_e(item.theme)}</p>',
        f"<h1>{_e(item.title)}</h1>",
        f"<h2>Asked</h2><p>{_e(item.request)}</p>",
        f"<h2>Response</h2><p>{_e(item.response)}</p>",
        f"<h2>Outcome</h2><p>{_e(item.outcome)}</p>",
    ]
    if section.actions:
        rows = "".join(
            f"<tr><td>{_e(a.id)}</td><td>{_e(a.description)}</td><td>{_e(a.owner)}</td>"
            f"<td>{_e(human_date(a.due))}</td><td>{_e(a.status)}</td></tr>"
            for a in section.actions
        )
        parts.append(
            "<h2>Actions</h2><table><thead><tr><th>Action</th><th>What</th><th>Owner</th>"
            f"<th>Due</th><th>Status</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    if section.papers:
        items = "".join(
            f"<li>{_e(p.title)} ({_e(p.classification)}), page "
            f"{starts.get('paper:' + p.name, '')}"
            + (f": {_e(p.description)}" if p.description else "")
            + "</li>"
            for p in section.papers
        )
        parts.append(f"<h2>Evidence</h2><ol>{items}</ol>")
    else:
        parts.append("<h2>Evidence</h2><p>No briefing of this cycle is this item's evidence.</p>")
    return _page_html(item.title, section.classification, "".join(parts))


# ---------------------------------------------------------------------------------------
# Chromium


def chromium_path() -> str:
    """Return the Chromium to print with: ``$SCRUTINY_CHROMIUM``, else /usr/bin/chromium."""
    return os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM


def _missing_browser(path: str, why: str) -> MachineError:
    return MachineError(
        path,
        f"the board pack needs Chromium to print the pages, and {why}",
        "Install Chromium (Debian: apt-get install chromium) or set SCRUTINY_CHROMIUM to "
        "its path; `scrutiny run --no-pack` publishes the pages without the pack",
    )


class Printer:
    """A headless Chromium that prints local HTML files to PDF with the network blocked."""

    def __init__(self, executable: str | None = None):
        self.executable = executable or chromium_path()
        self.requests_blocked: list[str] = []
        self._pw: Any = None
        self._browser: Any = None
        self._context: Any = None
        self._printed: dict[str, bytes] = {}

    def __enter__(self) -> Printer:
        path = self.executable
        if not (Path(path).is_file() or shutil.which(path)):
            raise _missing_browser(path, "there is no browser at this path")
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as exc:
            raise _missing_browser(path, f"Playwright is not installed ({exc})") from exc
        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(
                executable_path=path, args=list(CHROMIUM_ARGS), headless=True
            )
        except Exception as exc:  # noqa: BLE001 - any launch failure means "no browser"
            self._pw.stop()
            raise _missing_browser(path, f"it would not start ({exc})") from exc
        self._context = self._browser.new_context(offline=True)
        self._context.route("**/*", self._route)
        return self

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.requests_blocked.append(url)
            route.abort()

    def __exit__(self, *exc: object) -> None:
        for close in (
            lambda: self._context.close(),
            lambda: self._browser.close(),
            lambda: self._pw.stop(),
        ):
            try:
                close()
            except Exception:  # noqa: BLE001, S110 - closing what may already be gone
                pass

    def pdf(
        self,
        path: Path,
        *,
        header: str | None = None,
        footer: str | None = None,
        override: bool = True,
    ) -> bytes:
        """Print one local HTML file to A4 PDF bytes.

        Parameters
        ----------
        path
            The page.
        header, footer
            Chromium header and footer templates (``displayHeaderFooter`` when either).
        override
            Replace the page's own @page margins and margin boxes with the pack's.
        """
        key = hashlib.sha256(
            json.dumps([path.read_text(encoding="utf-8"), header, footer, override]).encode()
        ).hexdigest()
        if key in self._printed:  # the same page in both packs is printed once
            return self._printed[key]
        page = self._context.new_page()
        try:
            page.goto(path.resolve().as_uri(), wait_until="load")
            if override:
                page.add_style_tag(content=_PRINT_OVERRIDE)
            page.evaluate("document.fonts.ready.then(() => true)")
            options: dict[str, Any] = {
                "format": "A4",
                "print_background": True,
                "margin": _MARGIN,
                "outline": False,
            }
            if header is not None or footer is not None:
                options |= {
                    "display_header_footer": True,
                    "header_template": header or "<span></span>",
                    "footer_template": footer or "<span></span>",
                }
            self._printed[key] = page.pdf(**options)
            return self._printed[key]
        finally:
            page.close()


_STAMP_FONT = "font-family: Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif; font-size: 9pt;"


def stamp_templates(classification: str, label: str) -> tuple[str, str]:
    """Return Chromium's header and footer templates: the marking; "Page N of M"."""
    mark = _e(classification)
    header = (
        f'<div style="{_STAMP_FONT} width: 100%; text-align: center; font-weight: 700;">'
        f"{mark}</div>"
    )
    footer = (
        f'<div style="{_STAMP_FONT} width: 100%; display: flex; padding: 0 14mm; '
        'white-space: nowrap;">'
        f'<span style="flex: 5; overflow: hidden;">{_e(label)}</span>'
        f'<span style="flex: 3; text-align: center; font-weight: 700;">{mark}</span>'
        '<span style="flex: 3; text-align: right;">Page <span class="pageNumber"></span> '
        'of <span class="totalPages"></span></span></div>'
    )
    return header, footer


def _blank_pages(n: int) -> str:
    pages = '<div style="break-after: page; height: 1px;"></div>' * (n - 1) + "<div></div>"
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>stamp</title>'
        f"<style>@page {{ size: A4; }} body {{ margin: 0; }}</style></head><body>{pages}"
        "</body></html>"
    )


# ---------------------------------------------------------------------------------------
# Building


@dataclass
class PackResult:
    """A pack built (or found up to date)."""

    path: Path
    pages: int
    classification: str
    bookmarks: list[tuple[int, str, int]]  # (level, title, 0-based page)
    built: bool = True


def _count_pages(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def build_pack(
    cycle: Cycle,
    folder: Path,
    target: Path,
    *,
    public: bool,
    printer: Printer,
    progress: Callable[[str], None] = lambda text: None,
    label: str | None = None,
) -> PackResult:
    """Print and merge one pack into ``target`` (written to a temporary file, then renamed).

    Parameters
    ----------
    cycle
        The validated cycle.
    folder
        ``reports/<cycle>/`` holding the published pages.
    target
        ``pack.pdf`` or ``public-pack.pdf`` in ``folder``.
    public
        Only the pages marked public and the open-session items.
    printer
        An open :class:`Printer`.
    progress
        Told what is being printed.
    label
        The pack's name in progress messages (default ``target``'s name).

    Raises
    ------
    PackError
        A page is missing, or Chromium or pypdf fails.
    """
    from pypdf import PdfReader, PdfWriter

    shown = label or target.name
    sections = agenda_sections(
        cycle, public=public, titles=published_titles(folder), board_pack=not public
    )
    papers = [p for s in sections for p in s.papers if not p.repeat]
    for p in papers:
        if not (folder / p.page).is_file():
            raise PackError(
                folder / p.page,
                f"briefing '{p.name}' has no published page, so {shown} cannot be built; "
                "run the whole cycle (or `scrutiny run <cycle file> --only "
                f"{p.name}`) first",
            )
    classification = pack_classification(sections)
    footer_label = f"{'Public papers' if public else 'Board pack'}: {cycle.title}"
    work = folder / f".pack-work-{os.getpid()}"
    work.mkdir(exist_ok=True)
    try:
        printed: dict[str, bytes] = {}
        for i, p in enumerate(papers, 1):
            progress(f"{shown}: printing {p.name} ({i} of {len(papers)})")
            printed[p.name] = printer.pdf(folder / p.page)

        def generated(starts: dict[str, int]) -> tuple[bytes, bytes, dict[str, bytes]]:
            def print_html(name: str, text: str) -> bytes:
                f = work / f"{name}.html"
                f.write_text(text, encoding="utf-8")
                return printer.pdf(f, override=False)

            cover = print_html("cover", cover_html(cycle, classification, public=public))
            contents = print_html(
                "contents", contents_html(cycle, sections, starts, classification)
            )
            items = {
                s.anchor: print_html(s.anchor, item_html(s, starts))
                for s in sections
                if s.item is not None
            }
            return cover, contents, items

        # Page numbers depend on the length of the contents and item pages, which do not
        # depend on the numbers' values: lay out with placeholders, then with the numbers.
        starts: dict[str, int] = {}
        progress(f"{shown}: cover, contents and agenda items")
        for _ in range(3):
            cover, contents, items = generated(starts)
            order: list[tuple[str, bytes, str, int, str]] = []  # key, pdf, mark, level, title
            order.append(("cover", cover, classification, 0, "Cover"))
            order.append(("contents", contents, classification, 0, "Contents"))
            for s in sections:
                title = f"{s.number}. {s.title}" if s.number else s.title
                if s.item is not None:
                    order.append(
                        ("section:" + s.anchor, items[s.anchor], s.classification, 0, title)
                    )
                for j, p in enumerate(s.papers):
                    key = "paper:" + p.name
                    if s.item is None and j == 0:
                        key2 = "section:" + s.anchor
                        order.append((key2, b"", classification, 0, title))
                    if p.repeat:  # a bookmark to where it was printed, under an earlier item
                        order.append(("again:" + p.name, b"", p.classification, 1, p.title))
                    else:
                        order.append((key, printed[p.name], p.classification, 1, p.title))
            new_starts: dict[str, int] = {}
            page = 1
            for key, data, _, _, _ in order:
                new_starts[key] = page
                page += _count_pages(data) if data else 0
            if new_starts == starts:
                break
            starts = new_starts

        writer = PdfWriter()
        marks: list[str] = []
        bookmarks: list[tuple[int, str, int]] = []
        for _key, data, mark, level, title in order:
            bookmarks.append((level, title, len(writer.pages)))
            if data:
                reader = PdfReader(io.BytesIO(data))
                writer.append(reader, import_outline=False)
                marks += [mark] * len(reader.pages)
        parent = None
        first_page = {
            key.removeprefix("paper:"): mark[2]
            for (key, *_), mark in zip(order, bookmarks, strict=True)
            if key.startswith("paper:")
        }
        for i, (key, *_rest) in enumerate(order):
            if key.startswith("again:"):  # points at the pages printed under an earlier item
                level, title, _ = bookmarks[i]
                bookmarks[i] = (level, title, first_page[key.removeprefix("again:")])
        for level, title, first in bookmarks:  # every page is there now
            if level == 0:
                parent = writer.add_outline_item(title, first)
            else:
                writer.add_outline_item(title, first, parent=parent)

        total = len(writer.pages)
        progress(f"{shown}: marking {total} pages")
        stamps: dict[str, Any] = {}
        for mark in sorted(set(marks)):
            blank = work / "stamp.html"
            blank.write_text(_blank_pages(total), encoding="utf-8")
            header, footer = stamp_templates(mark, footer_label)
            data = printer.pdf(blank, header=header, footer=footer, override=False)
            stamps[mark] = PdfReader(io.BytesIO(data))
            if len(stamps[mark].pages) != total:
                raise PackError(target, f"the page stamp has {len(stamps[mark].pages)} pages")
        for i, mark in enumerate(marks):
            writer.pages[i].merge_page(stamps[mark].pages[i])
        writer.add_metadata(
            {
                "/Title": footer_label,
                "/Subject": f"{classification}. Meeting on {human_date(cycle.meeting_date)}",
                "/Creator": "scrutiny (Chromium, pypdf)",
            }
        )
        writer.page_mode = "/UseOutlines"
        buf = io.BytesIO()
        writer.write(buf)
    except PackError:
        raise
    except MachineError:
        raise
    except Exception as exc:  # noqa: BLE001 - Chromium or pypdf: one clear message
        raise PackError(target, f"printing or merging failed: {type(exc).__name__}: {exc}") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if printer.requests_blocked:
        raise PackError(
            target,
            "a page asked for something over the network while printing (blocked): "
            + ", ".join(sorted(set(printer.requests_blocked))[:5]),
        )
    atomic_write(target, buf.getvalue())
    return PackResult(target, total, classification, bookmarks)


# ---------------------------------------------------------------------------------------
# Both packs, with an up-to-date check


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pack_key(cycle: Cycle, folder: Path) -> str:
    """Return a hash of everything the packs show: the cycle file's fields, pages, code."""
    h = hashlib.sha256()
    h.update(cycle.model_dump_json().encode())
    h.update(Path(__file__).read_bytes())
    h.update((Path(__file__).parent.parent / "templates" / "pack.html.j2").read_bytes())
    for b in cycle.briefings:
        page = folder / f"{b.name}.html"
        h.update(f"{b.name}:{_sha(page) if page.is_file() else 'missing'}".encode())
    return h.hexdigest()


def remove_packs(folder: Path) -> list[Path]:
    """Delete both packs (and the record of them) from ``folder``; return those removed."""
    gone = []
    for name in (PACK, PUBLIC_PACK, PACK_STATE):
        p = folder / name
        if p.exists():
            p.unlink()
            gone.append(p)
    return gone


@contextmanager
def _failing_removes_stale(folder: Path) -> Iterator[None]:
    try:
        yield
    except BaseException:
        remove_packs(folder)
        for tmp in folder.glob(".*.pdf.*.tmp*"):
            tmp.unlink(missing_ok=True)
        raise


def build_packs(
    cycle: Cycle,
    folder: Path,
    *,
    force: bool = False,
    progress: Callable[[str], None] = lambda text: None,
    executable: str | None = None,
) -> list[PackResult]:
    """Build ``pack.pdf`` and ``public-pack.pdf`` in ``folder`` (unless up to date).

    Both are printed to temporary files first and renamed into place only when both are
    done. When anything fails, the packs already there are removed (they would no longer
    match the pages) and the error is raised.

    Parameters
    ----------
    cycle
        The validated cycle.
    folder
        ``reports/<cycle>/`` with every briefing's page published.
    force
        Rebuild even when the pages, the cycle file and this code are unchanged.
    progress
        Told what is happening.
    executable
        Chromium to print with (default :func:`chromium_path`).

    Raises
    ------
    PackError
        A page is missing, or printing or merging failed (exit code 5).
    MachineError
        Chromium or Playwright is missing (exit code 3).
    """
    for left in folder.glob(".pack-work-*"):  # from a build that was killed
        shutil.rmtree(left, ignore_errors=True)
    key = pack_key(cycle, folder)
    state_file = folder / PACK_STATE
    targets = [(folder / PACK, False), (folder / PUBLIC_PACK, True)]
    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {}
    if (
        not force
        and state.get("key") == key
        and all(t.is_file() and state.get("sha256", {}).get(t.name) == _sha(t) for t, _ in targets)
    ):
        return [
            PackResult(t, state["pages"][t.name], state["classification"][t.name], [], False)
            for t, _ in targets
        ]
    results: list[PackResult] = []
    with _failing_removes_stale(folder):
        staged = []
        with Printer(executable) as printer:
            for target, public in targets:
                tmp_target = temp_path(target, ".pdf")
                res = build_pack(
                    cycle,
                    folder,
                    tmp_target,
                    public=public,
                    printer=printer,
                    progress=progress,
                    label=target.name,
                )
                staged.append((tmp_target, target, res))
        for tmp_target, target, res in staged:
            os.replace(tmp_target, target)
            res.path = target
            results.append(res)
        record = {
            "key": key,
            "built": datetime.now(UTC).isoformat(timespec="seconds"),
            "sha256": {r.path.name: _sha(r.path) for r in results},
            "pages": {r.path.name: r.pages for r in results},
            "classification": {r.path.name: r.classification for r in results},
        }
        atomic_write(state_file, json.dumps(record, indent=2, sort_keys=True) + "\n")
        _record_in_manifest(folder, record)
    return results


def _record_in_manifest(folder: Path, record: dict[str, Any]) -> None:
    """Add the packs (sha256, pages, when) to ``manifest.json`` when there is one."""
    from scrutiny.run.publish import write_manifest

    path = folder / "manifest.json"
    manifest = read_manifest(path)
    if manifest:
        manifest["packs"] = {k: v for k, v in record.items() if k != "key"}
        write_manifest(path, manifest)
