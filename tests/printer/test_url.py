"""Printer URLs: every accepted form, and a bad one answered with what is wrong and what works."""

from __future__ import annotations

import pytest

from drivers.printer import BadPrinterUrl, parse_printer_url


def test_each_kind_of_printer_url_is_read_with_its_options():
    serial = parse_printer_url("serial:///dev/ttyUSB0?baud=9600&width=58&chinese=raster")
    assert (serial.scheme, serial.path, serial.baud) == ("serial", "/dev/ttyUSB0", 9600)
    assert (serial.paper.columns, serial.paper.dots, serial.chinese) == (32, 384, "raster")
    tcp = parse_printer_url("tcp://192.168.1.50")
    assert (tcp.host, tcp.port, tcp.paper.columns, tcp.chinese) == (
        "192.168.1.50",
        9100,
        48,
        "gb18030",
    )
    usb = parse_printer_url("usb://04B8:0202?drawer=5")
    assert (usb.vendor, usb.product, usb.drawer_pin) == (0x04B8, 0x0202, 5)
    assert parse_printer_url("file:///dev/usb/lp0").path == "/dev/usb/lp0"
    assert parse_printer_url("sim:").path == ""
    assert parse_printer_url("sim:///var/tmp/receipts?timeout=0.5").timeout == 0.5


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("printer", "no kind of printer given"),
        ("lpt:///dev/lp0", "unknown kind 'lpt'"),
        ("serial://dev/ttyUSB0", "three slashes"),
        ("serial:", "absolute path"),
        ("usb://epson", "usb://VVVV:PPPP"),
        ("tcp://:9100", "tcp://HOST:PORT"),
        ("tcp://host:99999", "port"),
        ("tcp://host?width=57", "width=57 is not a paper width"),
        ("tcp://host?chinese=big5", "chinese=big5"),
        ("tcp://host?drawer=3", "pin 2 or 5"),
        ("tcp://host?timeout=0", "timeout=0"),
        ("serial:///dev/ttyS0?baud=fast", "baud=fast"),
        ("tcp://host?speed=1", "unknown option speed"),
        ("tcp://host?width=58&width=80", "given twice"),
        ("sim:receipts", "absolute path"),
    ],
)
def test_a_bad_url_says_what_is_wrong_and_lists_what_is_accepted(url, why):
    with pytest.raises(BadPrinterUrl) as caught:
        parse_printer_url(url)
    assert why in str(caught.value)
    assert "tcp://192.168.1.50:9100" in str(caught.value)  # the accepted forms follow
    assert caught.value.message("zh") == "小票打印机的设备地址无效。"
    assert isinstance(caught.value, ValueError)
