"""Test images drawn with Pillow: no binary fixtures. Each seed gives a different picture with
structure (gradients and shapes), which is what PDQ is made for; `altered` gives the same picture
resized and recompressed, as a re-upload would be."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw


def picture(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    rng = random.Random(seed)
    image = Image.linear_gradient("L").resize(size).rotate(rng.randrange(360)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(8):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        x1, y1 = x0 + rng.randrange(20, 160), y0 + rng.randrange(20, 120)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x0, y0, x1, y1), fill=colour)
    return image


def encoded(image: Image.Image, form: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, form, **options)
    return buffer.getvalue()


def png(seed: int) -> bytes:
    return encoded(picture(seed))


def altered(seed: int) -> bytes:
    """The same picture, 80 % of the size, as a JPEG of quality 70."""
    image = picture(seed)
    return encoded(image.resize((image.width * 4 // 5, image.height * 4 // 5)), "JPEG", quality=70)
