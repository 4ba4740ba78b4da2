"""Reading PNGs back as pixels, for tests that check what a picture shows."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from bot.pictures import look


def rgb(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def hex_rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)


def share_near(png: bytes, colour: str, tolerance: int = 12) -> float:
    """The share of pixels within ``tolerance`` of ``colour`` (per channel)."""
    pixels = rgb(png)
    close = np.all(np.abs(pixels - hex_rgb(colour)) <= tolerance, axis=-1)
    return float(close.mean())


def ink_share(png: bytes) -> float:
    """The share of pixels that are not background: how much is drawn."""
    return 1.0 - share_near(png, look.BACKGROUND, tolerance=6)
