"""Scores of predicted video frames: mean squared error and structural similarity (SSIM)."""

from __future__ import annotations

import numpy as np

__all__ = ["frame_mse", "ssim"]

_K1, _K2, _SIGMA, _TRUNCATE = 0.01, 0.03, 1.5, 3.5


def _as_images(name: str, value) -> np.ndarray:
    images = np.asarray(value, dtype="float64")
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim == 2:
        images = images[None]
    if images.ndim != 3:
        raise ValueError(f"{name} must be grey images [height, width] or [batch, height, "
                         f"width(, 1)], got shape {np.shape(value)}.")
    return images


def ssim(true, predicted, data_range: float = 1.0) -> np.ndarray:
    """Structural similarity of grey images, one value per image (Wang et al. 2004).

    SSIM compares local means, variances and the covariance of two images in a Gaussian
    window (sigma 1.5 pixels), and averages the map over the pixels whose window lies
    inside the image. It is 1 for identical images and falls as their local structure
    differs, which a mean squared error does not see (a blurred frame can have a small
    MSE). The settings are those of Wang et al. and of scikit-image's
    ``structural_similarity(gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False)``, which the tests check it against.

    Parameters
    ----------
    true, predicted : array-like
        ``[height, width]`` or ``[batch, height, width]`` (a trailing channel of 1 is
        allowed); the same shape, at least 11 x 11.
    data_range : float
        The range of the pixel values (1.0 for floats in [0, 1]).

    Returns
    -------
    numpy.ndarray
        ``[batch]`` SSIM values.

    Example
    -------
    >>> frame = np.random.default_rng(0).random((16, 16))
    >>> float(ssim(frame, frame)[0])
    1.0
    >>> bool(ssim(frame, 0.5 * frame)[0] < 1.0)
    True
    """
    from scipy.ndimage import gaussian_filter

    a, b = _as_images("true", true), _as_images("predicted", predicted)
    if a.shape != b.shape:
        raise ValueError(f"predicted must have the shape of true {a.shape}, got {b.shape}.")
    radius = int(_TRUNCATE * _SIGMA + 0.5)
    if min(a.shape[1:]) < 2 * radius + 1:
        raise ValueError(f"true must be at least {2 * radius + 1} x {2 * radius + 1} pixels "
                         f"(the Gaussian window), got {a.shape[1:]}.")
    if not data_range > 0:
        raise ValueError(f"data_range must be positive, got {data_range!r}.")

    def smooth(x):
        return gaussian_filter(x, sigma=(0, _SIGMA, _SIGMA), truncate=_TRUNCATE,
                               mode="reflect")

    mean_a, mean_b = smooth(a), smooth(b)
    var_a = smooth(a * a) - mean_a ** 2
    var_b = smooth(b * b) - mean_b ** 2
    cov = smooth(a * b) - mean_a * mean_b
    c1, c2 = (_K1 * data_range) ** 2, (_K2 * data_range) ** 2
    index = ((2 * mean_a * mean_b + c1) * (2 * cov + c2)
             / ((mean_a ** 2 + mean_b ** 2 + c1) * (var_a + var_b + c2)))
    inside = index[:, radius:-radius, radius:-radius]
    return inside.mean(axis=(1, 2))


def frame_mse(true, predicted) -> np.ndarray:
    """Mean squared error of each frame, ``[batch]``.

    Example
    -------
    >>> frame_mse(np.zeros((2, 4, 4)), np.ones((2, 4, 4))).tolist()
    [1.0, 1.0]
    """
    a, b = _as_images("true", true), _as_images("predicted", predicted)
    if a.shape != b.shape:
        raise ValueError(f"predicted must have the shape of true {a.shape}, got {b.shape}.")
    return ((a - b) ** 2).mean(axis=(1, 2))
