import hashlib
import json
import os
import re
from pathlib import Path

import pytest

from scrutiny import config, provenance
from scrutiny.analysis import kpis, plan
from scrutiny.analysis.board import load_cycle

# the list of folder listings is kept in the data cache: each test has its own
pytestmark = pytest.mark.usefixtures("private_cache")

# sha256 of b"abc" is the FIPS 180-2 test vector.
ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_sha256_file_matches_published_vector(tmp_path):
    f = tmp_path / "abc.txt"
    f.write_bytes(b"abc")
    assert provenance.sha256_file(f) == ABC_SHA256


def test_record_input_writes_the_log_and_reads_back(tmp_path, monkeypatch):
    log = tmp_path / "inputs.jsonl"
    monkeypatch.setenv(provenance.INPUTS_LOG_ENV, str(log))
    f = tmp_path / "abc.txt"
    f.write_bytes(b"abc")
    provenance.record_input(f, period="2022-10", description="test file")
    provenance.record_input(f, period="2022-10", description="test file")  # read twice
    lines = log.read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["sha256"] == ABC_SHA256
    back = provenance.read_inputs_log(log)
    assert len(back) == 1  # one record per path
    assert back[0].bytes == 3 and back[0].period == "2022-10" and back[0].synthetic is False


def test_read_inputs_log_of_a_missing_file_is_empty(tmp_path):
    assert provenance.read_inputs_log(tmp_path / "none.jsonl") == []


def test_parameter_files_are_recorded_so_edits_invalidate_the_cache():
    kpis.load_registry()
    plan.load_plan()
    load_cycle(config.PARAMS_DIR / "cycles" / "2022-11.yaml")
    paths = {r.path for r in provenance.recorded_inputs()}
    assert {"params/kpis.yaml", "params/plan.yaml", "params/cycles/2022-11.yaml"} <= paths


# ---------------------------------------------------------------------------------------
# Folder listings


def street_folder(tmp_path):
    folder = tmp_path / "street"
    (folder / "sub").mkdir(parents=True)
    (folder / "2022-09-x-street.csv").write_bytes(b"abc")
    (folder / "sub" / "2022-10-x-street.csv").write_bytes(b"")
    (folder / "notes.txt").write_bytes(b"not a data file")
    return folder


# sha256 of the empty string (FIPS 180-2)
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
PATTERN = r"-street\.csv(\.gz)?$"


def test_listing_sha256_is_names_and_contents_of_the_matching_files(tmp_path):
    folder = street_folder(tmp_path)
    # by hand: one line per matching file, relative path NUL content sha256, sorted by path
    text = f"2022-09-x-street.csv\0{ABC_SHA256}\nsub/2022-10-x-street.csv\0{EMPTY_SHA256}\n"
    expected = hashlib.sha256(text.encode()).hexdigest()
    assert provenance.listing_sha256(folder, PATTERN) == (expected, 2)
    # not recursive: only the top-level file
    top = hashlib.sha256(f"2022-09-x-street.csv\0{ABC_SHA256}\n".encode()).hexdigest()
    assert provenance.listing_sha256(folder, PATTERN, recursive=False) == (top, 1)
    assert provenance.listing_sha256(tmp_path / "gone", PATTERN) == (None, 0)


def test_listing_sha256_changes_when_a_matching_file_comes_or_goes(tmp_path):
    folder = street_folder(tmp_path)
    before, _ = provenance.listing_sha256(folder, PATTERN)
    (folder / "other.txt").write_bytes(b"x")  # does not match: no change
    assert provenance.listing_sha256(folder, PATTERN)[0] == before
    moved = tmp_path / "2022-09-x-street.csv"
    (folder / "2022-09-x-street.csv").rename(moved)
    assert provenance.listing_sha256(folder, PATTERN)[0] != before
    moved.rename(folder / "2022-09-x-street.csv")  # put back: the same listing again
    assert provenance.listing_sha256(folder, PATTERN)[0] == before
    (folder / "2022-09-x-street.csv").rename(folder / "2022-08-x-street.csv")  # renamed
    assert provenance.listing_sha256(folder, PATTERN)[0] != before


def test_case_of_the_pattern_is_kept(tmp_path):
    folder = street_folder(tmp_path)
    (folder / "2022-11-X-STREET.CSV").write_bytes(b"abc")
    assert provenance.listing_sha256(folder, PATTERN)[1] == 2
    assert provenance.listing_sha256(folder, re.compile(PATTERN, re.IGNORECASE))[1] == 3
    rec = provenance.record_folder(folder, re.compile(PATTERN, re.IGNORECASE))
    assert rec.ignore_case is True and rec.files == 3


def test_record_folder_goes_to_the_log_apart_from_the_inputs(tmp_path, monkeypatch):
    log = tmp_path / "inputs.jsonl"
    monkeypatch.setenv(provenance.INPUTS_LOG_ENV, str(log))
    folder = street_folder(tmp_path)
    provenance.record_input(folder / "2022-09-x-street.csv")
    rec = provenance.record_folder(folder, PATTERN, description="street files")
    assert rec.files == 2 and rec.recursive and not rec.ignore_case
    assert [r.path for r in provenance.read_inputs_log(log)] == [
        str(folder / "2022-09-x-street.csv")
    ]
    (back,) = provenance.read_folders_log(log)
    assert back == rec
    assert provenance.current_listing(back) == rec.sha256
    (folder / "2022-09-x-street.csv").unlink()
    assert provenance.current_listing(back) != rec.sha256


def test_police_uk_find_files_records_the_folder(tmp_path, monkeypatch):
    from scrutiny.data import police_uk

    log = tmp_path / "inputs.jsonl"
    monkeypatch.setenv(provenance.INPUTS_LOG_ENV, str(log))
    folder = street_folder(tmp_path)
    police_uk.find_files(folder, "street")
    (rec,) = provenance.read_folders_log(log)
    assert rec.files == 2 and rec.ignore_case and rec.description == "police.uk street files"
    # the runner's names-only check of the months reads and records nothing
    log.unlink()
    assert police_uk.months_available(folder) == ["2022-09", "2022-10"]
    assert not log.exists()


# ---------------------------------------------------------------------------------------
# The hash cache on disk


def test_hash_cache_survives_the_process_and_forgets_changed_files(tmp_path, monkeypatch):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(b"abc")
    b.write_bytes(b"")
    provenance.sha256_file(a)
    provenance.sha256_file(b)
    cache = tmp_path / "hashes.json"
    provenance.save_hash_cache(cache)
    monkeypatch.setattr(provenance, "_HASH_CACHE", {})
    assert provenance.load_hash_cache(cache) >= 2
    # a hash from the cache is used without reading the file: prove it with a wrong one
    key = (str(a.resolve()), 3, a.stat().st_mtime_ns)
    assert provenance._HASH_CACHE[key] == ABC_SHA256
    provenance._HASH_CACHE[key] = "from-the-cache"
    assert provenance.sha256_file(a) == "from-the-cache"
    # a changed file is hashed again, and its old entry is not saved
    b.write_bytes(b"abc")
    os.utime(b, ns=(1, 1))
    assert provenance.sha256_file(b) == ABC_SHA256
    provenance.save_hash_cache(cache)
    saved = {tuple(r[:3]): r[3] for r in json.loads(cache.read_text())}
    assert saved[(str(b.resolve()), 3, 1)] == ABC_SHA256
    assert not [k for k in saved if k[0] == str(b.resolve()) and k[2] != 1]
    assert not list(tmp_path.glob(".*.tmp"))


def _tree_hash_by_hand(files: dict[str, bytes]) -> str:
    """The source-tree hash as its docstring defines it, from the files' contents."""
    h = hashlib.sha256()
    for rel in sorted(files):
        h.update(rel.encode() + b"\0" + hashlib.sha256(files[rel]).hexdigest().encode() + b"\0")
    return h.hexdigest()


def test_source_tree_hash_reads_no_file_the_saved_cache_knows(tmp_path, monkeypatch):
    tree = tmp_path / "pkg"
    (tree / "templates").mkdir(parents=True)
    files = {"mod.py": b"x = 1\n", "templates/page.html.j2": b"<p>"}
    for rel, content in files.items():
        (tree / rel).write_bytes(content)
    monkeypatch.setattr(provenance, "_HASH_CACHE", {})
    first = provenance.source_tree_hash(tree)
    assert first == _tree_hash_by_hand(files)
    cache = tmp_path / "hashes.json"
    provenance.save_hash_cache(cache)
    # The next run: a new process with the saved cache reads no file to hash the tree.
    monkeypatch.setattr(provenance, "_HASH_CACHE", {})
    provenance.load_hash_cache(cache)
    opened: list[str] = []
    real_open = Path.open

    def spy(self, *args, **kwargs):
        if "r" in (args[0] if args else kwargs.get("mode", "r")):
            opened.append(self.name)  # a read
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", spy)
    assert provenance.source_tree_hash(tree) == first and opened == []
    # Touched but unchanged (a new mtime): read again, same hash.
    os.utime(tree / "mod.py", ns=(10**18, 10**18))
    assert provenance.source_tree_hash(tree) == first and opened == ["mod.py"]
    # Edited to the same size (and a new mtime): the hash follows the new content.
    (tree / "mod.py").write_bytes(b"x = 2\n")
    os.utime(tree / "mod.py", ns=(2 * 10**18, 2 * 10**18))
    files["mod.py"] = b"x = 2\n"
    assert provenance.source_tree_hash(tree) == _tree_hash_by_hand(files) != first
    assert opened == ["mod.py", "mod.py"]


def test_hash_cache_that_is_missing_or_corrupt_is_ignored(tmp_path):
    assert provenance.load_hash_cache(tmp_path / "none.json") == 0
    (tmp_path / "bad.json").write_text("{not json")
    assert provenance.load_hash_cache(tmp_path / "bad.json") == 0


# ---------------------------------------------------------------------------------------
# A cached computation that records its files again also records their folder's listing


def test_a_file_from_a_listed_folder_brings_its_listing_in_another_process(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "CACHE_DIR", tmp_path / "cache")
    folder = street_folder(tmp_path)
    # process 1 (the briefing that computed the cached result) lists the folder
    first_log = tmp_path / "first.jsonl"
    monkeypatch.setenv(provenance.INPUTS_LOG_ENV, str(first_log))
    listed = provenance.record_folder(folder, re.compile(PATTERN, re.IGNORECASE))
    saved = json.loads((tmp_path / "cache" / provenance.LISTINGS_FILE).read_text())
    assert saved == [
        {
            "folder": str(folder.resolve()),
            "pattern": PATTERN,
            "ignore_case": True,
            "recursive": True,
            "description": None,
        }
    ]
    # process 2 (a briefing served from that cache) only records the files again
    for name in ("_LISTINGS", "_FOLDERS"):
        monkeypatch.setattr(provenance, name, {})
    monkeypatch.setattr(provenance, "_LISTINGS_FROM", [])
    monkeypatch.setattr(provenance, "_LOGGED", set())
    log = tmp_path / "second.jsonl"
    monkeypatch.setenv(provenance.INPUTS_LOG_ENV, str(log))
    provenance.record_input(folder / "notes.txt")  # in the folder, but not a street file
    assert provenance.read_folders_log(log) == []
    provenance.record_input(folder / "sub" / "2022-10-x-street.csv")
    provenance.record_input(folder / "2022-09-x-street.csv")
    assert provenance.read_folders_log(log) == [listed]
    assert sum('"kind": "folder"' in line for line in log.read_text().splitlines()) == 1
    # a file elsewhere brings nothing
    other = tmp_path / "2022-09-y-street.csv"
    other.write_bytes(b"abc")
    provenance.record_input(other)
    assert provenance.read_folders_log(log) == [listed]
