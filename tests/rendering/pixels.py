"""What a screenshot shows inside a box: how much of it is drawn, not page background."""

from __future__ import annotations

import io

from PIL import Image

from tests.rendering.browser import Box


def _pixels(png: bytes, box: Box) -> list[tuple[int, int, int]]:
    with Image.open(io.BytesIO(png)) as image:
        data = (
            image.convert("RGB")
            .crop((int(box.x), int(box.y), int(box.x + box.width), int(box.y + box.height)))
            .tobytes()
        )
    return list(zip(data[0::3], data[1::3], data[2::3], strict=True))


def drawn_fraction(png: bytes, box: Box) -> float:
    """The share of pixels in `box` that differ clearly from the page's white background."""
    pixels = _pixels(png, box)
    if not pixels:
        return 0.0
    return sum(1 for p in pixels if min(p) < 235) / len(pixels)


def colours(png: bytes, box: Box) -> int:
    """How many distinct colours the box holds."""
    return len(set(_pixels(png, box)))
