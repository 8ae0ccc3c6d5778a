"""Warm kernels (scrutiny.run.warm): forked with the libraries imported, otherwise new.

A forked kernel must be indistinguishable to a briefing from one started the usual way:
its own process, working folder and environment, no scrutiny module (so nothing the
runner recorded or cached), matplotlib's inline backend; and ``scrutiny run`` publishes
the same pages with warm kernels as without.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from test_executor import PAGES, normalise

from conftest import FIXTURE_CYCLE_DIR, run_cli
from scrutiny.run import warm

# Run in a Python of its own: the test forks the process that runs it.
PROBE = r"""
import json, os, sys
import nbformat
from nbclient import NotebookClient
from scrutiny import provenance
from scrutiny.run import warm

provenance.record_input(sys.argv[2])  # the parent has read a file: the kernel must not know
warm.skip_unused_imports()  # as the runner does, before its tools
import papermill
preloaded = warm.preload()
nb = nbformat.v4.new_notebook(cells=[
    nbformat.v4.new_code_cell(
        "import os, sys, json\n"
        "libs = 'pandas' in sys.modules, 'matplotlib.pyplot' in sys.modules\n"
        "ours = sorted(m for m in sys.modules if m.split('.')[0] == 'scrutiny')\n"
        "tools = {m.split('.')[0] for m in sys.modules}\n"
        "tools = sorted(tools & {'papermill', 'nbformat', 'jsonschema'})\n"
        "import jsonschema\n"
        "iri = 'iri' in jsonschema.FormatChecker.checkers\n"
        "import matplotlib\n"
        "from scrutiny import provenance\n"
        "print(json.dumps({'ppid': os.getppid(), 'pid': os.getpid(), 'cwd': os.getcwd(),\n"
        "  'env': os.environ.get('WARM_PROBE'), 'libs': libs, 'scrutiny_before': ours,\n"
        "  'tools': tools, 'iri': iri,\n"
        "  'backend': matplotlib.rcParams['backend'], 'sid': os.getsid(0),\n"
        "  'comm': open('/proc/self/comm').read().strip(),\n"
        "  'recorded': [r.path for r in provenance.recorded_inputs()]}))"
    )
])
os.environ["WARM_PROBE"] = "seen"
client = NotebookClient(nb, kernel_name="scrutiny", kernel_manager_class=warm.WarmKernelManager,
                        resources={"metadata": {"path": sys.argv[1]}})
client.execute()
out = json.loads(nb.cells[0].outputs[0]["text"])
out["me"] = os.getpid()
out["preloaded"] = preloaded
try:
    os.waitpid(-1, os.WNOHANG)
    out["children_left"] = True
except ChildProcessError:
    out["children_left"] = False
print(json.dumps(out))
"""


def _probe(tmp_path, warm_env: str) -> dict:
    read = tmp_path / "read.txt"
    read.write_text("x\n")
    work = tmp_path / "work"
    work.mkdir()
    res = subprocess.run(
        [sys.executable, "-c", PROBE, str(work), str(read)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, warm.ENV: warm_env},
    )
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["cwd"] == str(work)
    assert out["env"] == "seen"
    assert out["ppid"] == out["me"]  # the kernel is this process's child either way
    assert out["sid"] == out["pid"]  # in a session of its own, as jupyter_client starts one
    assert out["scrutiny_before"] == []  # no scrutiny module before the cell imports one
    # nor the runner's tools, imported without rfc3987_syntax: jsonschema comes whole
    assert out["tools"] == [] and out["iri"] is True
    assert out["recorded"] == []  # so nothing the parent recorded
    assert out["backend"] == warm.INLINE_BACKEND
    assert out["children_left"] is False  # the kernel was shut down and reaped
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kernels are forked on Linux")
def test_a_forked_kernel_has_the_libraries_and_nothing_of_its_parent(tmp_path):
    out = _probe(tmp_path, "1")
    assert out["preloaded"] is True
    assert out["comm"] == "ipykernel"  # named so, as its command line is its parent's
    assert out["libs"] == [True, True]  # pandas and pyplot were already imported: forked


def test_turned_off_the_kernel_starts_the_usual_way(tmp_path):
    out = _probe(tmp_path, "0")
    assert out["preloaded"] is False
    assert out["libs"] == [False, False]  # a new Python: nothing imported yet


def test_forkable_only_for_this_python_and_the_standard_launcher():
    me = sys.executable
    assert warm.forkable([me, "-m", "ipykernel_launcher", "-f", "k.json"], {})
    assert warm.forkable([me, "-Xfrozen_modules=off", "-m", "ipykernel_launcher"], None)
    assert not warm.forkable([me, "-m", "ipykernel_launcher"], {"PYTHONPATH": "x"})
    assert not warm.forkable([me, "-u", "-m", "ipykernel_launcher"], {})
    assert not warm.forkable([me, "-m", "other_kernel"], {})
    assert not warm.forkable(["/no/such/env/bin/python", "-m", "ipykernel_launcher"], {})
    assert not warm.forkable(["R", "--slave"], {})


@pytest.fixture(scope="module")
def warm_and_cold(tmp_path_factory):
    runs = {}
    for kind, flag in (("warm", "1"), ("cold", "0")):
        reports = tmp_path_factory.mktemp(kind) / "reports"
        res = run_cli(
            "run",
            FIXTURE_CYCLE_DIR / "2022-11.yaml",
            "--reports-dir",
            reports,
            "--plain",
            env={**os.environ, warm.ENV: flag},
        )
        runs[kind] = SimpleNamespace(res=res, out=reports / "2022-11")
    return runs


@pytest.mark.slow
@pytest.mark.parametrize("name", PAGES)
def test_warm_kernels_publish_the_same_pages(warm_and_cold, name):
    a, b = warm_and_cold["warm"], warm_and_cold["cold"]
    assert sorted(p.name for p in a.out.iterdir()) == sorted(p.name for p in b.out.iterdir())
    assert normalise((a.out / name).read_text(encoding="utf-8")) == normalise(
        (b.out / name).read_text(encoding="utf-8")
    )


def test_a_forked_kernels_process_waits_with_a_timeout_as_popen_does():
    pid = os.fork()
    if pid == 0:  # the child: sleep until killed
        import time

        time.sleep(60)
        os._exit(0)
    child = warm._Child(pid)
    try:
        assert child.poll() is None
        with pytest.raises(subprocess.TimeoutExpired):
            child.wait(timeout=0.2)
        child.kill()
        assert child.wait(timeout=10) == -9  # killed by SIGKILL, as Popen reports it
        assert child.wait() == -9 and child.poll() == -9
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)


class _FakeChannel:
    """A channel that hands out the given messages (an ``Empty`` item raises it)."""

    def __init__(self, messages):
        self.messages = list(messages)
        self.sent, self.timeouts = [], []

    def send(self, msg):
        self.sent.append(msg["header"]["msg_type"])

    async def get_msg(self, timeout=None):
        from queue import Empty

        self.timeouts.append(timeout)
        item = self.messages.pop(0) if self.messages else Empty
        if item is Empty:
            raise Empty
        return {"msg_type": item, "content": {"protocol_version": "5.3"}}


def _wait(client, **kw):
    """Run the client's ``wait_for_ready`` in a thread of its own (no event loop running)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, client.wait_for_ready(**kw)).result()


def _client(shell, iopub, alive=True):
    client = warm.WarmKernelClient()
    client._shell_channel, client._iopub_channel = shell, iopub

    async def is_alive():
        return alive

    client._async_is_alive = is_alive
    return client


def test_a_warm_client_asks_until_iopub_answers_then_empties_it_without_idling():
    from queue import Empty

    shell = _FakeChannel(["kernel_info_reply", "kernel_info_reply"])
    # IOPub not connected at the first reply (nothing within 0.2 s): the client asks again;
    # then the welcome, two status messages and silence.
    iopub = _FakeChannel([Empty, "iopub_welcome", "status", "status", Empty])
    _wait(_client(shell, iopub), timeout=5)
    assert shell.sent == ["kernel_info_request", "kernel_info_request"]
    assert iopub.messages == []  # every message read, the silence included
    # 0.2 s to see that IOPub is connected, as jupyter_client; then 0.02 s of silence, not 0.2
    assert iopub.timeouts == [0.2, 0.2, 0.02, 0.02, 0.02] and warm.IOPUB_QUIET_S == 0.02


def test_a_warm_client_says_when_the_kernel_died_or_did_not_answer():
    from queue import Empty

    with pytest.raises(RuntimeError, match="Kernel died before replying to kernel_info"):
        _wait(_client(_FakeChannel([Empty]), _FakeChannel([]), alive=False))
    with pytest.raises(RuntimeError, match="Kernel didn't respond in 0 seconds"):
        _wait(_client(_FakeChannel([Empty]), _FakeChannel([])), timeout=0)


def test_warm_kernels_use_the_warm_client():
    from jupyter_client.asynchronous.client import AsyncKernelClient

    km = warm.WarmKernelManager(kernel_name="scrutiny")
    assert km.client_factory is warm.WarmKernelClient
    assert issubclass(warm.WarmKernelClient, AsyncKernelClient)


def test_the_runner_skips_an_import_nothing_it_runs_uses(monkeypatch):
    monkeypatch.delitem(sys.modules, "rfc3987_syntax", raising=False)
    warm.skip_unused_imports()
    assert sys.modules["rfc3987_syntax"] is None
    with pytest.raises(ImportError):
        import rfc3987_syntax  # noqa: F401
    # nbformat validates without a format checker: a notebook still validates
    import nbformat

    nbformat.validate(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]))
    bad = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    bad.cells[0]["cell_type"] = "cod"
    with pytest.raises(nbformat.ValidationError):
        nbformat.validate(bad)
