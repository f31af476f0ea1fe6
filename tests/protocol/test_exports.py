import importlib
import subprocess
import sys

import protocol


def test_public_surface_is_what_we_meant():
    assert sorted(protocol.__all__) == sorted(
        name
        for name in dir(protocol)
        if not name.startswith("_")
        and name not in {"errors", "models", "money", "paycode", "pin", "replay", "signing"}
        and name not in {"demo", "i18n", "symbols"}
    )
    for name in protocol.__all__:
        assert getattr(protocol, name) is not None


def test_module_all_names_exist():
    modules = (
        "errors",
        "i18n",
        "models",
        "money",
        "paycode",
        "pin",
        "replay",
        "signing",
        "symbols",
    )
    for mod in modules:
        module = importlib.import_module(f"protocol.{mod}")
        for name in module.__all__:
            assert hasattr(module, name), f"protocol.{mod}.{name}"


def test_protocol_imports_nothing_else_of_ours():
    code = (
        "import sys, protocol, protocol.models, protocol.pin, protocol.demo, protocol.symbols,"
        " protocol.i18n;"
        "ours = {'terminal_sdk','drivers','pos_client','pda_client','backend_stub'};"
        "print(sorted(ours & {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_names_other_parts_rely_on():
    from protocol.paycode import CodeKind, classify
    from protocol.signing import sign

    assert callable(sign) and callable(classify)
    assert {k.name for k in CodeKind} == {"OWN", "EXTERNAL", "MISREAD", "NOT_PAYMENT"}


def test_demo_prints_a_code_that_classifies_as_ours():
    out = subprocess.run(
        [sys.executable, "-m", "protocol.demo", "--issuer", "card"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    code = next(
        line.split(":")[1].strip() for line in out.splitlines() if line.startswith("payment code")
    )
    assert protocol.classify(code).kind is protocol.CodeKind.OWN
    assert "█" in out or "▀" in out  # the QR was drawn
