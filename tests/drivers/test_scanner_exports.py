"""The scanner drivers' public names, and the layering rule: drivers import only protocol."""

import importlib
import subprocess
import sys

import drivers.hid

MODULES = [
    "drivers.aim",
    "drivers.scanner",
    "drivers.urls",
    "drivers.framing",
    "drivers.serial_scanner",
    "drivers.sim",
    "drivers.wedge",
    "drivers.hotplug",
    "drivers.emulators.serial_scanner",
    "drivers.hid.keymaps",
    "drivers.hid.decoder",
    "drivers.hid.typist",
    "drivers.hid.devices",
    "drivers.hid.evdev_source",
    "drivers.hid.classify",
    "drivers.hid.autolayout",
    "drivers.hid.recording",
    "drivers.hid.scanner",
    "drivers.camera.scanner",
    "drivers.scantest",
    "drivers.scantest.codes",
    "drivers.scantest.pictures",
    "drivers.scantest.probe",
    "drivers.scantest.session",
    "drivers.scantest.cli",
]


def test_every_name_in_all_exists():
    for name in MODULES:
        module = importlib.import_module(name)
        for attr in module.__all__:
            assert hasattr(module, attr), f"{name}.{attr}"


def test_hid_package_surface_is_what_we_meant():
    public = {n for n in dir(drivers.hid) if not n.startswith("_")}
    submodules = {m.rsplit(".", 1)[1] for m in MODULES if m.startswith("drivers.hid.")}
    assert set(drivers.hid.__all__) == public - submodules


def test_drivers_import_only_protocol():
    code = (
        "import sys;"
        + "".join(f"import {m};" for m in MODULES)
        + "ours = {'terminal_sdk','pos_client','pda_client','backend_stub'};"
        "print(sorted(ours & {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
