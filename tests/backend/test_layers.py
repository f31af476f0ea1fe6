"""The backend's layers (DESIGN.md sections 3 and 8): arrows go one way, and never to the devices.

From the top: ``api``, ``cli``, ``jobs``, ``wallet`` and ``console`` (and ``app``) may use
everything below, but ``api`` and ``cli`` are entry points that only ``app`` and
``__main__`` use (what the pages share with the API sits in ``gateway``);
then ``gateway`` -> ``payments`` -> ``ledger`` -> ``routing`` (with its
``channels``) -> ``observability`` -> ``storage``. ``context``, ``settings``,
``errors`` and ``clock`` are the few names every layer shares;
they may use any layer but the top. A layer may import its own modules and
any layer below it, never one above.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "backend_stub"
TOP = {"api", "cli", "jobs", "wallet", "console", "app", "__main__"}
SHARED = {"__init__", "context", "settings", "errors", "clock"}
ENTRY = {"api", "cli"}  # besides themselves, only app and __main__ import these
RANK = {"gateway": 5, "payments": 4, "ledger": 3, "routing": 2, "observability": 1, "storage": 0}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Every backend module ``path`` imports, at any depth of the file (lazy ones too)."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            if base == "backend_stub" or base.startswith("backend_stub."):
                # ``from backend_stub import x``: x is a module of its own layer
                found += [(node.lineno, f"{base}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, a.name) for a in node.names if a.name.startswith("backend_stub.")
            ]
    return found


def upward(importer: str, target: str) -> bool:
    src, dst = layer_of(importer), layer_of(target)
    if dst in ENTRY and src not in {dst, "app", "__main__"}:
        return True
    if src == dst or dst in SHARED or src in TOP:
        return False
    if dst in TOP:
        return True
    if src in SHARED:
        return False
    return RANK[src] < RANK[dst]


def test_every_module_belongs_to_a_known_layer():
    for path in PACKAGE.rglob("*.py"):
        layer = layer_of(module_name(path))
        assert layer in TOP | SHARED | set(RANK), f"{path} is in no layer this test knows"


def test_at_most_twelve_modules_sit_directly_in_the_package():
    assert len(list(PACKAGE.glob("*.py"))) <= 12


def test_no_import_runs_back_up_a_layer():
    wrong = [
        f"{module_name(path)}:{line} imports {target}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line, target in imports_of(path)
        if upward(module_name(path), target)
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("importer", "target", "expected"),
    [
        ("backend_stub.payments.trades", "backend_stub.gateway.signed", True),
        ("backend_stub.storage.db", "backend_stub.ledger.postings", True),
        ("backend_stub.context", "backend_stub.api.plain", True),
        ("backend_stub.gateway.signed", "backend_stub.payments.terminals", False),
        ("backend_stub.ledger.reconcile", "backend_stub.routing.external", False),
        ("backend_stub.api.terminal", "backend_stub.gateway.signed", False),
        ("backend_stub.wallet.page", "backend_stub.api.plain", True),
        ("backend_stub.console.page", "backend_stub.cli.main", True),
        ("backend_stub.wallet.page", "backend_stub.gateway.pages", False),
        ("backend_stub.app", "backend_stub.api.terminal", False),
    ],
)
def test_the_rule_itself_tells_up_from_down(importer, target, expected):
    assert upward(importer, target) is expected


def test_the_backend_imports_nothing_of_the_device_side():
    modules = sorted(module_name(p) for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)
    code = (
        "import sys;"
        + "".join(f"import {m};" for m in modules if m != "backend_stub.__main__")
        + "ours = {'protocol','terminal_sdk','drivers','appkit','pos_client','pda_client',"
        "'scanpay_wallet','backend_stub'};"
        "print(sorted(ours & {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert ast.literal_eval(out.stdout) == ["backend_stub", "protocol"]
