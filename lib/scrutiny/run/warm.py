"""Warm kernels: a briefing's imports done once per run, each kernel forked with them.

Every briefing runs in a kernel of its own (nothing one notebook does can change the
next). Started the usual way, each kernel is a new Python that imports ipykernel, pandas,
matplotlib and scrutiny before its first cell does any work: about 1.1 s of CPU per
briefing, twelve times a cycle. Here the runner imports those modules once
(:func:`preload`, called before it forks its first worker), every worker inherits them,
and the kernel is *forked* from the worker (:class:`WarmKernelManager`, given to papermill
as its ``kernel_manager_class``) instead of started with ``python -m ipykernel_launcher``.
The fork is still a new process with its own kernel, session and connection file, made
exactly as jupyter_client would (same connection file, arguments and environment); only
the imports are already in memory. The kernel is a child of the worker, so a timeout or a
killed run ends it with the worker's process tree, as before.

Before the kernel starts, the child undoes what it inherited that a new Python would not
have: signal handlers and the event loop of the worker, standard input, the working
folder and environment (both the kernel's), and every ``scrutiny`` module (the kernel
imports them afresh, so nothing the runner recorded, cached or set, such as the files it
read or its project paths, reaches a briefing). The libraries stay imported.

A kernel is forked only when all of this holds, else it is started the usual way: the
platform is Linux; :func:`preload` ran in this process and ``SCRUTINY_WARM_KERNELS`` is not
``0``; the kernel spec is ``<python> -m ipykernel_launcher ...`` for this very Python (the
same environment) with no ``env`` of its own. Dask's job processes are new Pythons that do
not preload, so their kernels start the usual way.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import pkgutil
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path
from queue import Empty
from typing import Any

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner
from traitlets import DottedObjectName, Type

#: Set to ``0`` to start every kernel the usual way.
ENV = "SCRUTINY_WARM_KERNELS"
#: Imported with every ``scrutiny.briefings`` module for the libraries they pull in.
PRELOAD = (
    "ipykernel.kernelapp",
    "matplotlib.pyplot",
    "scrutiny.analysis.actions",
    "scrutiny.analysis.budget",
    "scrutiny.analysis.disclosure",
    "scrutiny.analysis.narrative",
    "scrutiny.analysis.plan",
    "scrutiny.analysis.registers",
    "scrutiny.present.page",
    "scrutiny.present.tables",
)
#: The forked kernel's process name (``ps -o comm``, ``/proc/<pid>/comm``): its command
#: line is still the runner's, so this is how ``ps`` and ``top`` tell it apart.
KERNEL_NAME = "ipykernel"
#: matplotlib reads its backend from this variable when imported; ipykernel sets it so.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
#: Imported by jsonschema (under papermill, nbformat and nbconvert) only to check the "iri"
#: string format with a format checker, which nbformat never uses. It builds a grammar when
#: imported: about 1 s, which every run paid before its first kernel started.
UNUSED_IMPORTS = ("rfc3987_syntax",)
#: The runner's own tools, which a kernel started the usual way has not imported: dropped
#: from a forked kernel (with :data:`UNUSED_IMPORTS`), which imports them afresh, whole, if
#: a cell asks for them.
RUNNER_TOOLS = ("papermill", "nbclient", "nbconvert", "nbformat", "jsonschema")
#: Silence on IOPub taken as "flushed" once a kernel is ready (jupyter_client waits 0.2 s).
IOPUB_QUIET_S = 0.02
#: How often a kernel asked to shut down is checked for having gone (jupyter_client: 0.1 s).
SHUTDOWN_POLL_S = 0.01

_preloaded = False


def enabled() -> bool:
    """Return whether kernels may be forked here (Linux, and not turned off by ``ENV``)."""
    return sys.platform.startswith("linux") and os.environ.get(ENV, "1") != "0"


def preloaded() -> bool:
    """Return whether :func:`preload` has run in this process."""
    return _preloaded


def preload() -> bool:
    """Import, in this process, what a briefing's kernel would (before forking workers).

    matplotlib is imported with the inline backend named, as ipykernel names it for a
    kernel; the variable is put back afterwards, so nothing else this process starts sees
    it. The inline backend module itself is not imported (it hooks into the kernel that
    imports it).

    Returns
    -------
    bool
        True when kernels can be forked from this process from now on; False when
        :func:`enabled` says no or an import failed (kernels then start the usual way).
    """
    global _preloaded
    if _preloaded or not enabled():
        return _preloaded
    saved = os.environ.get("MPLBACKEND")
    if not saved:
        os.environ["MPLBACKEND"] = INLINE_BACKEND
    try:
        for name in PRELOAD:
            importlib.import_module(name)
        briefings = importlib.import_module("scrutiny.briefings")
        for module in pkgutil.iter_modules(briefings.__path__):
            importlib.import_module(f"scrutiny.briefings.{module.name}")
    except Exception:  # a broken import shows in the briefing's own kernel, as before
        return False
    finally:
        if not saved:
            os.environ.pop("MPLBACKEND", None)
    _preloaded = True
    return True


def forkable(cmd: list[str], spec_env: dict[str, str] | None) -> bool:
    """Return whether a kernel command can be run by forking this process.

    Parameters
    ----------
    cmd
        The kernel command jupyter_client built (``[python, "-m", "ipykernel_launcher",
        "-f", file, ...]``).
    spec_env
        The kernel spec's ``env`` (forking needs none).

    Examples
    --------
    >>> forkable([sys.executable, "-m", "ipykernel_launcher", "-f", "k.json"], {})
    True
    >>> forkable([sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher"], {})
    True
    >>> forkable(["/other/python", "-m", "ipykernel_launcher", "-f", "k.json"], {})
    False
    >>> forkable([sys.executable, "-u", "-m", "ipykernel_launcher"], {})
    False
    """
    if _launcher_args(cmd) is None or spec_env:
        return False
    try:
        ours = Path(sys.executable).absolute().parent.resolve()
        theirs = Path(cmd[0]).absolute().parent.resolve()
    except OSError:
        return False
    return ours == theirs and Path(cmd[0]).name.startswith("python")


def _launcher_args(cmd: list[str]) -> list[str] | None:
    """The arguments after ``-m ipykernel_launcher`` (only ``-X`` options before it), or None."""
    i = 1
    while i < len(cmd) and cmd[i].startswith("-X"):  # e.g. -Xfrozen_modules=off (debugging)
        i += 1
    if cmd[i : i + 2] != ["-m", "ipykernel_launcher"]:
        return None
    return cmd[i + 2 :]


class _Child:
    """The part of ``subprocess.Popen`` jupyter_client uses, for a forked child."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -1
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """The exit code, waiting for it; after ``timeout`` seconds ``TimeoutExpired``."""
        if timeout is not None:
            deadline = time.monotonic() + timeout
            while self.poll() is None:
                if time.monotonic() >= deadline:
                    raise subprocess.TimeoutExpired(f"kernel process {self.pid}", timeout)
                time.sleep(0.01)
        if self.returncode is None:
            try:
                _, status = os.waitpid(self.pid, 0)
                self.returncode = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                self.returncode = -1
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkProvisioner(LocalProvisioner):  # type: ignore[misc]
    """jupyter_client's local provisioner, launching the kernel by forking when it can."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        """Fork this process into the kernel ``cmd`` names, or launch ``cmd`` as usual."""
        spec_env = getattr(self.kernel_spec, "env", None)
        if not (_preloaded and enabled() and forkable(cmd, spec_env)):
            return await super().launch_kernel(cmd, **kwargs)
        env = dict(kwargs.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launcher sets it
        cwd = str(kwargs.get("cwd") or os.getcwd())
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child becomes the kernel and never returns
            _become_kernel(_launcher_args(cmd) or [], env, cwd)
        self.process = _Child(pid)
        self.pid = pid
        self.pgid = pid  # the child leads a session of its own, as a launched kernel does
        self.cwd = cwd
        return self.connection_info


class WarmKernelClient(AsyncKernelClient):  # type: ignore[misc]
    """jupyter_client's async client, which does not idle 0.2 s after the kernel is ready.

    jupyter_client's ``wait_for_ready`` asks for ``kernel_info`` until the reply and an
    IOPub message arrive, then empties IOPub until it has been silent for 0.2 s: with the
    kernel's own start taking about 0.15 s, that wait was more than half of each warm
    kernel's start, twelve times a cycle, while the core sat idle. This is the same wait
    with :data:`IOPUB_QUIET_S` of silence. A status message arriving later does no harm:
    nbclient reads only the messages answering the cell it runs.
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """Wait until the kernel answers ``kernel_info`` and IOPub is connected, then flush IOPub.

        Raises
        ------
        RuntimeError
            The kernel died first, or did not answer within ``timeout`` seconds.
        """
        deadline = time.monotonic() + (timeout if timeout is not None else float("inf"))
        while True:
            self.kernel_info()
            try:
                msg = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                pass
            else:
                if msg["msg_type"] == "kernel_info_reply":
                    try:  # IOPub connected? If not, ask again
                        await self.iopub_channel.get_msg(timeout=0.2)
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(msg)
                        break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
        while True:
            try:
                await self.iopub_channel.get_msg(timeout=IOPUB_QUIET_S)
            except Empty:
                break


class WarmKernelManager(AsyncKernelManager):  # type: ignore[misc]
    """An async kernel manager whose kernels are forked when they can be (see the module).

    Its clients are :class:`WarmKernelClient`, and a kernel asked to shut down is checked
    for having gone every :data:`SHUTDOWN_POLL_S` (jupyter_client sleeps 0.1 s first).
    """

    client_class = DottedObjectName("scrutiny.run.warm.WarmKernelClient", config=True)
    client_factory = Type(WarmKernelClient, klass=AsyncKernelClient, config=True)

    async def _async_finish_shutdown(
        self, waittime: float | None = None, pollinterval: float = 0.1, restart: bool = False
    ) -> None:
        await super()._async_finish_shutdown(
            waittime, min(pollinterval, SHUTDOWN_POLL_S), restart=restart
        )

    async def _async_pre_start_kernel(self, **kw: Any) -> Any:
        if self.provisioner is None:
            import uuid

            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ForkProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
        return await super()._async_pre_start_kernel(**kw)

    pre_start_kernel = _async_pre_start_kernel


def skip_unused_imports() -> None:
    """Make the :data:`UNUSED_IMPORTS` unimportable in this process (a runner or worker).

    Importing one then raises ``ImportError``, which jsonschema expects of an optional
    package. One already imported stays. A forked kernel gets them back (:func:`_forget`).
    """
    for name in UNUSED_IMPORTS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def _forget() -> None:
    """Drop every ``scrutiny`` module and the runner's tools: the kernel imports its own.

    The runner's modules hold what the runner did (the files it recorded as read, its
    project paths, memos); a new kernel would know none of it. Its tools
    (:data:`RUNNER_TOOLS`) were imported without the :data:`UNUSED_IMPORTS`. The libraries
    a briefing imports (pandas, matplotlib, ipykernel...) stay loaded: that is the saving.
    """
    for name in UNUSED_IMPORTS:
        if name in sys.modules and sys.modules[name] is None:
            del sys.modules[name]
    tops = {"scrutiny", *RUNNER_TOOLS}
    for name in [n for n in sys.modules if n.split(".")[0] in tops]:
        del sys.modules[name]


def _name_process(name: str) -> None:
    """Set this process's name as ``ps`` shows it (Linux ``prctl(PR_SET_NAME)``); best effort."""
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(15, name.encode()[:15], 0, 0, 0)  # 15 is PR_SET_NAME


def _become_kernel(args: list[str], env: dict[str, str], cwd: str) -> None:
    """In the forked child: become ``python -m ipykernel_launcher *args``; never returns."""
    code = 1
    try:
        os.setsid()
        _name_process(KERNEL_NAME)
        signal.set_wakeup_fd(-1)  # the worker's event loop owned it
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD, signal.SIGUSR1):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        asyncio.events._set_running_loop(None)  # the worker's loop is not this process's
        asyncio.set_event_loop_policy(None)
        asyncio.set_event_loop(asyncio.new_event_loop())
        _forget()
        # ipykernel_launcher drops the script's folder from the path; IPython adds "" back
        if sys.path and sys.path[0] in ("", cwd, os.path.dirname(os.path.abspath(sys.argv[0]))):
            del sys.path[0]
        from ipykernel import kernelapp

        # ipykernel reads its parent's pid from the environment when it is imported, which
        # was before the fork: say it on the command line instead
        parent = int(os.environ.get("JPY_PARENT_PID") or 0)
        args = [*args, f"--IPKernelApp.parent_handle={parent}"]
        sys.argv = [str(Path(kernelapp.__file__).with_name("__main__.py")), *args]
        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
