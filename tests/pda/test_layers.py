"""Layering (DESIGN.md section 3): the handheld app and appkit never import the backend."""

from __future__ import annotations

import ast
import subprocess
import sys


def imported_roots(*modules: str) -> list[str]:
    code = (
        "import sys;"
        + "".join(f"import {m};" for m in modules)
        + "ours = {'terminal_sdk','drivers','appkit','pos_client','pda_client','backend_stub'};"
        "print(sorted(ours & {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return list(ast.literal_eval(out.stdout))


def test_the_pda_app_stands_on_appkit_the_sdk_and_the_drivers_only():
    roots = imported_roots("pda_client.app", "pda_client.cli")
    assert roots == ["appkit", "drivers", "pda_client", "terminal_sdk"]


def test_appkit_serves_any_app_and_knows_none():
    roots = imported_roots("appkit.i18n", "appkit.devices", "appkit.keybar", "appkit.wedgekeys")
    assert roots == ["appkit", "drivers"]
