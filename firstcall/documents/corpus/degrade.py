"""Copies of a document as a scanner or a phone makes them: rasterised at 150-300 dpi, skewed 1-3 degrees,
speckled with noise and saved with JPEG artefacts (as a JPEG photo, or as an image-only PDF)."""

from __future__ import annotations

import io
import random

import pypdfium2
from PIL import Image, ImageFilter


def degrade(pdf: bytes, rng: random.Random, *, as_pdf: bool | None = None) -> tuple[bytes, dict]:
    dpi = rng.choice([150, 200, 250, 300])
    angle = rng.choice([-1, 1]) * rng.uniform(1.0, 3.0)
    quality = rng.randrange(45, 80)
    document = pypdfium2.PdfDocument(pdf)
    images = []
    for page in document:
        image = page.render(scale=dpi / 72).to_pil().convert("L")
        page.close()
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        noise = Image.effect_noise(image.size, rng.uniform(8, 20))
        image = Image.blend(image, noise, 0.12)
        if rng.random() < 0.5:
            image = image.filter(ImageFilter.GaussianBlur(radius=0.6))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        images.append(Image.open(io.BytesIO(buffer.getvalue())).convert("L"))
    document.close()
    as_pdf = len(images) > 1 or bool(as_pdf)
    output = io.BytesIO()
    if as_pdf:
        images[0].save(output, "PDF", save_all=True, append_images=images[1:], resolution=dpi)
    else:
        images[0].save(output, "JPEG", quality=quality, dpi=(dpi, dpi))
    return output.getvalue(), {"dpi": dpi, "angle": round(angle, 2), "quality": quality, "pdf": as_pdf}
