"""Input checks shared by the genomics builders."""

from __future__ import annotations

import numpy as np


def check_one_hot(name: str, x: object, length: int | None = None) -> np.ndarray:
    """Return ``x`` as float32 ``[n, length, 4]`` or raise a ``ValueError`` naming ``name``."""
    array = np.asarray(x, dtype=np.float32)
    if array.ndim != 3 or array.shape[-1] != 4:
        raise ValueError(f"{name} must be one-hot DNA of shape [n, length, 4], got shape "
                         f"{array.shape}.")
    if length is not None and array.shape[1] != length:
        raise ValueError(f"{name} must have length {length}, got {array.shape[1]}.")
    return array
