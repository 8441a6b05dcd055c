"""Real video from a Debian package: OpenCV's sample clip ``vtest.avi``, as small grey frames.

OpenCV's documentation package, ``opencv-doc``, ships the sample videos its tutorials read,
among them ``vtest.avi``: 795 colour frames of 768 x 576 pixels at 10 frames per second
(79.5 s), filmed by a fixed camera looking down on a pedestrian area where people walk
across. The ``.deb`` is fetched once with ``apt-get download`` (checksum-verified, never
installed, see :mod:`seqbook.data.sources.debian_archives`), the clip is read out of it and
decoded with the ffmpeg binary that the ``imageio-ffmpeg`` wheel carries: the centre
576 x 576 square is cropped, turned grey and shrunk by area averaging to ``size x size``
pixels inside ffmpeg, and the frames are cached as one ``.npy`` file of floats in [0, 1].

Split (time): the first 80 % of the frames are ``train``, the next 10 % ``validation`` and
the last 10 % ``test`` (636, 79 and 80 frames of ``vtest``). Windows for next-frame
prediction are cut inside one split (:func:`frame_windows`), so no window sees a frame of
another split.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from seqbook.data.sources import debian_archives
from seqbook.data.sources._common import (check_choice, chronological_slice, data_dir,
                                             write_atomically)

#: ``(package, version, file name, SHA-256)`` of the Debian package read here.
PACKAGE = ("opencv-doc", "4.6.0+dfsg-12", "opencv-doc_4.6.0+dfsg-12_all.deb",
           "4b12681df35878207ac7097dc66184b2ae552e4bf4ddd2af04a0f03ed0b8682a")
#: The clips this module reads, by name: their path inside the package.
CLIPS = {
    "vtest": "usr/share/doc/opencv-doc/examples/data/vtest.avi",
    "tree": "usr/share/doc/opencv-doc/examples/data/tree.avi",
}
SPLITS = ("train", "validation", "test", "all")


def clip_file(clip: str = "vtest"):
    """Return the path of the cached video file ``clip``, reading it out of the package once.

    Example
    -------
    >>> clip_file("vtest").name
    'vtest.avi'
    """
    check_choice("clip", clip, tuple(CLIPS))
    target = data_dir() / "video" / f"{clip}.avi"
    if target.exists():
        return target
    deb = debian_archives.fetch_deb(*PACKAGE)
    for name, content in debian_archives.deb_members(deb):
        if name == CLIPS[clip]:
            return write_atomically(target, lambda scratch: scratch.write_bytes(content))
    raise RuntimeError(f"{PACKAGE[2]} holds no {CLIPS[clip]}.")


def decode_grey(path, size: int) -> np.ndarray:
    """Decode the video at ``path`` into ``[frames, size, size]`` grey floats in [0, 1].

    ffmpeg (from the ``imageio-ffmpeg`` wheel) crops the centre square, converts to grey and
    shrinks with area averaging, so no full-size frame is ever held in Python.
    """
    try:
        import imageio_ffmpeg
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise RuntimeError("Decoding video needs the 'imageio-ffmpeg' package "
                           "(pip install imageio-ffmpeg, or seqbook[data]).") from error
    import logging

    # imageio-ffmpeg warns that the output size differs from the source: that is the point.
    logging.getLogger("imageio_ffmpeg").setLevel(logging.ERROR)
    size = int(size)
    reader = imageio_ffmpeg.read_frames(
        str(path), pix_fmt="gray",
        output_params=["-vf", f"crop='min(iw,ih)':'min(iw,ih)',scale={size}:{size}:flags=area"])
    next(reader)  # the metadata (of the source, not of the shrunk output)
    # The reader cuts ffmpeg's output into chunks of one *source* frame's size, so join
    # the bytes and cut them into size x size frames here.
    raw = np.frombuffer(b"".join(reader), dtype=np.uint8)
    if raw.size == 0 or raw.size % (size * size):
        raise RuntimeError(f"ffmpeg returned {raw.size} bytes from {path}, not whole "
                           f"{size} x {size} frames.")
    return raw.reshape(-1, size, size).astype("float32") / 255.0


def video_frames(split: str = "all", clip: str = "vtest", size: int = 32) -> np.ndarray:
    """Return the grey frames of ``clip`` in ``split``, ``[frames, size, size]`` in [0, 1].

    Parameters
    ----------
    split : str
        ``"train"`` (first 80 % of the frames), ``"validation"`` (next 10 %), ``"test"``
        (last 10 %) or ``"all"``.
    clip : str
        ``"vtest"`` (pedestrians, 795 frames at 10 fps) or ``"tree"`` (449 frames at 15 fps).
    size : int
        Side of the square frames, 8 to 256 pixels.

    Example
    -------
    >>> frames = video_frames("test", size=32)
    >>> frames.shape, frames.dtype, float(frames.min()) >= 0.0, float(frames.max()) <= 1.0
    ((80, 32, 32), dtype('float32'), True, True)
    """
    check_choice("split", split, SPLITS)
    check_choice("clip", clip, tuple(CLIPS))
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 8 <= size <= 256:
        raise ValueError(f"size must be an integer from 8 to 256, got {size!r}.")
    cache = data_dir() / "video" / f"{clip}-grey-{int(size)}.npy"
    if cache.exists():
        frames = np.load(cache)
    else:
        frames = decode_grey(clip_file(clip), int(size))
        write_atomically(cache, lambda scratch: np.save(scratch, frames))
    return frames[chronological_slice(len(frames), split)]


def split_indices(num_frames: int) -> dict[str, np.ndarray]:
    """Return the frame indices of each split of an ``num_frames``-frame clip, in time order.

    Example
    -------
    >>> {k: (int(v[0]), int(v[-1])) for k, v in split_indices(795).items()}
    {'train': (0, 635), 'validation': (636, 714), 'test': (715, 794)}
    """
    index = np.arange(num_frames)
    return {split: index[chronological_slice(num_frames, split)]
            for split in ("train", "validation", "test")}


def frame_windows(frames: np.ndarray | Sequence[np.ndarray], context: int,
                  horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Cut a clip into (``context`` frames, the next ``horizon`` frames) training pairs.

    Parameters
    ----------
    frames : array or sequence of arrays
        The clip, ``[time, height, width]`` or ``[time, height, width, channels]``; a list of
        frames must hold frames of one size.
    context : int
        Frames a model sees, at least 1.
    horizon : int
        Frames that follow, at least 1.

    Returns
    -------
    inputs, targets : numpy.ndarray
        ``[windows, context, height, width, channels]`` and
        ``[windows, horizon, height, width, channels]`` (float32), one window per start
        frame, ``time - context - horizon + 1`` of them.

    Raises
    ------
    ValueError
        When the frames differ in size, ``context`` or ``horizon`` is not a positive
        integer, or the clip is shorter than ``context + horizon`` frames.

    Example
    -------
    >>> x, y = frame_windows(np.zeros((10, 4, 4)), context=3, horizon=2)
    >>> x.shape, y.shape
    ((6, 3, 4, 4, 1), (6, 2, 4, 4, 1))
    """
    clip = stack_frames(frames)
    for name, value in (("context", context), ("horizon", horizon)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    count = len(clip) - context - horizon + 1
    if count < 1:
        raise ValueError(f"frames must hold at least context + horizon = {context + horizon} "
                         f"frames, got a clip of {len(clip)}.")
    starts = np.arange(count)[:, None]
    inputs = clip[starts + np.arange(context)]
    targets = clip[starts + context + np.arange(horizon)]
    return inputs, targets


def stack_frames(frames: np.ndarray | Sequence[np.ndarray]) -> np.ndarray:
    """Return ``frames`` as one float32 array ``[time, height, width, channels]``.

    Raises ``ValueError`` when the frames differ in size or are not 2-D (or 3-D with
    channels).

    Example
    -------
    >>> stack_frames([np.zeros((4, 4)), np.ones((4, 4))]).shape
    (2, 4, 4, 1)
    """
    if not isinstance(frames, np.ndarray):
        shapes = {np.shape(frame) for frame in frames}
        if len(shapes) > 1:
            raise ValueError(f"frames must all have one size, got frames of sizes "
                             f"{sorted(shapes)}.")
    clip = np.asarray(frames, dtype="float32")
    if clip.ndim == 3:
        clip = clip[..., None]
    if clip.ndim != 4:
        raise ValueError(f"frames must be [time, height, width] or [time, height, width, "
                         f"channels], got shape {clip.shape}.")
    return clip


def load_video_frames(split: str = "train", clip: str = "vtest", size: int = 32):
    """The frames of ``clip`` in ``split`` as a ``tf.data.Dataset`` (the catalogue's view).

    Each element is ``{"frame": float32 [size, size, 1], "index": int64 []}`` (the frame's
    position in the whole clip), in time order.

    Example
    -------
    >>> element = next(iter(load_video_frames("validation")))
    >>> tuple(element["frame"].shape), int(element["index"])
    ((32, 32, 1), 636)
    """
    import tensorflow as tf

    frames = video_frames(split, clip, size)
    total = len(video_frames("all", clip, size))
    index = np.arange(total)[chronological_slice(total, split)]
    return tf.data.Dataset.from_tensor_slices({"frame": frames[..., None],
                                               "index": index.astype("int64")})
