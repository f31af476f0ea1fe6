"""The camera's part that needs no camera: decoding a frame into the codes it shows.

``drivers.camera.decode(image) -> list[str]``: a gray or BGR (uint8) image in,
the decoded texts out (zxing-cpp first, harder passes and pyzbar only when it
finds nothing; see :mod:`.decoder`). The camera driver (``camera:`` URLs)
builds on it.
"""

from .decoder import Decoded, decode, decode_detailed
from .render import code128_image, ean13_image, qr_image

__all__ = ["Decoded", "code128_image", "decode", "decode_detailed", "ean13_image", "qr_image"]
