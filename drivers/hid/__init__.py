"""USB-HID scanners (``hid:``): layouts, the pure event decoder, device seam, the driver.

- :mod:`.keymaps`       layouts without X: US, French AZERTY, German QWERTZ
- :mod:`.decoder`       events in, codes out (pure)
- :mod:`.typist`        text in, events out: a scanner's side, for tests and demos
- :mod:`.devices`       the seam: ``InputSource`` and the in-memory one
- :mod:`.evdev_source`  the seam on a real machine, through python-evdev
- :mod:`.classify`      scanner or keyboard: override file, ids and name, typing speed
- :mod:`.scanner`       the driver, registered as the ``hid:`` scheme
"""

from .classify import DeviceKind, judge_device, overrides_path, save_override
from .decoder import DecodedCode, HidDecoder
from .devices import InputDeviceInfo, InputSource, MemoryInputSource
from .keymaps import LAYOUTS, Layout, layout_named
from .scanner import HidScanner
from .typist import KeyboardTypist

__all__ = [
    "LAYOUTS",
    "DecodedCode",
    "DeviceKind",
    "HidDecoder",
    "HidScanner",
    "InputDeviceInfo",
    "InputSource",
    "KeyboardTypist",
    "Layout",
    "MemoryInputSource",
    "judge_device",
    "layout_named",
    "overrides_path",
    "save_override",
]
