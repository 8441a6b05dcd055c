"""Synthetic generators: deterministic, correct by construction, refusing bad sizes."""

from __future__ import annotations

import numpy as np
import pytest
from data_helpers import as_numpy

from seqbook.data import generators
from seqbook.data.registry import load


def test_same_seed_same_data_and_splits_differ():
    a = generators.copy_task(num_examples=5, split="train", seed=3)
    b = generators.copy_task(num_examples=5, split="train", seed=3)
    c = generators.copy_task(num_examples=5, split="test", seed=3)
    assert np.array_equal(a["inputs"], b["inputs"]) and not np.array_equal(a["inputs"], c["inputs"])
    first = [
        e["rolls"] for e in as_numpy(load("dishonest_casino", num_examples=3, sequence_length=20))
    ]
    second = [
        e["rolls"] for e in as_numpy(load("dishonest_casino", num_examples=3, sequence_length=20))
    ]
    assert np.array_equal(first, second)


def test_copy_task_targets_replay_the_inputs():
    data = generators.copy_task(num_examples=50, sequence_length=5, delay=7, vocabulary_size=4)
    assert data["inputs"].shape == (50, 17)
    assert np.array_equal(data["targets"][:, -5:], data["inputs"][:, :5])
    assert (data["inputs"][:, 11] == 5).all() and data["inputs"][:, :5].min() >= 1


def test_adding_problem_target_is_the_marked_sum():
    data = generators.adding_problem(num_examples=200, sequence_length=30)
    values, markers = data["inputs"][..., 0], data["inputs"][..., 1]
    assert (markers.sum(1) == 2).all() and (markers[:, :15].sum(1) == 1).all()
    assert np.allclose((values * markers).sum(1), data["target"])
    assert 0 <= data["target"].min() and data["target"].max() < 2


def test_casino_statistics_follow_the_model():
    data = generators.casino_rolls(num_examples=200, sequence_length=500, seed=1)
    loaded = data["states"] == 1
    assert abs(loaded.mean() - 1 / 3) < 0.05  # stationary share 0.05 / (0.05 + 0.1)
    assert abs((data["rolls"][loaded] == 5).mean() - 0.5) < 0.02
    assert abs((data["rolls"][~loaded] == 5).mean() - 1 / 6) < 0.02


def test_dna_motifs_are_planted_where_labelled():
    data = generators.dna_motifs(num_examples=400, sequence_length=40, mutation_rate=0.0)
    assert data["label"].sum() == 200
    motif = [generators.DNA_ALPHABET.index(b) for b in "TATAAT"]
    for tokens, label, start in zip(
        data["tokens"], data["label"], data["motif_start"], strict=True
    ):
        assert (start >= 0) == bool(label)
        if label:
            assert tokens[start : start + 6].tolist() == motif
    with pytest.raises(ValueError, match="motif must be"):
        generators.dna_motifs(motif="TAXA")


def test_moving_digits_stay_inside_the_canvas():
    data = generators.moving_digits(num_examples=6, num_frames=25, canvas=16, seed=2)
    frames = data["frames"]
    assert frames.shape == (6, 25, 16, 16, 1) and 0 <= frames.min() and frames.max() <= 1
    mass = frames.sum(axis=(2, 3, 4))
    assert np.allclose(mass, mass[:, :1], atol=1e-4)  # the whole digit is visible in every frame
    assert not np.allclose(frames[:, 0], frames[:, 5])  # and it moves
    assert set(data["label"].tolist()) <= set(range(10))


@pytest.mark.parametrize(
    "name", ["copy_task", "adding_problem", "dishonest_casino", "dna_motifs", "moving_digits"]
)
def test_negative_sizes_are_refused(name):
    with pytest.raises(ValueError, match="num_examples must be >= 1, got -1"):
        load(name, num_examples=-1)
    with pytest.raises(ValueError, match="split must be one of"):
        load(name, split="all")
