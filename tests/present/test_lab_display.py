"""In a kernel started as JupyterLab starts one, the helpers show styles and pandas tables."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.slow

CODE = """
import pandas as pd
from scrutiny.present import page, tables
page.findings(["One finding"])
page.callout("A note")
tables.show_table(pd.DataFrame({"n": [1234]}), caption="Counts")
"""


def _outputs(env: dict[str, str]) -> list[dict]:
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="scrutiny", env=env)
    try:
        msgs: list[dict] = []
        kc.execute_interactive(CODE, output_hook=msgs.append, timeout=120)
        return [m["content"] for m in msgs if m["msg_type"] == "display_data"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_a_lab_kernel_gets_the_styles_once_and_a_styler():
    base = {
        k: v for k, v in os.environ.items() if k not in {"SCRUTINY_DISPLAY", "SCRUTINY_INPUTS_LOG"}
    }
    lab = _outputs({**base, "JPY_SESSION_NAME": "notebooks/deep_dive.ipynb"})
    html = [o["data"].get("text/html", "") for o in lab]
    assert sum("<style>" in h for h in html) == 1  # once per kernel
    assert any('class="findings"' in h for h in html)
    # The table is a pandas Styler (its own HTML, with the formatted cell) ...
    assert "1,234" in html[-1] and '<table id="T_' in html[-1]
    # ... where a run publishes the accessible table, with no style element.
    run = _outputs(base)
    run_html = [o["data"].get("text/html", "") for o in run]
    assert not any("<style>" in h for h in run_html)
    assert run_html[-1].startswith('<div class="table-wrap"><table class="data-table">')
