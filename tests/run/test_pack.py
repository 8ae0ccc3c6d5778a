"""The board pack: what goes in it, in which order, and the PDFs Chromium prints.

Quick tests build the order and the checks from hand-made cycles. The slow, browser tests
render both real cycles once per session through the CLI (``render_cycles``, shared with
tests/run/test_publish_public.py) and read the PDFs back with pypdf: bookmarks in agenda
order, the marking on every page, "Page N of M", embedded fonts, nothing closed in the
public pack.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import CHROMIUM, REPO, run_cli
from scrutiny.analysis.board import load_cycle
from scrutiny.errors import MachineError
from scrutiny.run import pack as packmod
from scrutiny.run.pack import Printer, agenda_sections, contents_html, item_html
from scrutiny.run.params import NotebookParameter, is_public, pack_problems

CYCLES = ("2022-11", "2022-09")
SENSITIVE = "OFFICIAL-SENSITIVE"


# ---------------------------------------------------------------------------------------
# Shared: both real cycles rendered once per session


def _need_chromium() -> None:
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        import os

        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}")
        pytest.skip(f"Chromium not found at {CHROMIUM}")


def render_cycles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Render both cycles through ``scrutiny run`` (packs included) once per session.

    The result is kept under the session's base temporary folder, so the two test modules
    that need it share one render.
    """
    _need_chromium()
    base = tmp_path_factory.getbasetemp() / "pack-cycles"
    record = base / "done.json"
    if record.is_file():
        return json.loads(record.read_text())
    base.mkdir(exist_ok=True)
    done: dict[str, dict[str, Any]] = {}
    for cycle in CYCLES:
        proc = run_cli(
            "run",
            REPO / "params" / "cycles" / f"{cycle}.yaml",
            "--reports-dir",
            base,
            "--jobs",
            "2",
            "--plain",
            timeout=3600,
        )
        done[cycle] = {
            "returncode": proc.returncode,
            "stdout": proc.stdout[-6000:],
            "stderr": proc.stderr[-6000:],
            "folder": str(base / cycle),
        }
    record.write_text(json.dumps(done))
    return done


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    return render_cycles(tmp_path_factory)


def _reader(path: Path) -> Any:
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(path.read_bytes()))


def bookmarks(reader: Any) -> list[tuple[int, str, int]]:
    """(level, title, 0-based page) of every bookmark, in outline order."""
    out: list[tuple[int, str, int]] = []

    def walk(entries: list[Any], level: int) -> None:
        for e in entries:
            if isinstance(e, list):
                walk(e, level + 1)
            else:
                out.append((level, e.title, reader.get_destination_page_number(e)))

    walk(reader.outline, 0)
    return out


def has_embedded_fonts(reader: Any) -> bool:
    """True when every page's fonts carry their font program (/FontFile, 2 or 3)."""
    for page in reader.pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for ref in fonts.values():
            font = ref.get_object()
            desc = font.get("/FontDescriptor")
            if desc is None and font.get("/DescendantFonts"):
                desc = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            if desc is None:
                continue  # a Type 3 font draws its own glyphs
            keys = set(desc.get_object().keys())
            if not keys & {"/FontFile", "/FontFile2", "/FontFile3"}:
                return False
    return True


# ---------------------------------------------------------------------------------------
# Hand-made cycles: order and checks

CYCLE_YAML = """
cycle: "2022-11"
title: Test board, November 2022
meeting_date: 2022-11-23
data_to: "2022-10"
agenda:
  - {id: a, title: First open item, session: open, theme: T, request: Asked A.,
     response: R., outcome: O., briefings: [deep]}
  - {id: b, title: Secret closed item, session: closed, theme: T, request: Asked B.,
     response: R., outcome: O., briefings: [closed_page]}
  - {id: c, title: Finance item, session: open, theme: T, request: Asked C.,
     response: R., outcome: O., briefings: [budget, needs]}
actions:
  - {id: X-1, raised_at: "2022-09", item: a, description: Open action., owner: O,
     due: 2022-12-01, status: open, session: open}
  - {id: X-2, raised_at: "2022-09", item: b, description: Closed action., owner: O,
     due: 2022-12-01, status: open, session: closed}
briefings:
  - {name: quality, notebook: q.ipynb, title: Quality, description: Read it first.}
  - {name: budget, notebook: b.ipynb, title: Budget}
  - {name: needs, notebook: n.ipynb, title: Needs, public: true}
  - {name: deep, notebook: d.ipynb, title: Deep dive}
  - {name: closed_page, notebook: c.ipynb, title: Closed page,
     classification: OFFICIAL-SENSITIVE}
  - {name: panel, notebook: p.ipynb, title: Panel, public: true}
"""


def _cycle(tmp_path: Path, text: str = CYCLE_YAML) -> tuple[Path, Any]:
    path = tmp_path / "2022-11.yaml"
    path.write_text(text, encoding="utf-8")
    return path, load_cycle(path)


def test_sections_follow_the_agenda_then_the_other_papers(tmp_path):
    _, cycle = _cycle(tmp_path)
    sections = agenda_sections(cycle)
    assert [(s.number, s.title, [p.name for p in s.papers]) for s in sections] == [
        (1, "First open item", ["deep"]),
        (2, "Secret closed item", ["closed_page"]),
        (3, "Finance item", ["budget", "needs"]),
        (None, "Other papers of the cycle", ["quality", "panel"]),
    ]
    assert sections[1].classification == SENSITIVE
    assert [a.id for a in sections[1].actions] == ["X-2"]


def test_public_sections_keep_only_public_pages_and_open_items(tmp_path):
    _, cycle = _cycle(tmp_path)
    sections = agenda_sections(cycle, public=True)
    # "First open item" has no public paper; the closed item never appears.
    assert [(s.number, s.title, [p.name for p in s.papers]) for s in sections] == [
        (3, "Finance item", ["needs"]),  # numbered as on the agenda
        (None, "Other papers of the cycle", ["panel"]),
    ]
    assert all(a.session == "open" for s in sections for a in s.actions)
    assert packmod.pack_classification(sections) == "OFFICIAL"
    assert packmod.pack_classification(agenda_sections(cycle)) == SENSITIVE


def test_a_briefing_kept_out_of_the_board_pack_stays_in_the_public_pack(tmp_path):
    text = CYCLE_YAML.replace(
        "{name: panel, notebook: p.ipynb, title: Panel, public: true}",
        "{name: panel, notebook: p.ipynb, title: Panel, public: true, board_pack: false}",
    )
    _, cycle = _cycle(tmp_path, text)

    def names(sections):
        return [p.name for s in sections for p in s.papers]

    assert "panel" not in names(agenda_sections(cycle, board_pack=True))  # pack.pdf
    assert "panel" in names(agenda_sections(cycle))  # the index lists every briefing
    assert "panel" in names(agenda_sections(cycle, public=True))  # public-pack.pdf


def test_is_public_needs_the_flag_and_official(tmp_path):
    _, cycle = _cycle(tmp_path)
    assert [b.name for b in cycle.briefings if is_public(b)] == ["needs", "panel"]
    sensitive = cycle.briefing("needs").model_copy(update={"classification": SENSITIVE})
    assert not is_public(sensitive)


def test_contents_and_item_pages_show_page_numbers_and_escape_text(tmp_path):
    text = CYCLE_YAML.replace("First open item", "Drink <spiking> & VAWG")
    _, cycle = _cycle(tmp_path, text)
    sections = agenda_sections(cycle)
    starts = {"section:item-a": 3, "paper:deep": 4, "section:item-b": 9, "paper:closed_page": 10}
    contents = contents_html(cycle, sections, starts, SENSITIVE)
    assert "1. Drink &lt;spiking&gt; &amp; VAWG" in contents
    assert "2. Secret closed item (closed session)" in contents
    assert '<span class="n">3</span>' in contents and '<span class="n">10</span>' in contents
    assert "Read it first." in contents  # the briefing's one-line description
    item = item_html(sections[0], starts)
    assert "Agenda item 1. Open session." in item
    assert "Deep dive (OFFICIAL), page 4" in item
    assert "Open action." in item and "Closed action." not in item
    assert 'content="OFFICIAL"' in item
    assert 'content="OFFICIAL-SENSITIVE"' in item_html(sections[1], starts)


def _declared(threshold: str | None = "10", session: str | None = None) -> dict[str, Any]:
    out = {}
    if threshold is not None:
        out["disclosure_threshold"] = NotebookParameter(
            "disclosure_threshold", "int", threshold, ""
        )
    if session is not None:
        out["session"] = NotebookParameter("session", "str", f'"{session}"', "")
    return out


def _problems(path: Path, cycle: Any, declared: dict[str, Any] | None = None) -> list[str]:
    names = [b.name for b in cycle.briefings]
    declared = declared or {n: _declared() for n in names}
    return [str(e) for e in pack_problems(path, cycle, {n: {} for n in names}, declared)]


def test_the_example_cycle_has_no_pack_problem(tmp_path):
    path, cycle = _cycle(tmp_path)
    assert _problems(path, cycle) == []


def test_an_unknown_briefing_on_an_agenda_item_is_named_with_the_file_and_item(tmp_path):
    path, cycle = _cycle(
        tmp_path, CYCLE_YAML.replace("briefings: [budget, needs]", "briefings: [budgte]")
    )
    (problem,) = _problems(path, cycle)
    assert str(path) in problem
    assert "agenda[2] (id 'c').briefings[0]" in problem
    assert "'budgte' is not a briefing of this cycle" in problem
    assert "did you mean 'budget'" in problem


def test_a_briefing_twice_on_one_item_is_refused_but_several_items_may_share_it(tmp_path):
    path, cycle = _cycle(
        tmp_path, CYCLE_YAML.replace("briefings: [deep]", "briefings: [deep, deep]")
    )
    (problem,) = _problems(path, cycle)
    assert "agenda[0] (id 'a').briefings[1]: 'deep' is listed twice on this item" in problem
    # the same briefing as the evidence of two items: printed once, at the first
    path, cycle = _cycle(
        tmp_path, CYCLE_YAML.replace("briefings: [deep]", "briefings: [deep, budget]")
    )
    assert _problems(path, cycle) == []
    sections = agenda_sections(cycle)
    assert [(p.name, p.repeat) for p in sections[0].papers] == [("deep", False), ("budget", False)]
    assert [(p.name, p.repeat) for p in sections[2].papers] == [("budget", True), ("needs", False)]


def test_a_public_page_must_be_official_with_disclosure_control_and_open(tmp_path):
    text = CYCLE_YAML.replace(
        "{name: needs, notebook: n.ipynb, title: Needs, public: true}",
        "{name: needs, notebook: n.ipynb, title: Needs, public: true, "
        "classification: OFFICIAL-SENSITIVE}",
    )
    path, cycle = _cycle(tmp_path, text)
    names = [b.name for b in cycle.briefings]
    declared = {n: _declared() for n in names}
    declared["panel"] = _declared(threshold=None)  # no disclosure control at all
    problems = _problems(path, cycle, declared)
    assert any(
        "briefing 'needs'" in p and "must be classified OFFICIAL, not OFFICIAL-SENSITIVE" in p
        for p in problems
    ), problems
    assert any(
        "briefing 'panel'" in p and "must declare 'disclosure_threshold'" in p for p in problems
    ), problems
    # threshold 0 (control off) and a closed session are refused too
    declared["panel"] = _declared(threshold="0", session="all")
    problems = _problems(path, cycle, declared)
    assert any("run with a value above 0 (got 0)" in p for p in problems), problems
    assert any("its 'session' is 'all', expected 'open'" in p for p in problems), problems


def test_a_public_page_on_a_closed_item_is_refused(tmp_path):
    text = CYCLE_YAML.replace("briefings: [closed_page]", "briefings: [closed_page, panel]")
    path, cycle = _cycle(tmp_path, text)
    (problem,) = _problems(path, cycle)
    assert "'panel' is marked public but is the evidence of closed-session item 'b'" in problem


def test_a_description_is_one_line(tmp_path):
    path, cycle = _cycle(tmp_path, CYCLE_YAML.replace("Read it first.", '"Two\\nlines"'))
    (problem,) = _problems(path, cycle)
    assert "briefings[0].description: expected one line" in problem


def test_the_real_cycles_map_finance_to_the_budget_briefing():
    for cycle_id in CYCLES:
        cycle = load_cycle(REPO / "params" / "cycles" / f"{cycle_id}.yaml")
        assert all(b.description for b in cycle.briefings), cycle_id
        assert [b.name for b in cycle.briefings if is_public(b)] == [
            "needs_assessment",
            "panel_summary_public",
        ]
    cycle = load_cycle(REPO / "params" / "cycles" / "2022-11.yaml")
    by_item = {i.id: i.briefings for i in cycle.agenda}
    assert by_item["finance"] == ["budget_mtfp_2023_24", "budget_scenarios"]
    assert by_item["tom"] == by_item["hmicfrs"] == ["registers"]
    assert by_item["serious_violence"] == ["needs_assessment"]
    assert by_item["vawg"] == ["deep_dive_vawg"]


# ---------------------------------------------------------------------------------------
# No browser: a clear error naming it


def test_a_missing_browser_is_a_machine_error_naming_it(tmp_path):
    missing = str(tmp_path / "no-such-chromium")
    with pytest.raises(MachineError) as exc, Printer(missing):
        pass
    text = str(exc.value)
    assert missing in text and "needs Chromium" in text and "SCRUTINY_CHROMIUM" in text


@pytest.mark.slow
def test_the_pack_command_without_a_browser_exits_3(tmp_path, in_repo):
    # A published fixture cycle, then `scrutiny pack` with SCRUTINY_CHROMIUM pointing nowhere.
    cycle = _fixture_cycle(tmp_path)
    reports = tmp_path / "reports"
    res = run_cli("run", cycle, "--reports-dir", reports, "--plain", "--no-pack")
    assert res.returncode == 0, res.stdout + res.stderr
    env = {**__import__("os").environ, "SCRUTINY_CHROMIUM": str(tmp_path / "gone")}
    res = run_cli("pack", cycle, "--reports-dir", reports, env=env)
    assert res.returncode == 3, res.stdout + res.stderr
    assert str(tmp_path / "gone") in res.stderr and "needs Chromium" in res.stderr
    assert not (reports / "2022-11" / "pack.pdf").exists()


# ---------------------------------------------------------------------------------------
# The fixture cycle (two small pages): the runner's pack step


def _fixture_cycle(tmp_path: Path, *, broken: bool = False) -> Path:
    doc = {
        "cycle": "2022-11",
        "title": "Runner test cycle",
        "meeting_date": "2022-11-23",
        "data_to": "2022-10",
        "timeout_minutes": 5,
        "defaults": {"cycle": "2022-11", "data_to": "2022-10"},
        "agenda": [
            {
                "id": "one",
                "title": "Open item one",
                "session": "open",
                "theme": "Testing",
                "request": "Asked.",
                "response": "Answered.",
                "outcome": "Noted.",
                "briefings": ["summary"],
            },
            {
                "id": "two",
                "title": "Secret closed item",
                "session": "closed",
                "theme": "Testing",
                "request": "Asked in secret.",
                "response": "Answered in secret.",
                "outcome": "Noted in secret.",
                "briefings": ["closed_summary"],
            },
        ],
        "briefings": [
            {
                "name": "summary",
                "notebook": "tests/fixtures/cycle/summary.ipynb",
                "description": "The fixture summary.",
                "parameters": {"area": "Leicester", "months": 2},
            },
            {
                "name": "closed_summary",
                "notebook": "tests/fixtures/cycle/summary.ipynb",
                "title": "Closed session summary",
                "classification": SENSITIVE,
                "parameters": {"area": "Rutland", "months": 2},
            },
        ],
    }
    if broken:
        doc["briefings"].append({"name": "broken", "notebook": "tests/fixtures/cycle/broken.ipynb"})
    folder = tmp_path / "params" / "cycles"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "2022-11.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def in_repo(monkeypatch):
    # the fixture cycle lives outside the project: its notebooks are found from the repo
    monkeypatch.setenv("SCRUTINY_ROOT", str(REPO))


@pytest.mark.slow
@pytest.mark.browser
def test_the_runner_builds_both_packs_and_a_failed_run_leaves_none(tmp_path, in_repo):
    _need_chromium()
    cycle = _fixture_cycle(tmp_path)
    reports = tmp_path / "reports"
    out = reports / "2022-11"
    res = run_cli("run", cycle, "--reports-dir", reports, "--plain")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "board packs: done" in res.stdout  # progress line
    pack, public = _reader(out / "pack.pdf"), _reader(out / "public-pack.pdf")
    # Bookmarks: cover, contents, then the agenda in order, each paper under its item.
    assert [(lvl, t) for lvl, t, _ in bookmarks(pack)] == [
        (0, "Cover"),
        (0, "Contents"),
        (0, "1. Open item one"),
        (1, "Fixture briefing: Leicester"),
        (0, "2. Secret closed item"),
        (1, "Closed session summary"),
    ]
    pages = [p.extract_text() for p in pack.pages]
    n = len(pages)
    for i, text in enumerate(pages, 1):
        assert f"Page {i} of {n}" in text, (i, text[-200:])
        assert "OFFICIAL" in text
    marks = {t: p for _, t, p in bookmarks(pack)}
    # the closed item's pages carry OFFICIAL-SENSITIVE, the open paper's pages OFFICIAL only
    assert SENSITIVE in pages[marks["2. Secret closed item"]]
    assert SENSITIVE not in pages[marks["Fixture briefing: Leicester"]]
    assert "Meeting on 23 November 2022" in pages[0]
    assert has_embedded_fonts(pack)
    # The public pack: no page is marked public in this cycle: cover and contents only.
    public_text = "\n".join(p.extract_text() for p in public.pages)
    assert len(public.pages) == 2
    assert "Secret closed item" not in public_text and SENSITIVE not in public_text
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="pack.pdf">Board pack</a>' in index
    assert 'id="paper-summary"' in index and 'id="item-one"' in index
    assert 'href="index.html#paper-summary"' in (out / "summary.html").read_text()
    assert not [p.name for p in out.iterdir() if ".tmp" in p.name or "pack-work" in p.name]

    # A second run with nothing changed leaves the packs as they are (up to date).
    before = (out / "pack.pdf").read_bytes()
    res = run_cli("run", cycle, "--reports-dir", reports, "--plain")
    assert res.returncode == 0 and "Board pack up to date" in res.stdout, res.stdout
    assert (out / "pack.pdf").read_bytes() == before

    # A briefing that fails: no pack is built, and the old ones (stale) are removed.
    cycle = _fixture_cycle(tmp_path, broken=True)
    res = run_cli("run", cycle, "--reports-dir", reports, "--plain")
    assert res.returncode == 1
    assert not (out / "pack.pdf").exists() and not (out / "public-pack.pdf").exists()
    assert "board packs were removed" in res.stdout
    assert "pack.pdf" not in (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.browser
def test_a_failed_pack_build_is_an_error_with_exit_5_and_no_pack(tmp_path, in_repo):
    _need_chromium()
    cycle = _fixture_cycle(tmp_path)
    reports = tmp_path / "reports"
    out = reports / "2022-11"
    assert run_cli("run", cycle, "--reports-dir", reports, "--plain").returncode == 0
    assert (out / "pack.pdf").is_file()
    # A page gone missing after the run: the pack cannot be built; exit 5, no stale pack.
    (out / "closed_summary.html").unlink()
    res = run_cli("pack", cycle, "--reports-dir", reports, "--force")
    assert res.returncode == 5, res.stdout + res.stderr
    assert "closed_summary" in res.stderr and "has no published page" in res.stderr
    assert not (out / "pack.pdf").exists() and not (out / "public-pack.pdf").exists()
    assert not [p.name for p in out.iterdir() if ".tmp" in p.name]


# ---------------------------------------------------------------------------------------
# The real cycles


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("cycle", CYCLES)
def test_real_cycle_has_both_packs(rendered, cycle):
    run = rendered[cycle]
    assert run["returncode"] == 0, run["stdout"] + run["stderr"]
    folder = Path(run["folder"])
    pack = _reader(folder / "pack.pdf")
    public = _reader(folder / "public-pack.pdf")
    print(f"{cycle}: pack.pdf {len(pack.pages)} pages, public-pack.pdf {len(public.pages)} pages")
    assert has_embedded_fonts(pack) and has_embedded_fonts(public)

    # Bookmarks in agenda order: the agenda's items, numbered, then the other papers.
    doc = yaml.safe_load((REPO / "params" / "cycles" / f"{cycle}.yaml").read_text())
    expected = ["Cover", "Contents"]
    placed = set()
    for n, item in enumerate(doc["agenda"], 1):
        expected.append(f"{n}. {item['title']}")
        placed.update(item.get("briefings", []))
    expected.append("Other papers of the cycle")
    top = [t for lvl, t, _ in bookmarks(pack) if lvl == 0]
    assert top == expected
    children = [(t, p) for lvl, t, p in bookmarks(pack) if lvl == 1]
    in_pack = [b for b in doc["briefings"] if b.get("board_pack", True)]
    assert len(in_pack) < len(doc["briefings"])  # the public Panel summary is left out
    assert len(dict(children)) == len(in_pack)  # every page of the pack, printed once
    assert len(set(children)) == len(in_pack)  # a repeat points at the same page
    if cycle == "2022-11":
        # the finance item leads to the budget briefing, the serious violence item to the
        # needs assessment
        manifest = json.loads((folder / "manifest.json").read_text())["briefings"]
        title = {n: e["published"]["title"] for n, e in manifest.items()}
        marks = [t for _, t, _ in bookmarks(pack)]
        finance = marks.index("4. Medium Term Financial Plan 2023-24 to 2026-27")
        # (the 2022-23 budget is this year's decision, on the index but not in the pack)
        assert marks[finance + 1 : finance + 3] == [
            title["budget_mtfp_2023_24"],
            "5. Recruitment and retention",
        ]
        assert title["budget_scenarios"] not in marks
        violence = marks.index("2. Serious violence and the Violence Reduction Network")
        assert marks[violence + 1] == title["needs_assessment"]

    # Every page carries its marking and its number.
    for reader in (pack, public):
        texts = [p.extract_text() for p in reader.pages]
        for i, text in enumerate(texts, 1):
            assert re.search(rf"Page {i} of {len(texts)}\b", text), (cycle, i)
            assert "OFFICIAL" in text, (cycle, i)


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("cycle", CYCLES)
def test_public_pack_has_no_closed_item_and_nothing_sensitive(rendered, cycle):
    folder = Path(rendered[cycle]["folder"])
    doc = yaml.safe_load((REPO / "params" / "cycles" / f"{cycle}.yaml").read_text())
    text = " ".join(p.extract_text() for p in _reader(folder / "public-pack.pdf").pages)
    folded = " ".join(text.split())
    closed = [i for i in doc["agenda"] if i["session"] == "closed"]
    assert closed  # else this test would prove nothing
    whole = " ".join(" ".join(p.extract_text() for p in _reader(folder / "pack.pdf").pages).split())
    for item in closed:
        assert item["title"] in whole  # the check can fail: the board pack has it
        assert item["title"] not in folded, item["id"]
    assert SENSITIVE not in folded
    public_titles = [t for lvl, t, _ in bookmarks(_reader(folder / "public-pack.pdf")) if lvl == 1]
    assert public_titles == [
        "Serious violence needs assessment",
        "Corporate Governance Board update for the Police and Crime Panel",
    ]


@pytest.mark.slow
@pytest.mark.browser
def test_public_pack_pages_pass_the_disclosure_scan(rendered, browser):
    # The public pack is printed from the public pages: the same scan as
    # tests/test_briefings.py::test_public_tables_suppress_small_counts, on every page the
    # public pack's bookmarks name.
    from test_briefings import _cells

    folder = Path(rendered["2022-11"]["folder"])
    cycle = load_cycle(REPO / "params" / "cycles" / "2022-11.yaml")
    by_title = {b.title: b.name for b in cycle.briefings}
    names = [
        by_title[t] for lvl, t, _ in bookmarks(_reader(folder / "public-pack.pdf")) if lvl == 1
    ]
    assert sorted(names) == ["needs_assessment", "panel_summary_public"]
    threshold = 10
    for name in names:
        cells = _cells(browser, folder / f"{name}.html", "td.count")
        assert cells, f"{name}: no count cells marked in its tables"
        for text in cells:
            if text in {"[c]", "0", "–"}:
                continue
            assert float(text.replace(",", "")) >= threshold, f"{name}: unsuppressed count {text}"


@pytest.mark.slow
@pytest.mark.browser
def test_pack_page_budget(rendered):
    folder = Path(rendered["2022-11"]["folder"])
    pages = len(_reader(folder / "pack.pdf").pages)
    print(f"2022-11 pack.pdf: {pages} pages (target at most 90)")
    assert pages <= 90


# ---------------------------------------------------------------------------------------
# The index as the Board's agenda (same order as the pack)


def _index(cycle: Any, *, public: bool = False) -> str:
    from datetime import UTC, datetime

    from scrutiny.run.publish import CycleInfo, IndexRow, Provenance, render_index

    rows = [
        IndexRow(b.name, b.title or b.name, "ok", b.classification, href=f"{b.name}.html")
        for b in cycle.briefings
    ]
    info = CycleInfo(cycle.cycle, cycle.title, "23 November 2022", cycle.data_to)
    return render_index(
        info,
        rows,
        Provenance("0"),
        generated=datetime(2022, 11, 20, tzinfo=UTC),
        agenda=cycle,
        public=public,
    )


def test_the_index_is_the_agenda_in_meeting_order(tmp_path):
    _, cycle = _cycle(tmp_path)
    page = _index(cycle)
    order = [
        page.index(s)
        for s in (
            "1. First open item",
            "2. Secret closed item (closed session)",
            "3. Finance item",
            "Other papers of the cycle",
            "run status",
        )
    ]
    assert order == sorted(order)
    # the finance item links to its evidence, each entry has the id its page links back to
    finance = page[page.index("3. Finance item") : page.index("Other papers of the cycle")]
    assert '<li id="paper-budget"><a href="budget.html">Budget</a>' in finance
    assert '<li id="paper-needs"><a href="needs.html">Needs</a>' in finance
    assert "Asked: Asked C." in finance
    assert 'id="paper-quality"' in page and "Read it first." in page  # the description
    assert '<a href="manifest.json">' in page
    assert "Data to October 2022." in page


def test_the_public_index_names_no_restricted_page(tmp_path):
    _, cycle = _cycle(tmp_path)
    page = _index(cycle, public=True)
    for hidden in ("Secret closed item", "closed_page", "Closed page", "quality", "deep"):
        assert hidden not in page, hidden
    assert SENSITIVE not in page and "manifest.json" not in page and "run status" not in page
    assert '<a href="needs.html">Needs</a>' in page and '<a href="panel.html">Panel</a>' in page
    assert "3. Finance item" in page  # numbered as on the agenda


def test_a_page_links_back_to_its_entry_on_the_index():
    from scrutiny.run.publish import agenda_link

    assert 'href="index.html#paper-needs_assessment"' in agenda_link("needs_assessment")


def test_a_briefing_on_two_items_is_listed_under_both_with_one_anchor(tmp_path):
    _, cycle = _cycle(
        tmp_path, CYCLE_YAML.replace("briefings: [deep]", "briefings: [deep, budget]")
    )
    page = _index(cycle)
    assert page.count('<a href="budget.html">Budget</a>') == 3  # items 1 and 3, status table
    assert page.count('id="paper-budget"') == 1
