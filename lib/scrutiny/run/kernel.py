"""The Jupyter kernel briefings run in: ``scrutiny``, registered on first use if need be.

``make setup`` registers the ``scrutiny`` kernel inside ``.venv``. Someone who installed
the package another way (``pip install .``, conda) may not have it, so before the first
briefing runs :func:`kernel_for_run` uses the registered kernel if there is one, else
registers one for this Python (in this environment's ``share/jupyter/kernels`` when it is a
venv or conda environment, else in the user's), and as a last resort runs the briefings in
this Python's own built-in kernel. A registered kernel whose Python has gone is an error
that says how to register it again for each way of installing.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from scrutiny.errors import MachineError

KERNEL_NAME = "scrutiny"
DISPLAY_NAME = "Python (scrutiny)"
REGISTER_ADVICE = (
    "Register the kernel for the Python that has scrutiny installed: in a clone, `make "
    "setup`; after `pip install`, `python -m ipykernel install --sys-prefix --name "
    "scrutiny` with that environment's python; with conda, `conda activate scrutiny` then "
    "the same command"
)


def _in_environment() -> bool:
    """Return whether this Python is a venv or a conda environment (not the system's)."""
    return sys.prefix != sys.base_prefix or (Path(sys.prefix) / "conda-meta").is_dir()


def _executable_exists(exe: str) -> bool:
    return Path(exe).is_file() or shutil.which(exe) is not None


def kernel_for_run(notice: Callable[[str], None] | None = None) -> str:
    """Return the name of the kernel to run briefings in, registering ``scrutiny`` if needed.

    Parameters
    ----------
    notice
        Called with a sentence for the console when a kernel is registered or the
        built-in one is used.

    Raises
    ------
    MachineError
        The ``scrutiny`` kernel is registered for a Python that no longer exists, or
        Jupyter's kernel machinery is not installed.
    """
    say = notice or (lambda text: None)
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    except ImportError as exc:
        problem = f"jupyter_client is not installed ({exc})"
        raise MachineError(None, problem, REGISTER_ADVICE) from exc
    manager = KernelSpecManager()
    try:
        spec = manager.get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        spec = None
    if spec is not None:
        exe = spec.argv[0] if spec.argv else ""
        if exe and not _executable_exists(exe):
            raise MachineError(
                spec.resource_dir,
                f"the Jupyter kernel '{KERNEL_NAME}' runs {exe}, which does not exist "
                "(the environment it was registered from has moved or gone)",
                REGISTER_ADVICE,
            )
        return KERNEL_NAME
    return _register(manager, say)


def _register(manager: object, say: Callable[[str], None]) -> str:
    from ipykernel.kernelspec import install

    places: list[dict[str, object]] = []
    if _in_environment():
        places.append({"prefix": sys.prefix})
    places.append({"user": True})
    problems = []
    for place in places:
        try:
            where = install(
                kernel_name=KERNEL_NAME,
                display_name=DISPLAY_NAME,
                **place,  # type: ignore[arg-type]
            )
        except OSError as exc:
            problems.append(f"{exc.filename or place}: {exc.strerror or exc}")
            continue
        say(
            f"Registered the Jupyter kernel '{KERNEL_NAME}' for {sys.executable} in {where} "
            "(it was not registered; JupyterLab offers it from now on too)."
        )
        return KERNEL_NAME
    say(
        f"Could not register the Jupyter kernel '{KERNEL_NAME}' ({'; '.join(problems)}); "
        f"running the briefings in this Python's built-in kernel ({sys.executable}). "
        + REGISTER_ADVICE
        + "."
    )
    from jupyter_client.kernelspec import NATIVE_KERNEL_NAME

    return NATIVE_KERNEL_NAME
