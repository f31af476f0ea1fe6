import pkgutil
import subprocess
import sys

import drivers.pinpad


def test_public_surface_is_what_we_meant():
    modules = {info.name for info in pkgutil.iter_modules(drivers.pinpad.__path__)}
    public = {n for n in dir(drivers.pinpad) if not n.startswith("_")} - modules
    assert sorted(drivers.pinpad.__all__) == sorted(public)
    assert {"PinPad", "PinRequest", "open_pinpad", "CustomerCancelled"} <= public


def test_the_terminal_side_loads_neither_the_app_toolkit_nor_opencv():
    code = (
        "import sys, drivers.pinpad;"
        "print(sorted(m for m in ('textual', 'cv2') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
