"""Device URLs: parsing, the messages for bad ones, and the scheme registry."""

import pytest

from drivers import urls
from drivers.scanner import Scanner
from drivers.sim import SimScanner
from drivers.urls import (
    DeviceUrlError,
    Option,
    SchemeSpec,
    describe_schemes,
    open_scanner,
    parse_device_url,
    register_scheme,
)


def test_options_are_parsed_and_checked():
    url = parse_device_url("sim:?codes=1,2&interval=250&name=till%201")
    assert url.scheme == "sim" and url.path == ""
    assert url.options == {"codes": "1,2", "interval": "250", "name": "till 1"}
    scanner = open_scanner("sim:?codes=1,2&interval=250&name=till%201")
    assert isinstance(scanner, SimScanner)
    assert scanner.codes == ("1", "2") and scanner.interval == 0.25 and scanner.device == "till 1"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ttyACM0", "not a device URL"),
        ("/dev/ttyACM0", "Did you mean serial:///dev/ttyACM0"),
        ("usb:1", "unknown scheme 'usb'"),
        ("sim:?colour=red", "unknown option 'colour' for sim:. Accepted: aim, codes, delay"),
        ("sim:?interval=soon", "interval='soon' is not valid; interval takes a whole number"),
        ("sim:?interval=-5", "a whole number from 0"),
        ("sim:?codes=1&codes=2", "given twice"),
        ("sim:?codes", "name=value"),
        ("sim:/dev/x", "takes no device path"),
        ("sim:#x", "no '#'"),
    ],
)
def test_bad_urls_say_what_is_wrong_and_what_is_accepted(url, says):
    with pytest.raises(DeviceUrlError) as caught:
        open_scanner(url)
    message = str(caught.value)
    assert says in message
    assert isinstance(caught.value, ValueError)


def test_unknown_scheme_lists_every_scheme_with_its_options():
    with pytest.raises(DeviceUrlError) as caught:
        open_scanner("usb:1")
    message = str(caught.value)
    for scheme in ("serial:", "hid:", "wedge:", "sim:", "camera:"):
        assert f"  {scheme}" in message
    assert "?codes: codes to scan" in message


def test_a_scheme_whose_module_is_missing_is_reported_as_not_installed(monkeypatch):
    monkeypatch.setitem(urls._PROVIDERS, "future", "drivers.future_driver")
    with pytest.raises(DeviceUrlError, match="the future driver is not installed in this build"):
        open_scanner("future:0")
    assert "  future: the future driver is not installed in this build" in describe_schemes()
    monkeypatch.setitem(urls._PROVIDERS, "lazy", "drivers.aim")  # imports, registers nothing
    with pytest.raises(DeviceUrlError, match=r"module drivers\.aim did not register the lazy"):
        open_scanner("lazy:")


def test_camera_urls_go_to_the_camera_driver():
    from drivers.camera.scanner import CameraScanner

    scanner = open_scanner("camera:0")
    assert isinstance(scanner, CameraScanner) and scanner.device == "camera:0"
    video = open_scanner("camera:///srv/clips/till.mp4")
    assert isinstance(video, CameraScanner) and video.source == "/srv/clips/till.mp4"
    assert "?dedupe: milliseconds a code must be out of sight" in describe_schemes()


def test_a_module_can_register_a_scheme():
    class Dummy(SimScanner):
        pass

    made: list[str] = []

    def factory(url) -> Scanner:
        made.append(url.path)
        return Dummy(name=url.path)

    register_scheme(
        SchemeSpec(
            "dummy",
            "a test scheme",
            ("dummy:N",),
            factory,
            (Option("level", "how loud", "1", ("1", "2")),),
            path="required",
        )
    )
    assert isinstance(open_scanner("dummy:7?level=2"), Dummy) and made == ["7"]
    with pytest.raises(DeviceUrlError, match="needs a device, as in dummy:N"):
        open_scanner("dummy:")
    assert "?level (1|2): how loud, default 1" in describe_schemes()
