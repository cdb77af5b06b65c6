"""The matrix as a picture: one row per project, one square per node, red where overdue."""

from __future__ import annotations

import io

from PIL import Image

from domain.projects.views import Matrix, MatrixRow
from handlers import matrix_picture


def test_the_picture_has_a_row_per_project_and_a_red_square_where_a_node_is_overdue() -> None:
    rows = [MatrixRow(i, f"项目{i}", "支部", "running", [(1, 100, False), (2, 40, i == 2), (3, 0, False)], f"B{i:02}")
            for i in range(1, 31)]  # fmt: skip
    image = Image.open(io.BytesIO(matrix_picture.png(Matrix(rows, 3, 1, 1, 30, 1))))
    cell = matrix_picture.CELL + matrix_picture.GAP
    assert image.size == (2 * matrix_picture.PAD + matrix_picture.LABEL + 3 * cell, 2 * matrix_picture.PAD + 31 * cell)
    left = matrix_picture.PAD + matrix_picture.LABEL + cell + 5
    second_row, third_row = matrix_picture.PAD + 2 * cell + 5, matrix_picture.PAD + 3 * cell + 5
    assert image.getpixel((left, second_row)) == matrix_picture.COLOURS["late"]
    assert image.getpixel((left, third_row)) == matrix_picture.COLOURS["started"]
