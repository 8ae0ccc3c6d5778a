"""The kernel briefings run in: registered, registered on first use, or a stale one."""

from __future__ import annotations

import json
import sys

import pytest

from scrutiny.errors import MachineError
from scrutiny.run import kernel


def test_the_registered_kernel_is_used():
    assert kernel.kernel_for_run() == "scrutiny"  # make setup registered it in .venv


def test_a_kernel_whose_python_has_gone_says_how_to_register_it(tmp_path, monkeypatch):
    spec = tmp_path / "kernels" / "scrutiny"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": ["/gone/venv/bin/python", "-m", "ipykernel_launcher", "-f", "{cf}"],
                "display_name": "Python (scrutiny)",
                "language": "python",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))  # searched before any other place
    with pytest.raises(MachineError) as err:
        kernel.kernel_for_run()
    text = str(err.value)
    assert text.startswith(
        f"{spec}: the Jupyter kernel 'scrutiny' runs /gone/venv/bin/python, which does not exist"
    )
    assert "`make setup`" in text
    assert "`python -m ipykernel install --sys-prefix --name scrutiny`" in text
    assert "conda activate scrutiny" in text


@pytest.fixture
def unregistered(monkeypatch):
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    def no_such(self, name):
        raise NoSuchKernel(name)

    monkeypatch.setattr(KernelSpecManager, "get_kernel_spec", no_such)
    calls = []

    def install(**kwargs):
        calls.append(kwargs)
        return "/env/share/jupyter/kernels/scrutiny"

    import ipykernel.kernelspec

    monkeypatch.setattr(ipykernel.kernelspec, "install", install)
    return calls


def test_an_unregistered_kernel_is_registered_in_this_environment(unregistered):
    said = []
    assert kernel.kernel_for_run(said.append) == "scrutiny"
    assert unregistered[0] == {
        "kernel_name": "scrutiny",
        "display_name": "Python (scrutiny)",
        "prefix": sys.prefix,  # the tests run in .venv, a venv
    }
    assert said == [
        f"Registered the Jupyter kernel 'scrutiny' for {sys.executable} in "
        "/env/share/jupyter/kernels/scrutiny (it was not registered; JupyterLab offers it "
        "from now on too)."
    ]


def test_when_no_kernel_can_be_registered_the_builtin_one_runs(unregistered, monkeypatch):
    import ipykernel.kernelspec

    def refuse(**kwargs):
        unregistered.append(kwargs)
        raise PermissionError(13, "Permission denied", "/read-only/share/jupyter")

    monkeypatch.setattr(ipykernel.kernelspec, "install", refuse)
    said = []
    assert kernel.kernel_for_run(said.append) == "python3"
    assert [c.get("user", False) for c in unregistered] == [False, True]  # env, then user
    assert said[0].startswith(
        "Could not register the Jupyter kernel 'scrutiny' (/read-only/share/jupyter: Permission "
        f"denied; /read-only/share/jupyter: Permission denied); running the briefings in this "
        f"Python's built-in kernel ({sys.executable})."
    )
