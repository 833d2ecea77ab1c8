"""A valid Jupyter notebook of about ``size`` bytes: code cells with long text outputs, as a
notebook that prints training logs is (the 19 MB notebook of issue 10)."""

from __future__ import annotations

import json
import sys

LINE = "epoch {:5d}  step {:7d}  loss 0.{:06d}  accuracy 0.{:04d}  lr 3e-4  grad-norm 1.{:03d}\n"


def notebook(size: int) -> bytes:
    cells = []
    total, n = 0, 0
    while total < size:
        lines = [
            LINE.format(n, i, (n * 7919 + i) % 10**6, i % 10**4, i % 1000) for i in range(1200)
        ]
        cell = {
            "cell_type": "code",
            "id": f"cell-{n}",
            "execution_count": n + 1,
            "metadata": {},
            "source": [f"train(epoch={n})\n"],
            "outputs": [{"output_type": "stream", "name": "stdout", "text": lines}],
        }
        cells.append(cell)
        total += sum(len(line) + 4 for line in lines) + 200
        n += 1
    body = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "cells": cells,
    }
    return json.dumps(body).encode()


if __name__ == "__main__":
    sys.stdout.buffer.write(notebook(int(sys.argv[1]) if len(sys.argv) > 1 else 19 * 10**6))
