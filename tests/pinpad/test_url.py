import pytest

from drivers.pinpad import BadPinPadUrl, SerialPinPad, SimPinPad, open_pinpad


def test_serial_url_with_options():
    pad = open_pinpad("serial:///dev/ttyUSB1?baud=19200&ack_timeout=0.2&retries=5")
    assert isinstance(pad, SerialPinPad)
    assert (pad.port, pad.baudrate, pad.ack_timeout, pad.retries) == ("/dev/ttyUSB1", 19200, 0.2, 5)


def test_sim_url_defaults_and_script(make_request, opened):
    assert isinstance(open_pinpad("sim:"), SimPinPad)
    pad = open_pinpad("sim:?pins=1111,cancel&delay=0")
    assert isinstance(pad, SimPinPad)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("usb:///dev/x", "unknown kind 'usb'"),
        ("/dev/ttyUSB0", "no kind of pad given"),
        ("serial://dev/ttyUSB0", "three slashes"),
        ("serial:", "needs an absolute device path"),
        ("serial:///dev/ttyUSB0?baud=fast", "baud='fast' must be a whole number"),
        ("serial:///dev/ttyUSB0?speed=9600", "unknown option speed (a serial pad takes: "),
        ("sim:?pins=12", "4 to 12 digits"),
        ("sim:/tmp/x", "takes no path"),
        ("hid:///dev/input/event3?grab=maybe", "grab='maybe' must be 0 or 1"),
    ],
)
def test_bad_urls_say_why_and_list_what_is_accepted(url, says):
    with pytest.raises(BadPinPadUrl) as info:
        open_pinpad(url)
    text = str(info.value)
    assert says in text
    for form in ("serial:///dev/ttyUSB1", "hid:///dev/input/", "socket:///", "sim:?pins="):
        assert form in text
    assert isinstance(info.value, ValueError)
