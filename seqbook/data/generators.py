"""Seeded synthetic sequence tasks for controlled experiments (labelled synthetic everywhere).

Each generator draws from ``numpy.random.default_rng([seed, split index])``: the same seed
gives the same data on every machine, and train, validation and test never share a draw.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from seqbook.data.sources._common import check_choice, check_int

_SPLITS = ("train", "validation", "test")

#: The dishonest casino of Durbin et al. (1998): a fair die and a loaded one that shows a
#: six half the time; the casino switches fair -> loaded with probability 0.05 per roll and
#: back with 0.1. States: 0 fair, 1 loaded. Faces 1-6 are stored as symbols 0-5.
CASINO = {
    "start": np.array([0.5, 0.5]),
    "transition": np.array([[0.95, 0.05], [0.10, 0.90]]),
    "emission": np.array([[1 / 6] * 6, [0.1] * 5 + [0.5]]),
}

#: DNA symbols in token order.
DNA_ALPHABET = "ACGT"


def _rng(split: str, seed: int) -> np.random.Generator:
    check_choice("split", split, _SPLITS)
    check_int("seed", seed, minimum=0)
    return np.random.default_rng([seed, _SPLITS.index(split)])


def copy_task(
    num_examples: int = 1000,
    sequence_length: int = 10,
    delay: int = 20,
    vocabulary_size: int = 8,
    split: str = "train",
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """The copy task: remember ``sequence_length`` symbols through ``delay`` blanks, then replay
    them.

    Symbols are ``1..vocabulary_size``, blank is 0 and the recall cue is ``vocabulary_size + 1``.
    ``inputs`` is the symbols, ``delay - 1`` blanks, the cue and ``sequence_length`` blanks;
    ``targets`` is blanks until the cue's step, then the symbols. Both are int32 of shape
    ``[num_examples, 2 * sequence_length + delay]``.

    Example
    -------
    >>> data = copy_task(num_examples=2, sequence_length=3, delay=4)
    >>> bool((data["targets"][:, -3:] == data["inputs"][:, :3]).all())
    True
    """
    for name, value in (
        ("num_examples", num_examples),
        ("sequence_length", sequence_length),
        ("delay", delay),
        ("vocabulary_size", vocabulary_size),
    ):
        check_int(name, value)
    symbols = _rng(split, seed).integers(
        1, vocabulary_size + 1, size=(num_examples, sequence_length), dtype=np.int32
    )
    steps = 2 * sequence_length + delay
    inputs = np.zeros((num_examples, steps), np.int32)
    targets = np.zeros((num_examples, steps), np.int32)
    inputs[:, :sequence_length] = symbols
    inputs[:, sequence_length + delay - 1] = vocabulary_size + 1
    targets[:, sequence_length + delay :] = symbols
    return {"inputs": inputs, "targets": targets}


def adding_problem(
    num_examples: int = 1000, sequence_length: int = 50, split: str = "train", seed: int = 0
) -> dict[str, np.ndarray]:
    """The adding problem: add the two numbers marked among ``sequence_length`` random ones.

    ``inputs`` is float32 ``[num_examples, sequence_length, 2]``: channel 0 uniform in [0, 1),
    channel 1 zero except one marker in each half of the sequence; ``target`` is float32
    ``[num_examples]``, the sum of the two marked values (predicting 1 scores MSE ~0.167).

    Example
    -------
    >>> data = adding_problem(num_examples=4, sequence_length=10)
    >>> bool(np.allclose((data["inputs"][..., 0] * data["inputs"][..., 1]).sum(1), data["target"]))
    True
    """
    check_int("num_examples", num_examples)
    check_int("sequence_length", sequence_length, minimum=2)
    rng = _rng(split, seed)
    values = rng.random((num_examples, sequence_length), dtype=np.float32)
    half = sequence_length // 2
    first = rng.integers(0, half, size=num_examples)
    second = rng.integers(half, sequence_length, size=num_examples)
    markers = np.zeros((num_examples, sequence_length), np.float32)
    rows = np.arange(num_examples)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    target = values[rows, first] + values[rows, second]
    return {"inputs": np.stack([values, markers], axis=-1), "target": target.astype(np.float32)}


def casino_rolls(
    num_examples: int = 100, sequence_length: int = 300, split: str = "train", seed: int = 0
) -> dict[str, np.ndarray]:
    """Roll sequences from the dishonest-casino HMM :data:`CASINO`, with their hidden states.

    Returns ``rolls`` (faces 0-5) and ``states`` (0 fair, 1 loaded), int32
    ``[num_examples, sequence_length]``.

    Example
    -------
    >>> data = casino_rolls(num_examples=1, sequence_length=5)
    >>> data["rolls"].shape, int(data["rolls"].max()) <= 5
    ((1, 5), True)
    """
    check_int("num_examples", num_examples)
    check_int("sequence_length", sequence_length)
    rng = _rng(split, seed)
    states = np.zeros((num_examples, sequence_length), np.int32)
    states[:, 0] = rng.random(num_examples) < CASINO["start"][1]
    switch = rng.random((num_examples, sequence_length))
    for t in range(1, sequence_length):
        stay = CASINO["transition"][states[:, t - 1], states[:, t - 1]]
        states[:, t] = np.where(switch[:, t] < stay, states[:, t - 1], 1 - states[:, t - 1])
    # Sample each face by inverting the emission row's cumulative distribution.
    cumulative = np.cumsum(CASINO["emission"], axis=1)[states]
    rolls = (rng.random((num_examples, sequence_length, 1)) > cumulative).sum(-1).astype(np.int32)
    return {"rolls": np.minimum(rolls, 5), "states": states}


def dna_motifs(
    num_examples: int = 1000,
    sequence_length: int = 100,
    motif: str = "TATAAT",
    mutation_rate: float = 0.1,
    split: str = "train",
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Random DNA with a motif planted in half the sequences, for motif detection.

    Backgrounds are uniform over :data:`DNA_ALPHABET`; positives carry ``motif`` (default
    the Pribnow box TATAAT) at a random position, each base mutated with probability
    ``mutation_rate``. Returns ``tokens`` int32 ``[num_examples, sequence_length]`` (A=0 ... T=3),
    ``label`` int32 (1 = planted) and ``motif_start`` int32 (-1 without a motif).

    Example
    -------
    >>> data = dna_motifs(num_examples=10, sequence_length=20)
    >>> sorted(set(data["label"].tolist()))
    [0, 1]
    """
    check_int("num_examples", num_examples)
    if not isinstance(motif, str) or not motif or set(motif) - set(DNA_ALPHABET):
        raise ValueError(f"motif must be a non-empty string over {DNA_ALPHABET!r}, got {motif!r}.")
    check_int("sequence_length", sequence_length, minimum=len(motif))
    if not isinstance(mutation_rate, (int, float)) or not 0.0 <= mutation_rate <= 1.0:
        raise ValueError(f"mutation_rate must be a number in [0, 1], got {mutation_rate!r}.")
    rng = _rng(split, seed)
    tokens = rng.integers(0, 4, size=(num_examples, sequence_length), dtype=np.int32)
    label = (np.arange(num_examples) % 2).astype(np.int32)
    rng.shuffle(label)
    starts = np.where(
        label == 1, rng.integers(0, sequence_length - len(motif) + 1, size=num_examples), -1
    )
    motif_tokens = np.array([DNA_ALPHABET.index(base) for base in motif], np.int32)
    for row in np.flatnonzero(label):
        planted = motif_tokens.copy()
        mutate = rng.random(len(motif)) < mutation_rate
        planted[mutate] = rng.integers(0, 4, size=int(mutate.sum()))
        tokens[row, starts[row] : starts[row] + len(motif)] = planted
    return {"tokens": tokens, "label": label, "motif_start": starts.astype(np.int32)}


def moving_digits(
    num_examples: int = 500,
    num_frames: int = 10,
    canvas: int = 24,
    split: str = "train",
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Real handwritten 8x8 digits (scikit-learn) bouncing inside a square canvas.

    Digits come from disjoint parts of scikit-learn's 1,797 images per split (train the
    first 80 %, validation the next 10 %, test the last 10 %). Each clip starts at a random
    position with a random velocity of 1-2 pixels per frame and bounces off the walls.
    Returns ``frames`` float32 ``[num_examples, num_frames, canvas, canvas, 1]`` in [0, 1]
    and ``label`` int32 (the digit).

    Example
    -------
    >>> data = moving_digits(num_examples=2, num_frames=3, canvas=12)
    >>> data["frames"].shape
    (2, 3, 12, 12, 1)
    """
    from sklearn.datasets import load_digits  # optional extra: seqbook[data]

    check_int("num_examples", num_examples)
    check_int("num_frames", num_frames)
    check_int("canvas", canvas, minimum=8)
    rng = _rng(split, seed)
    digits = load_digits()
    n = len(digits.images)
    bounds = {
        "train": (0, int(0.8 * n)),
        "validation": (int(0.8 * n), int(0.9 * n)),
        "test": (int(0.9 * n), n),
    }
    pick = rng.integers(*bounds[split], size=num_examples)
    images = (digits.images[pick] / 16.0).astype(np.float32)  # pixel values are 0..16
    room = canvas - 8
    position = rng.integers(0, room + 1, size=(num_examples, 2))
    velocity = rng.integers(1, 3, size=(num_examples, 2)) * rng.choice(
        [-1, 1], size=(num_examples, 2)
    )
    frames = np.zeros((num_examples, num_frames, canvas, canvas, 1), np.float32)
    for t in range(num_frames):
        for i in range(num_examples):
            row, col = position[i]
            frames[i, t, row : row + 8, col : col + 8, 0] = images[i]
        position = position + velocity
        # Reflect off the walls: a coordinate past an edge comes back by the overshoot.
        low, high = position < 0, position > room
        position = np.where(low, -position, np.where(high, 2 * room - position, position))
        velocity = np.where(low | high, -velocity, velocity)
    return {"frames": frames, "label": digits.target[pick].astype(np.int32)}


def as_dataset(arrays: dict[str, np.ndarray]) -> tf.data.Dataset:
    """Slice a dict of equally long arrays into a ``tf.data.Dataset`` of examples."""
    return tf.data.Dataset.from_tensor_slices(arrays)


def load_copy_task(split: str, **options) -> tf.data.Dataset:
    """Elements ``{"inputs": int32 [2L+D], "targets": int32 [2L+D]}``."""
    return as_dataset(copy_task(split=split, **options))


def load_adding_problem(split: str, **options) -> tf.data.Dataset:
    """Elements ``{"inputs": float32 [T, 2], "target": float32 []}``."""
    return as_dataset(adding_problem(split=split, **options))


def load_casino(split: str, **options) -> tf.data.Dataset:
    """Elements ``{"rolls": int32 [T], "states": int32 [T]}``."""
    return as_dataset(casino_rolls(split=split, **options))


def load_dna_motifs(split: str, **options) -> tf.data.Dataset:
    """Elements ``{"tokens": int32 [T], "label": int32 [], "motif_start": int32 []}``."""
    return as_dataset(dna_motifs(split=split, **options))


def load_moving_digits(split: str, **options) -> tf.data.Dataset:
    """Elements ``{"frames": float32 [F, C, C, 1], "label": int32 []}``."""
    return as_dataset(moving_digits(split=split, **options))
