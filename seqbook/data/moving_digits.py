"""Moving-digit clips (synthetic): short videos whose label only the order of frames gives.

The frames are scikit-learn's 8 x 8 handwritten digits (``sklearn.datasets.load_digits``,
1,797 real scans that ship with scikit-learn), pasted onto a larger dark canvas. Two tasks,
both built so that the *set* of frames of a clip says nothing about its label; only their
order does:

``"direction"``
    One digit slides horizontally, one pixel per frame: label 1 if it moves right, 0 if
    it moves left. A left-moving clip is a right-moving clip played backwards.
``"order"``
    Two different digits appear one after the other (the first in the first half of the
    clip, the second in the second half): label 1 if the smaller digit comes first.

Reversing the frames of a clip therefore flips its label, while any statistic that ignores
time (the mean frame, a histogram of frames) is unchanged: a model that averages its
frames can only guess.
"""

from __future__ import annotations

import numpy as np

TASKS = ("direction", "order")


def _digit_images() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.images / 16.0).astype("float32"), digits.target.astype("int64")


def moving_digit_clips(num_clips: int, task: str = "direction", num_frames: int = 8,
                       size: int = 16, noise: float = 0.05, seed: int = 0,
                       digit_indices: np.ndarray | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Generate labelled moving-digit clips (synthetic video from real digit scans).

    Parameters
    ----------
    num_clips : int
        Clips to generate; the labels are balanced (half of each, the first half 0).
    task : str
        ``"direction"`` (label 1: the digit moves right) or ``"order"`` (label 1: the
        smaller of two digits appears first). See the module docstring.
    num_frames : int
        Frames per clip, at least 2 (``"order"``: an even number).
    size : int
        Side of the square canvas; at least ``8 + num_frames - 1`` for ``"direction"``
        (room to slide), at least 8 for ``"order"``.
    noise : float
        Standard deviation of Gaussian pixel noise added to every frame (then clipped to
        [0, 1]).
    seed : int
        Seed of the generator: the same seed gives the same clips.
    digit_indices : numpy.ndarray, optional
        Which of the 1,797 digit scans may be used (e.g. a train/test split of the scans,
        so test clips show digits never seen in training). Default: all.

    Returns
    -------
    clips : numpy.ndarray
        ``[num_clips, num_frames, size, size, 1]``, float32 in [0, 1].
    labels : numpy.ndarray
        ``[num_clips]``, int64 in {0, 1}.

    Raises
    ------
    ValueError
        On an unknown ``task``, or sizes that leave no room for the motion.

    Example
    -------
    >>> clips, labels = moving_digit_clips(4, task="direction", seed=1)
    >>> clips.shape, labels.tolist()
    ((4, 8, 16, 16, 1), [0, 0, 1, 1])
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {list(TASKS)}, got {task!r}.")
    for name, value, low in (("num_clips", num_clips, 1), ("num_frames", num_frames, 2),
                             ("size", size, 8)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    if task == "direction" and size < 8 + num_frames - 1:
        raise ValueError(f"size must be >= 8 + num_frames - 1 = {8 + num_frames - 1} for "
                         f"task='direction' (room to slide), got {size}.")
    if task == "order" and num_frames % 2:
        raise ValueError(f"num_frames must be even for task='order', got {num_frames}.")
    if not 0.0 <= float(noise) < 1.0:
        raise ValueError(f"noise must be in [0, 1), got {noise!r}.")
    images, targets = _digit_images()
    pool = np.arange(len(images)) if digit_indices is None else np.asarray(digit_indices)
    if pool.size < 2:
        raise ValueError(f"digit_indices must hold at least 2 scans, got {pool.size}.")
    rng = np.random.default_rng(seed)
    labels = (np.arange(num_clips) >= num_clips // 2).astype("int64")
    clips = np.zeros((num_clips, num_frames, size, size), dtype="float32")
    for n, label in enumerate(labels):
        if task == "direction":
            image = images[rng.choice(pool)]
            top = rng.integers(0, size - 8 + 1)
            left = rng.integers(0, size - 8 - (num_frames - 1) + 1)
            steps = np.arange(num_frames) if label == 1 else np.arange(num_frames)[::-1]
            for t, step in enumerate(steps):
                clips[n, t, top:top + 8, left + step:left + step + 8] = image
        else:
            while True:
                a, b = rng.choice(pool, size=2, replace=False)
                if targets[a] != targets[b]:
                    break
            small, large = (a, b) if targets[a] < targets[b] else (b, a)
            first, second = (small, large) if label == 1 else (large, small)
            half = num_frames // 2
            for t, index in enumerate([first] * half + [second] * half):
                top, left = rng.integers(0, size - 8 + 1, size=2)
                clips[n, t, top:top + 8, left:left + 8] = images[index]
    if noise:
        clips = np.clip(clips + rng.normal(0.0, noise, clips.shape), 0.0, 1.0)
    return clips.astype("float32")[..., None], labels


def digit_scan_split(seed: int = 0, fractions: tuple[float, float, float] = (0.6, 0.2, 0.2)
                     ) -> dict[str, np.ndarray]:
    """Split the 1,797 digit scans into train/validation/test index sets (disjoint).

    Clips of different splits then show different handwriting, so a test score is about
    new digits, not memorised ones.

    Example
    -------
    >>> parts = digit_scan_split()
    >>> [len(parts[k]) for k in ("train", "validation", "test")]
    [1078, 359, 360]
    """
    order = np.random.default_rng(seed).permutation(1797)
    train_end = int(fractions[0] * 1797)
    validation_end = train_end + int(fractions[1] * 1797)
    return {"train": np.sort(order[:train_end]),
            "validation": np.sort(order[train_end:validation_end]),
            "test": np.sort(order[validation_end:])}
