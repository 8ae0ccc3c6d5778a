"""``scrutiny publish <cycle> --public DIR``: only the public papers reach the website folder.

The slow tests publish the real 2022-11 cycle (rendered once per session with its packs,
shared with tests/run/test_pack.py) and scan every file in DIR, the PDF's text included,
for what a leak would look like: the name of any page not marked public, OFFICIAL-SENSITIVE,
the title of a closed-session item, a closed action, the manifest, an executed notebook.
The same scan is shown to fail on a copy of DIR with a restricted file planted in it.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from test_pack import render_cycles

from conftest import REPO, run_cli
from scrutiny.analysis.board import load_cycle
from scrutiny.errors import ParamsError
from scrutiny.run.pack import PACK_STATE, pack_key
from scrutiny.run.params import is_public
from scrutiny.run.publish import leaks, publish_public, restricted_markers

CYCLE_FILE = REPO / "params" / "cycles" / "2022-11.yaml"
SENSITIVE = "OFFICIAL-SENSITIVE"


def independent_markers(cycle_file: Path) -> list[str]:
    """What must not reach DIR, worked out from the cycle file here, not by the code."""
    import yaml

    doc = yaml.safe_load(cycle_file.read_text(encoding="utf-8"))
    out = [SENSITIVE, "manifest.json"]
    for b in doc["briefings"]:
        if not b.get("public"):
            out += [b["name"], f"{b['name']}.html", f"{b['name']}.ipynb"]
    out += [i["title"] for i in doc["agenda"] if i["session"] == "closed"]
    out += [a["id"] for a in doc["actions"] if a.get("session") == "closed"]
    return out


def scan(folder: Path, markers: list[str]) -> list[tuple[str, str]]:
    """Every (file, marker) found in ``folder``: file names, text, and the PDF's text."""
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(folder).as_posix()
        if path.suffix in {".ipynb"} or path.name == "manifest.json":
            found.append((rel, path.name))
        data = path.read_bytes()
        if data.startswith(b"%PDF"):
            from pypdf import PdfReader

            reader = PdfReader(path)
            text = "\n".join(p.extract_text() for p in reader.pages)
        else:
            text = data.decode("utf-8", errors="replace")
        folded = " ".join(text.split())
        found += [(rel, m) for m in markers if m in rel or m in text or m in folded]
    return found


# ---------------------------------------------------------------------------------------
# Quick: the markers and the scan on hand-made folders


def test_restricted_markers_name_every_non_public_page_and_closed_item():
    cycle = load_cycle(CYCLE_FILE)
    markers = restricted_markers(cycle)
    for b in cycle.briefings:
        assert (f"{b.name}.html" in markers) is not is_public(b), b.name
    assert "Target Operating Model benefits realisation" in markers
    assert "HMICFRS PEEL areas for improvement" in markers
    assert "A-2022-11-04" in markers  # a closed action
    assert SENSITIVE in markers
    # every marker the test works out independently is one the publisher checks
    assert set(independent_markers(CYCLE_FILE)) - {
        f"{b.name}.ipynb" for b in cycle.briefings
    } <= set(markers)


def test_the_scan_finds_a_planted_name_a_title_over_two_lines_and_a_notebook(tmp_path):
    (tmp_path / "ok.html").write_text("<p>Serious violence needs assessment</p>")
    assert leaks(tmp_path, ["Secret item", SENSITIVE]) == []
    (tmp_path / "page.html").write_text("<p>Secret\n   item</p>")
    (tmp_path / "x.ipynb").write_text("{}")
    found = leaks(tmp_path, ["Secret item", SENSITIVE])
    assert ("page.html", "Secret item") in found
    assert ("x.ipynb", ".ipynb") in found


# ---------------------------------------------------------------------------------------
# The real cycle


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = render_cycles(tmp_path_factory)["2022-11"]
    assert run["returncode"] == 0, run["stdout"] + run["stderr"]
    return Path(run["folder"]).parent


@pytest.fixture(scope="module")
def published(reports: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("website") / "cgb-2022-11"
    res = run_cli("publish", "2022-11", "--public", dest, "--reports-dir", reports)
    assert res.returncode == 0, res.stdout + res.stderr
    return dest


@pytest.mark.slow
@pytest.mark.browser
def test_publish_writes_only_the_public_papers(published):
    assert sorted(p.name for p in published.iterdir()) == [
        ".scrutiny-public.json",
        "index.html",
        "needs_assessment.html",
        "panel_summary_public.html",
        "public-pack.pdf",
    ]
    # The public pages are the run's own pages, unchanged.
    assert json.loads((published / ".scrutiny-public.json").read_text())["cycle"] == "2022-11"


@pytest.mark.slow
@pytest.mark.browser
def test_nothing_restricted_reaches_the_public_folder(published):
    assert scan(published, independent_markers(CYCLE_FILE)) == []
    # Every link in every file points to a file in the folder (or an anchor, or the web).
    names = {p.name for p in published.iterdir()}
    for page in published.glob("*.html"):
        for href in re.findall(r'href="([^"]+)"', page.read_text(encoding="utf-8")):
            if href.startswith(("#", "http://", "https://", "mailto:", "data:")):
                continue
            assert href.split("#")[0] in names, (page.name, href)
    index = (published / "index.html").read_text(encoding="utf-8")
    assert 'href="needs_assessment.html"' in index and 'href="public-pack.pdf"' in index
    assert 'id="paper-needs_assessment"' in index  # the pages' links back land here


@pytest.mark.slow
@pytest.mark.browser
def test_the_scan_fails_on_a_copy_with_a_restricted_file_planted(published, reports, tmp_path):
    markers = independent_markers(CYCLE_FILE)
    # 1. a restricted page copied in
    copy = tmp_path / "planted-page"
    shutil.copytree(published, copy)
    shutil.copy(reports / "2022-11" / "performance_exceptions.html", copy / "extra.html")
    found = scan(copy, markers)
    assert ("extra.html", SENSITIVE) in found
    # 2. the whole board pack under the public pack's name: found from the PDF's text
    copy = tmp_path / "planted-pack"
    shutil.copytree(published, copy)
    shutil.copy(reports / "2022-11" / "pack.pdf", copy / "public-pack.pdf")
    found = scan(copy, markers)
    assert ("public-pack.pdf", SENSITIVE) in found
    assert ("public-pack.pdf", "Target Operating Model benefits realisation") in found
    # 3. the executed notebook of a public page
    copy = tmp_path / "planted-notebook"
    shutil.copytree(published, copy)
    shutil.copy(reports / "2022-11" / "needs_assessment.ipynb", copy)
    assert ("needs_assessment.ipynb", "needs_assessment.ipynb") in scan(copy, markers)


@pytest.mark.slow
@pytest.mark.browser
def test_asking_for_a_page_not_marked_public_is_refused(reports, tmp_path):
    dest = tmp_path / "site"
    for name in ("performance_exceptions", "data_quality", "no_such_page"):
        res = run_cli(
            "publish", "2022-11", "--public", dest, "--reports-dir", reports, "--only", name
        )
        assert res.returncode == 2, res.stdout + res.stderr
        assert "refused to publish" in res.stderr and name in res.stderr
        assert "Nothing was written" in res.stderr
        assert not dest.exists() or not any(dest.iterdir())
    # a public page asked for explicitly is published, alone
    res = run_cli(
        "publish",
        "2022-11",
        "--public",
        dest,
        "--reports-dir",
        reports,
        "--only",
        "needs_assessment",
    )
    assert res.returncode == 0, res.stderr
    assert "needs_assessment.html" in {p.name for p in dest.iterdir()}
    assert "panel_summary_public.html" not in {p.name for p in dest.iterdir()}


@pytest.mark.slow
@pytest.mark.browser
def test_a_folder_holding_other_files_is_refused(reports, tmp_path):
    dest = tmp_path / "site"
    dest.mkdir()
    (dest / "notes.txt").write_text("someone else's file")
    res = run_cli("publish", "2022-11", "--public", dest, "--reports-dir", reports)
    assert res.returncode == 2
    assert "notes.txt" in res.stderr
    assert sorted(p.name for p in dest.iterdir()) == ["notes.txt"]


@pytest.mark.slow
@pytest.mark.browser
def test_the_publisher_refuses_a_public_page_that_leaks(reports, tmp_path):
    # A public page that (by a bug upstream) names a closed-session item: the publisher's own
    # scan stops it, and nothing is written.
    folder = tmp_path / "2022-11"
    shutil.copytree(reports / "2022-11", folder)
    page = folder / "panel_summary_public.html"
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            "</main>", "<p>HMICFRS PEEL areas for improvement</p></main>"
        ),
        encoding="utf-8",
    )
    cycle = load_cycle(CYCLE_FILE)
    state = json.loads((folder / PACK_STATE).read_text())
    state["key"] = pack_key(cycle, folder)  # the pack still counts as matching the pages
    (folder / PACK_STATE).write_text(json.dumps(state))
    dest = tmp_path / "site"
    with pytest.raises(ParamsError) as exc:
        publish_public(cycle, folder, dest)
    assert "restricted material found" in str(exc.value)
    assert "HMICFRS PEEL areas for improvement" in str(exc.value)
    assert [p.name for p in dest.iterdir()] == []
