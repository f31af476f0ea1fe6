"""Layering (DESIGN.md section 3): apps -> appkit -> the SDK and the drivers; never the backend."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

APPKIT = [
    "appkit.app",
    "appkit.cli",
    "appkit.console",
    "appkit.devices",
    "appkit.enrol",
    "appkit.i18n",
    "appkit.keybar",
    "appkit.messages",
    "appkit.printing",
    "appkit.progress",
    "appkit.result",
    "appkit.screen",
    "appkit.startup",
    "appkit.statusbar",
    "appkit.wedgekeys",
]


def imported_roots(*modules: str) -> list[str]:
    code = (
        "import sys;"
        + "".join(f"import {m};" for m in modules)
        + "ours = {'terminal_sdk','drivers','appkit','pos_client','pda_client','backend_stub',"
        "'scanpay_wallet'};"
        "print(sorted(ours & {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return list(ast.literal_eval(out.stdout))


@pytest.mark.parametrize("app", ["pos_client", "pda_client"])
def test_each_app_stands_on_appkit_the_sdk_and_the_drivers_only(app):
    roots = imported_roots(f"{app}.app", f"{app}.cli")
    assert roots == sorted(["appkit", "drivers", app, "terminal_sdk"])


def test_appkit_serves_any_app_and_knows_none():
    assert imported_roots(*APPKIT) == ["appkit", "drivers", "terminal_sdk"]
    assert imported_roots("appkit.i18n", "appkit.keybar") == ["appkit"]  # words need nothing else
