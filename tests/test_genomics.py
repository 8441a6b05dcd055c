"""Splice junctions: the data read out of DNA.rda, its encoding and split, the genomics
models (shapes, save/load, learning) and the motif a trained model recovers."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import keras
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from seqbook import data  # noqa: E402
from seqbook.data.sources import splice_junctions as sj  # noqa: E402
from seqbook.models import genomics  # noqa: E402
from seqbook.plotting import sequence_logo  # noqa: E402

# The user's cache, read before a fixture points SEQBOOK_DATA_DIR at a private one.
_USER_DOWNLOADS = (Path(os.environ.get("SEQBOOK_DATA_DIR") or "~/.cache/seqbook").expanduser()
                   / "downloads")


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    """Parse DNA.rda from the .deb (copied from the user's cache when there) into a private
    cache, so the parser runs on the real file and no user file is written."""
    private = tmp_path_factory.mktemp("splice-data")
    filename = sj.PACKAGE[2]
    if (_USER_DOWNLOADS / filename).is_file():
        (private / "downloads").mkdir()
        shutil.copyfile(_USER_DOWNLOADS / filename, private / "downloads" / filename)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEQBOOK_DATA_DIR", str(private))
        sequences, labels = sj.splice_junction_records()
        assert (private / sj._CACHE).is_file()  # cached for the next call
        again = sj.splice_junction_records()
        assert (again[0] == sequences).all() and (again[1] == labels).all()
        parts = {split: sj.splice_junction_arrays(split)
                 for split in ("train", "validation", "test", "all")}
        element = next(iter(data.load("splice_junctions", "test")))
    return {"sequences": sequences, "labels": labels, "element": element, **parts}


def test_3186_sequences_of_60_bases_in_three_classes(splits):
    sequences, labels = splits["sequences"], splits["labels"]
    assert len(sequences) == 3186 and len(labels) == 3186
    assert {len(s) for s in sequences} == {60}
    assert set("".join(sequences)) == set("ACGT")  # no ambiguous base is left
    assert np.bincount(labels).tolist() == [767, 765, 1654]  # EI, IE, N
    assert len(set(sequences)) == 3001
    counts = {name: len(part["label"]) for name, part in splits.items()
              if name in ("train", "validation", "test", "all")}
    assert counts == data.info("splice_junctions").num_examples
    element = splits["element"]
    assert element["one_hot"].shape == (60, 4) and element["label"].dtype == "int64"


def test_splits_are_disjoint_stratified_and_fixed(splits):
    rows = {name: set(splits[name]["index"].tolist()) for name in ("train", "validation", "test")}
    assert not rows["train"] & rows["validation"]
    assert not rows["train"] & rows["test"] and not rows["validation"] & rows["test"]
    assert set().union(*rows.values()) == set(range(3186))
    # No sequence is in two splits, even where the data set holds copies of it.
    seen = {name: set(splits[name]["sequence"]) for name in rows}
    assert not seen["train"] & seen["test"] and not seen["train"] & seen["validation"]
    assert not seen["validation"] & seen["test"]
    overall = np.bincount(splits["labels"]) / 3186
    for name in rows:
        share = np.bincount(splits[name]["label"], minlength=3) / len(splits[name]["label"])
        np.testing.assert_allclose(share, overall, atol=0.01)
    again = sj.split_indices(splits["sequences"], splits["labels"])
    assert all((again[name] == splits[name]["index"]).all() for name in rows)
    other = sj.split_indices(splits["sequences"], splits["labels"], seed=1)
    assert not (other["test"].shape == again["test"].shape
                and (other["test"] == again["test"]).all())


def test_decoded_sequences_carry_the_splice_consensus(splits):
    """A = 100, C = 010, G = 001, T = 000 is the right reading: donors (EI) start the
    intron with GT at positions 31-32, acceptors (IE) end it with AG at 29-30."""
    sequences, labels = splits["sequences"], splits["labels"]
    ei = [s for s, y in zip(sequences, labels) if y == 0]
    ie = [s for s, y in zip(sequences, labels) if y == 1]
    assert np.mean([s[30:32] == "GT" for s in ei]) > 0.98
    assert np.mean([s[28:30] == "AG" for s in ie]) > 0.99
    neither = [s for s, y in zip(sequences, labels) if y == 2]
    assert np.mean([s[30:32] == "GT" for s in neither]) < 0.2


def test_indicator_and_one_hot_encodings_round_trip(splits):
    sequences = splits["sequences"][:50]
    bits = np.array([[bit for base in s for bit in sj.INDICATORS[base]] for s in sequences])
    assert sj.decode_indicators(bits) == list(sequences)
    one_hot = sj.one_hot_dna(sequences)
    assert one_hot.shape == (50, 60, 4) and one_hot.dtype == np.float32
    assert (one_hot.sum(-1) == 1).all()
    letters = np.array(list(sj.BASES))[one_hot.argmax(-1)]
    assert ["".join(row) for row in letters] == list(sequences)
    np.testing.assert_array_equal(sj.one_hot_dna("acgn")[0, 3], [0.25] * 4)


@pytest.mark.parametrize("call, message", [
    (lambda: sj.one_hot_dna(["ACGX"]), r"sequences must hold only the letters A, C, G, T"),
    (lambda: sj.one_hot_dna(["ACGR"]), r"\['R'\]"),
    (lambda: sj.one_hot_dna(["ACG", "AC"]), r"sequences must all have length 3"),
    (lambda: sj.decode_indicators([[1, 1, 0]]), r"bits must hold one of the triples"),
    (lambda: sj.decode_indicators([[1, 0]]), r"bits must have shape"),
    (lambda: sj.splice_junction_arrays("dev"), r"split must be one of"),
    (lambda: genomics.kmer_counts(["ACGT"], k=0), r"k must be an integer"),
    (lambda: genomics.PositionWeightMatrixClassifier(pseudocount=0), r"pseudocount"),
    (lambda: genomics.deepbind_classifier(kernel_size=61), r"kernel_size must be <="),
    (lambda: genomics.danq_classifier(units=0), r"units must be a positive integer"),
    (lambda: genomics.dna_transformer_classifier(dropout=1.5), r"dropout"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_kmer_counts_and_the_pwm_classifier(splits):
    counts, kmers = genomics.kmer_counts(["ACGTAC", "NNAA"], k=2)
    assert counts.shape == (2, 16) and counts[0].sum() == 5 and counts[1].sum() == 1
    assert counts[0, kmers.index("AC")] == 2
    train, validation = splits["train"], splits["validation"]
    pwm = genomics.PositionWeightMatrixClassifier().fit(train["one_hot"], train["label"])
    assert pwm.pwm_.shape == (3, 60, 4)
    np.testing.assert_allclose(pwm.pwm_.sum(-1), 1.0)
    probs = pwm.predict_proba(validation["one_hot"])
    np.testing.assert_allclose(probs.sum(-1), 1.0)
    accuracy = np.mean(pwm.predict(validation["one_hot"]) == validation["label"])
    assert accuracy > 0.9, accuracy  # measured 0.93
    # The donor matrix puts G and T at positions 31 and 32 almost always.
    assert pwm.pwm_[0, 30, 2] > 0.95 and pwm.pwm_[0, 31, 3] > 0.95


BUILDERS = {
    "deepbind": lambda: genomics.deepbind_classifier(filters=8, units=8),
    "deepbind_local": lambda: genomics.deepbind_classifier(filters=8, units=8, pool_size=7),
    "danq": lambda: genomics.danq_classifier(filters=8, units=4, dense_units=8),
    "transformer": lambda: genomics.dna_transformer_classifier(
        hidden_dim=8, num_layers=1, num_heads=2, key_dim=4, intermediate_dim=16,
        kernel_size=6, strides=3),
}


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_shapes_float32_output_and_save_load_round_trip(kind, tmp_path):
    keras.utils.set_random_seed(0)
    model = BUILDERS[kind]()
    x = sj.one_hot_dna(["ACGT" * 15, "GGTA" * 15, "TTAG" * 15])
    probs = model.predict(x, verbose=0)
    assert probs.shape == (3, 3) and model.output.dtype == "float32"
    np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-5)
    path = tmp_path / f"{kind}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), probs, rtol=1e-5, atol=1e-6)


def test_mixed_bfloat16_outputs_float32():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = BUILDERS["transformer"]()
        probs = model(sj.one_hot_dna(["ACGT" * 15]))
        assert probs.dtype == "float32"
        assert model.get_layer("embed").compute_dtype == "bfloat16"
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_trains_under_mirrored_strategy(two_cpu_strategy, splits):
    train = splits["train"]
    with two_cpu_strategy.scope():
        model = genomics.deepbind_classifier(filters=8, units=8, pool_size=7)
    history = model.fit(train["one_hot"][:512], train["label"][:512], batch_size=64,
                        epochs=3, verbose=0).history["loss"]
    assert np.all(np.isfinite(history)) and history[-1] < history[0]


@pytest.fixture(scope="module")
def trained(splits):
    """A small DeepBind-style model with local pooling, trained a few epochs."""
    keras.utils.set_random_seed(0)
    model = genomics.deepbind_classifier(filters=16, kernel_size=8, units=16, pool_size=7,
                                         learning_rate=3e-3)
    train = splits["train"]
    model.fit(train["one_hot"], train["label"], epochs=8, batch_size=64, verbose=0)
    return model


def test_a_small_cnn_learns_splice_sites(trained, splits):
    validation = splits["validation"]
    accuracy = np.mean(trained.predict(validation["one_hot"], verbose=0).argmax(-1)
                       == validation["label"])
    assert accuracy > 0.85, accuracy  # chance (always N) is 0.52


def test_mutagenesis_recovers_gt_at_the_donor_and_ag_at_the_acceptor(trained, splits):
    validation = splits["validation"]
    for label, positions, expected in ((0, (30, 31), "GT"), (1, (28, 29), "AG")):
        x = validation["one_hot"][validation["label"] == label][:40]
        delta = genomics.in_silico_mutagenesis(trained, x, class_index=label)
        assert delta.shape == x.shape
        np.testing.assert_allclose(delta[x == 1], 0.0, atol=1e-6)  # no change, no effect
        importance = genomics.motif_importance(delta, x)
        top_two = set(np.argsort(importance.max(-1))[-2:].tolist())
        assert top_two == set(positions), (label, np.argsort(importance.max(-1))[-5:])
        letters = "".join(sj.BASES[importance[p].argmax()] for p in positions)
        assert letters == expected


def test_in_silico_mutagenesis_matches_a_direct_substitution():
    keras.utils.set_random_seed(0)
    model = BUILDERS["deepbind_local"]()
    x = sj.one_hot_dna(["ACGT" * 15])
    delta = genomics.in_silico_mutagenesis(model, x, class_index=2)
    mutated = sj.one_hot_dna(["ACGT" * 7 + "G" + "CGT" + "ACGT" * 7])  # position 29 -> G
    direct = (np.log(model.predict(mutated, verbose=0)[0, 2] + 1e-7)
              - np.log(model.predict(x, verbose=0)[0, 2] + 1e-7))
    assert delta[0, 28, 2] == pytest.approx(direct, abs=1e-5)
    with pytest.raises(ValueError, match="class_index must be an integer in"):
        genomics.in_silico_mutagenesis(model, x, class_index=3)


def test_sequence_logo_stacks_letters_by_height():
    heights = np.array([[0.2, 0.0, 1.0, 0.0], [0.0, -0.5, 0.0, 2.0]])
    fig, ax = plt.subplots()
    returned = sequence_logo(heights, ax=ax, first_position=31)
    assert returned is ax
    labels = [patch.get_label() for patch in ax.patches]
    assert sorted(labels) == ["A", "C", "G", "T"]  # zero heights draw nothing
    boxes = {patch.get_label(): patch.get_path().get_extents() for patch in ax.patches}
    assert boxes["G"].height == pytest.approx(1.0, rel=1e-3)
    assert boxes["A"].y0 == pytest.approx(0.0, abs=1e-3)  # the smaller letter lower,
    assert boxes["G"].y0 == pytest.approx(0.2, rel=1e-2)  # the taller on top of it
    assert boxes["C"].y1 == pytest.approx(0.0, abs=1e-6)  # negative: below zero
    assert boxes["C"].y0 == pytest.approx(-0.5, rel=1e-3)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["31", "32"]
    with pytest.raises(ValueError, match=r"heights must have shape \[length, 4\]"):
        sequence_logo(np.zeros((3, 3)))
    plt.close(fig)


def test_a_dna_rda_with_another_checksum_is_refused(tmp_path, monkeypatch):
    """Whatever build of the package is fetched, only the known DNA.rda is read."""
    import io
    import tarfile

    from seqbook.data.sources.debian_archives import AR_MAGIC

    payload = io.BytesIO()
    with tarfile.open(fileobj=payload, mode="w:gz") as tar:
        info = tarfile.TarInfo("./" + sj.MEMBER)
        info.size = 12
        tar.addfile(info, io.BytesIO(b"not the data"))
    blob = payload.getvalue()
    header = b"data.tar.gz".ljust(48) + str(len(blob)).encode().ljust(10) + b"`\n"
    deb = tmp_path / "fake.deb"
    deb.write_bytes(AR_MAGIC + header + blob + b"\n" * (len(blob) % 2))
    monkeypatch.setattr(sj.debian_archives, "fetch_deb", lambda *args, **kwargs: deb)
    with pytest.raises(RuntimeError, match="holds no .*DNA.rda with SHA-256"):
        sj._dna_rda()
