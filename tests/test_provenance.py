import json

from scrutiny import config, provenance
from scrutiny.analysis import kpis, plan
from scrutiny.analysis.board import load_cycle

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
