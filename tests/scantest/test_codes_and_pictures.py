"""The test codes: what a terminal makes of each, and that every picture of them reads back."""

import cv2
import numpy as np
import pytest
import zxingcpp

from drivers.aim import Symbology
from drivers.camera import decode
from drivers.camera.render import bar_modules
from drivers.scantest import CHECKS, checks_named, main
from drivers.scantest.pictures import bar_blocks, terminal_picture
from protocol.paycode import CodeKind, Issuer, classify

LIGHT, DARK = 255, 0


def test_every_check_is_classified_as_it_expects_and_has_its_own_text():
    assert len({check.text for check in CHECKS}) == len(CHECKS)
    for check in CHECKS:
        info = classify(check.text)
        assert (info.kind, info.issuer) == (check.kind, check.issuer), check.name
    assert {CodeKind.MISREAD, CodeKind.NOT_PAYMENT} <= {c.kind for c in CHECKS}
    payment = [c for c in CHECKS if c.kind in (CodeKind.OWN, CodeKind.EXTERNAL)]
    for issuer in Issuer:  # each issuer's code is shown in both symbologies
        shown = {c.symbology for c in payment if c.issuer is issuer}
        assert shown == {Symbology.QR, Symbology.CODE128}, issuer


def test_choosing_checks_by_name_and_symbology():
    assert [c.name for c in checks_named("wechat,product")] == [
        "wechat-qr",
        "wechat-code128",
        "product-ean13",
    ]
    assert [c.name for c in checks_named("", "qr")][:2] == ["points-qr", "card-qr"]
    with pytest.raises(ValueError, match="no test code is called 'visa'; there are: points-qr"):
        checks_named("visa")
    with pytest.raises(ValueError, match="none of the chosen test codes is shown as qr"):
        checks_named("product", "qr")


def blocks_to_image(text: str, *, cell=(4, 8)) -> np.ndarray:
    """A terminal's rendering of half-block characters: each cell ``w`` x ``h`` pixels."""
    w, h = cell
    halves = {
        "█": ((1, 1), (1, 1)),
        "▌": ((1, 0), (1, 0)),
        "▐": ((0, 1), (0, 1)),
        "▀": ((1, 1), (0, 0)),
        "▄": ((0, 0), (1, 1)),
    }
    lines = [line for line in text.splitlines() if line and not line.strip().isdigit()]
    width = max(len(line) for line in lines)
    image = np.full((len(lines) * h, width * w), LIGHT, np.uint8)
    for row, line in enumerate(lines):
        for col, char in enumerate(line):
            (tl, tr), (bl, br) = halves.get(char, ((0, 0), (0, 0)))
            for dark, (y, x) in zip(
                (tl, tr, bl, br), ((0, 0), (0, 1), (1, 0), (1, 1)), strict=True
            ):
                if dark:
                    top, left = row * h + y * h // 2, col * w + x * w // 2
                    image[top : top + h // 2, left : left + w // 2] = DARK
    return np.pad(image, 24, constant_values=LIGHT)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_the_terminal_picture_reads_back_as_the_code(check):
    image = blocks_to_image(terminal_picture(check))
    if check.symbology is Symbology.EAN_UPC:
        ean13 = zxingcpp.barcode_formats_from_str("EAN13")
        found = [r.text for r in zxingcpp.read_barcodes(image, formats=ean13)]
    else:
        found = decode(image)
    assert found == [check.text]
    assert terminal_picture(check).rstrip().endswith(check.text)


def test_inverted_bars_swap_dark_and_light():
    modules = bar_modules("code128", "ABC")
    plain, inverted = bar_blocks(modules, rows=1), bar_blocks(modules, rows=1, invert=True)
    assert (
        len(plain) == len(inverted) and plain.startswith(" " * 5) and inverted.startswith("█" * 5)
    )
    with pytest.raises(ValueError, match="wrong EAN-13 check digit"):
        bar_modules("ean13", "6901234567890")


def test_codes_command_draws_and_saves_pngs_that_read_back(tmp_path, capsys):
    assert main(["codes", "--only", "alipay,product", "--png", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "alipay-qr: Alipay, QR\n  code  : 281234567890123456\n" in out
    assert "  expect: not a payment code (never sent as one)" in out
    saved = sorted(p.name for p in tmp_path.iterdir())
    assert saved == ["alipay-code128.png", "alipay-qr.png", "product-ean13.png"]
    for check in checks_named("alipay"):
        image = cv2.imread(str(tmp_path / f"{check.name}.png"), cv2.IMREAD_GRAYSCALE)
        assert image is not None and decode(image) == [check.text]
    assert main(["codes", "--only", "nothing"]) == 2
    assert "no test code is called 'nothing'" in capsys.readouterr().err
