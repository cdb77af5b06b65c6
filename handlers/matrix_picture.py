"""The project matrix (矩阵管理图) as a picture, for a scope whose matrix does not fit a message.

One row per project (labelled by its number and its unit's code: the picture carries no Chinese font;
the caption and /projects name them), one square per quality node: grey not started, yellow started,
light green half or more, green done, red overdue.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from domain.projects.views import Matrix

CELL, GAP, LABEL, PAD = 22, 3, 130, 12
COLOURS = {"late": (214, 48, 49), "done": (39, 174, 96), "half": (129, 212, 150), "started": (241, 196, 15),
           "none": (210, 214, 219)}  # fmt: skip


def colour(percent: int, late: bool) -> tuple[int, int, int]:
    if late:
        return COLOURS["late"]
    if percent >= 100:
        return COLOURS["done"]
    return COLOURS["half"] if percent >= 50 else (COLOURS["started"] if percent > 0 else COLOURS["none"])


def png(matrix: Matrix) -> bytes:
    """The whole matrix as PNG bytes."""
    width = PAD * 2 + LABEL + max(1, matrix.width) * (CELL + GAP)
    height = PAD * 2 + (len(matrix.rows) + 1) * (CELL + GAP)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    for column in range(matrix.width):
        draw.text((PAD + LABEL + column * (CELL + GAP) + 6, PAD + 4), str(column + 1), fill="black", font=font)
    for index, row in enumerate(matrix.rows, start=1):
        top = PAD + index * (CELL + GAP)
        draw.text((PAD, top + 4), f"#{row.project_id} {row.unit_code}"[:20], fill="black", font=font)
        for column, (_seq, percent, late) in enumerate(row.cells):
            left = PAD + LABEL + column * (CELL + GAP)
            draw.rectangle((left, top, left + CELL, top + CELL), fill=colour(percent, late))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
