"""Tests of seqbook.decoding: greedy, beam search and sampling against exact answers."""

from __future__ import annotations

import itertools

import keras
import numpy as np
import pytest

from seqbook import decoding

VOCAB = 4
END = 3


class Markov2:
    """A fixed random second-order Markov model: P(next | last two tokens) from a table."""

    def __init__(self, seed: int, vocab: int = VOCAB, concentration: float = 1.0):
        rng = np.random.default_rng(seed)
        self.first = np.log(rng.dirichlet(np.full(vocab, concentration), size=vocab))
        self.second = np.log(rng.dirichlet(np.full(vocab, concentration), size=(vocab, vocab)))
        self.calls = 0

    def __call__(self, prefixes: np.ndarray) -> np.ndarray:
        self.calls += 1
        prefixes = np.asarray(prefixes)
        if prefixes.shape[1] == 1:
            return self.first[prefixes[:, -1]]
        return self.second[prefixes[:, -2], prefixes[:, -1]]

    def log_prob(self, sequence: list[int]) -> float:
        """Summed log-probability of the tokens after the start (the end token included)."""
        total = 0.0
        for t in range(1, len(sequence)):
            total += float(self(np.array([sequence[:t]]))[0, sequence[t]])
        return total


def all_hypotheses(start: int, max_length: int, vocab: int = VOCAB, end: int = END):
    """Every distinct output: token strings cut after their first end token."""
    seen = set()
    for tail in itertools.product(range(vocab), repeat=max_length):
        tokens = list(tail)
        if end in tokens:
            tokens = tokens[: tokens.index(end) + 1]
        seen.add(tuple([start, *tokens]))
    return sorted(seen)


def padded(hypothesis: tuple[int, ...], max_length: int) -> list[int]:
    return list(hypothesis) + [END] * (max_length + 1 - len(hypothesis))


def gnmt_rank(model: Markov2, hypothesis: tuple[int, ...], alpha: float) -> float:
    return model.log_prob(list(hypothesis)) / ((5 + len(hypothesis) - 1) / 6) ** alpha


# With max_length 3: 1 + 3 + 9 outputs that end after 1, 2 or 3 tokens, 27 that never end.
N_HYPOTHESES = 1 + 3 + 9 + 27


def test_hypothesis_count():
    assert len(all_hypotheses(0, 3)) == N_HYPOTHESES == 40


@pytest.mark.parametrize("alpha", [0.0, 0.7])
def test_wide_beam_is_exact(alpha):
    """With width = every hypothesis, beam search returns all of them, exactly ranked."""
    model = Markov2(seed=7)
    starts = [0, 1, 2]
    seqs, scores = decoding.beam_search(
        model, starts, END, beam_width=N_HYPOTHESES, max_length=3, length_penalty=alpha
    )
    assert seqs.shape == (3, N_HYPOTHESES, 4) and scores.shape == (3, N_HYPOTHESES)
    for row, start in enumerate(starts):
        ranked = sorted(all_hypotheses(start, 3), key=lambda h: -gnmt_rank(model, h, alpha))
        expected_scores = [gnmt_rank(model, h, alpha) for h in ranked]
        np.testing.assert_allclose(scores[row], expected_scores, rtol=1e-10)
        assert seqs[row].tolist() == [padded(h, 3) for h in ranked]


def test_beam_beats_greedy_where_greedy_is_not_optimal():
    model = Markov2(seed=7)
    greedy = decoding.greedy(model, [0, 1, 2], END, max_length=3)
    seqs, scores = decoding.beam_search(model, [0, 1, 2], END, beam_width=8, max_length=3)
    greedy_scores = []
    for row in greedy.tolist():
        cut = row[: row.index(END, 1) + 1] if END in row[1:] else row
        greedy_scores.append(model.log_prob(cut))
    best = [max(model.log_prob(list(h)) for h in all_hypotheses(s, 3)) for s in [0, 1, 2]]
    # The table is chosen so that greedy decoding misses the best output in every row ...
    assert all(g < b - 1e-9 for g, b in zip(greedy_scores, best))
    # ... and a beam of 8 (of 40 hypotheses) finds it in every row.
    np.testing.assert_allclose(scores[:, 0], best, rtol=1e-10)


def test_width_beyond_hypotheses_gives_padded_fillers():
    model = Markov2(seed=5)
    seqs, scores = decoding.beam_search(model, [1], END, beam_width=50, max_length=3)
    assert np.isfinite(scores[0, :N_HYPOTHESES]).all()
    assert np.isneginf(scores[0, N_HYPOTHESES:]).all()
    assert (seqs[0, N_HYPOTHESES:, 1:] == END).all() and (seqs[0, :, 0] == 1).all()


@pytest.mark.parametrize("seed", [0, 1, 2, 7])
def test_width_one_equals_greedy(seed):
    model = Markov2(seed=seed, concentration=0.5)
    starts = np.array([0, 1, 2, 0, 1])
    greedy = decoding.greedy(model, starts, END, max_length=8)
    for alpha in (0.0, 0.6):
        seqs, _ = decoding.beam_search(model, starts, END, 1, max_length=8, length_penalty=alpha)
        np.testing.assert_array_equal(seqs[:, 0], greedy)


def test_scores_sorted_padded_and_equal_to_log_probability():
    model = Markov2(seed=11, concentration=0.7)
    seqs, scores = decoding.beam_search(model, [0, 1, 2], END, beam_width=5, max_length=7)
    assert (np.diff(scores, axis=1) <= 0).all()
    n_ended = 0
    for row in range(3):
        for beam in range(5):
            tokens = seqs[row, beam].tolist()
            if END in tokens[1:]:
                stop = tokens.index(END, 1)
                assert all(tok == END for tok in tokens[stop:])
                tokens = tokens[: stop + 1]
                n_ended += 1
            # A finished hypothesis stops accumulating: its score is its log-probability.
            assert scores[row, beam] == pytest.approx(model.log_prob(tokens), rel=1e-10)
    assert n_ended > 0  # padding was exercised


def test_greedy_pads_after_end_and_stops_calling():
    table = np.log(np.array([[0.1, 0.2, 0.7], [0.6, 0.3, 0.1], [0.3, 0.3, 0.4]]))

    calls = []

    def bigram(prefixes):
        calls.append(prefixes.shape)
        return table[prefixes[:, -1]]

    out = decoding.greedy(bigram, [0, 1], end_token=2, max_length=6)
    # 0 -> 2 (end); 1 -> 0 -> 2 (end)
    assert out.tolist() == [[0, 2, 2, 2, 2, 2, 2], [1, 0, 2, 2, 2, 2, 2]]
    assert out.dtype == np.int64
    assert len(calls) == 2  # stops once every row has ended


@pytest.mark.parametrize("strategy", ["greedy", "beam"])
def test_batch_independence(strategy):
    model = Markov2(seed=4, concentration=0.6)
    starts = [2, 0, 1, 1]

    def run(s):
        if strategy == "greedy":
            return decoding.greedy(model, s, END, max_length=6), None
        return decoding.beam_search(model, s, END, beam_width=3, max_length=6, length_penalty=0.5)

    together, together_scores = run(starts)
    for row, start in enumerate(starts):
        alone, alone_scores = run([start])
        np.testing.assert_array_equal(together[row], alone[0])
        if together_scores is not None:
            np.testing.assert_array_equal(together_scores[row], alone_scores[0])


def test_decodes_a_keras_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((None,), dtype="int32"), keras.layers.Embedding(6, 8), keras.layers.Dense(6)]
    )

    def log_prob_fn(prefixes):  # returns a backend tensor, not a NumPy array
        return keras.ops.log_softmax(model(prefixes)[:, -1], axis=-1)

    logits = keras.ops.convert_to_numpy(model(np.arange(6)[:, None]))[:, 0]
    table = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    starts = [0, 1, 2, 3, 4]
    by_model = decoding.greedy(log_prob_fn, starts, end_token=5, max_length=5)
    by_table = decoding.greedy(lambda p: table[p[:, -1]], starts, end_token=5, max_length=5)
    np.testing.assert_array_equal(by_model, by_table)
    seqs, _ = decoding.beam_search(log_prob_fn, starts, end_token=5, beam_width=1, max_length=5)
    np.testing.assert_array_equal(seqs[:, 0], by_model)


# --- sampling ---


@pytest.mark.parametrize("temperature", [1.0, 0.3, 3.0])
def test_top_k_one_equals_greedy(temperature):
    model = Markov2(seed=2, concentration=0.5)
    starts = [0, 1, 2, 2]
    out = decoding.sample(model, starts, END, 8, temperature=temperature, top_k=1, seed=9)
    np.testing.assert_array_equal(out, decoding.greedy(model, starts, END, 8))


def test_seeded_sampling_is_reproducible():
    model = Markov2(seed=6)
    starts = np.zeros(50, dtype=int)
    a = decoding.sample(model, starts, END, 6, seed=123)
    b = decoding.sample(model, starts, END, 6, seed=123)
    c = decoding.sample(model, starts, END, 6, seed=124)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.shape == (50, 7) and (a[:, 0] == 0).all()
    for row in a.tolist():  # padded after the end
        if END in row[1:]:
            assert all(tok == END for tok in row[row.index(END, 1):])


FIXED = np.log(np.array([0.5, 0.3, 0.15, 0.05]))
N_DRAWS = 20000


def draw(**options) -> np.ndarray:
    """Frequencies of the first drawn token from the fixed distribution above."""
    out = decoding.sample(
        lambda p: np.tile(FIXED, (p.shape[0], 1)), np.zeros(N_DRAWS, dtype=int), END, 1,
        seed=0, **options,
    )
    return np.bincount(out[:, 1], minlength=4) / N_DRAWS


@pytest.mark.parametrize(
    "options, expected",
    [
        ({}, [0.5, 0.3, 0.15, 0.05]),
        ({"top_p": 0.7}, [0.625, 0.375, 0.0, 0.0]),  # 0.5 < 0.7 <= 0.5 + 0.3
        ({"top_p": 0.85}, [0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0.0]),
        ({"top_p": 0.4}, [1.0, 0.0, 0.0, 0.0]),
        ({"top_p": 1.0}, [0.5, 0.3, 0.15, 0.05]),
        ({"top_k": 3}, [0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0.0]),
        ({"top_k": 3, "top_p": 0.7}, [0.625, 0.375, 0.0, 0.0]),
        # temperature 2: p ** (1 / 2), renormalised
        ({"temperature": 2.0}, np.sqrt(np.exp(FIXED)) / np.sqrt(np.exp(FIXED)).sum()),
    ],
)
def test_sampling_frequencies(options, expected):
    freq = draw(**options)
    # Standard error is at most 0.0036 with 20000 draws: 0.015 is over 4 of them.
    np.testing.assert_allclose(freq, expected, atol=0.015)
    assert (freq[np.asarray(expected) == 0] == 0).all()  # filtered tokens never appear


def test_top_p_stops_when_the_mass_reaches_p_exactly():
    """Dyadic probabilities add up exactly: 0.5 + 0.25 = 0.75 already reaches top_p=0.75."""
    dyadic = np.log(np.array([0.5, 0.25, 0.125, 0.125]))
    out = decoding.sample(
        lambda p: np.tile(dyadic, (p.shape[0], 1)), np.zeros(N_DRAWS, dtype=int), END, 1,
        top_p=0.75, seed=1,
    )
    freq = np.bincount(out[:, 1], minlength=4) / N_DRAWS
    np.testing.assert_allclose(freq, [2 / 3, 1 / 3, 0.0, 0.0], atol=0.015)
    assert freq[2] == freq[3] == 0


# --- bad input ---


def uniform5(prefixes):
    return np.full((prefixes.shape[0], 5), -np.log(5.0))


@pytest.mark.parametrize("name", ["greedy", "beam_search", "sample"])
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"start_tokens": []}, "start_tokens"),
        ({"start_tokens": [[0, 1]]}, "start_tokens"),
        ({"start_tokens": [0, 5]}, r"start_tokens.*\[0, 5\)"),
        ({"start_tokens": [-1]}, "start_tokens"),
        ({"start_tokens": [0.5]}, "start_tokens"),
        ({"end_token": 5}, r"end_token.*\[0, 5\)"),
        ({"end_token": -2}, "end_token"),
        ({"max_length": 0}, "max_length"),
        ({"max_length": 2.0}, "max_length"),
        ({"log_prob_fn": lambda p: np.zeros((p.shape[0], 5, 1))}, "log_prob_fn.*shape"),
        ({"log_prob_fn": lambda p: np.zeros((p.shape[0] + 1, 5))}, "log_prob_fn.*shape"),
        ({"log_prob_fn": lambda p: np.full((p.shape[0], 5), np.nan)}, "log_prob_fn.*NaN"),
    ],
)
def test_bad_input_names_the_argument(name, kwargs, match):
    args = {"log_prob_fn": uniform5, "start_tokens": [0, 1], "end_token": 4, "max_length": 3}
    args.update(kwargs)
    if name == "beam_search":
        args["beam_width"] = 2
    with pytest.raises(ValueError, match=match):
        getattr(decoding, name)(**args)


def test_vocabulary_must_not_change_between_calls():
    def shrinking(prefixes):
        return np.zeros((prefixes.shape[0], 6 - prefixes.shape[1]))

    with pytest.raises(ValueError, match=r"log_prob_fn.*\(2, 5\).*got shape \(2, 4\)"):
        decoding.greedy(shrinking, [0, 1], end_token=5 - 1, max_length=3)


@pytest.mark.parametrize("width", [0, -1, 1.5, True])
def test_bad_beam_width(width):
    with pytest.raises(ValueError, match="beam_width must be a positive integer"):
        decoding.beam_search(uniform5, [0], 4, beam_width=width, max_length=2)


@pytest.mark.parametrize("alpha", [-0.1, float("inf"), "1"])
def test_bad_length_penalty(alpha):
    with pytest.raises(ValueError, match="length_penalty"):
        decoding.beam_search(uniform5, [0], 4, beam_width=2, max_length=2, length_penalty=alpha)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"temperature": 0.0}, "temperature"),
        ({"temperature": -1.0}, "temperature"),
        ({"top_p": 0.0}, "top_p"),
        ({"top_p": 1.5}, "top_p"),
        ({"top_k": 0}, "top_k"),
        ({"seed": -3}, "seed"),
    ],
)
def test_bad_sampling_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        decoding.sample(uniform5, [0], 4, 3, **kwargs)


def test_log_prob_fn_must_be_callable():
    with pytest.raises(TypeError, match="log_prob_fn"):
        decoding.greedy(np.zeros((3, 3)), [0], 2, 3)


# --- n-gram blocking ---


def ngram_repeats(tokens: list[int], n: int) -> bool:
    """Whether some n-gram occurs twice in ``tokens``."""
    grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return len(grams) != len(set(grams))


def up_to_end(row: list[int]) -> list[int]:
    """A decoded row without its end token padding (the first end token kept)."""
    return row[: row.index(END, 1) + 1] if END in row[1:] else row


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("alpha", [0.0, 0.8])
def test_wide_beam_with_blocking_is_exact(n, alpha):
    """With width = every hypothesis, the blocked beam returns exactly the hypotheses without
    a repeated n-gram (start token included), ranked as without blocking."""
    model = Markov2(seed=3)
    starts = [0, 1, 2]
    seqs, scores = decoding.beam_search(model, starts, END, beam_width=N_HYPOTHESES,
                                        max_length=3, length_penalty=alpha,
                                        no_repeat_ngram_size=n)
    for row, start in enumerate(starts):
        allowed = [h for h in all_hypotheses(start, 3) if not ngram_repeats(list(h), n)]
        assert 0 < len(allowed) < N_HYPOTHESES  # blocking removed some, not all
        ranked = sorted(allowed, key=lambda h: -gnmt_rank(model, h, alpha))
        kept = len(ranked)
        np.testing.assert_allclose(
            scores[row, :kept], [gnmt_rank(model, h, alpha) for h in ranked], rtol=1e-10
        )
        assert seqs[row, :kept].tolist() == [padded(h, 3) for h in ranked]
        assert np.isneginf(scores[row, kept:]).all()  # the rest are fillers


@pytest.mark.parametrize("seed", range(12))
def test_blocked_ngrams_never_repeat(seed):
    """Property: on random second-order models, no decoded hypothesis repeats a blocked
    n-gram, while the same decoders without blocking do repeat some."""
    rng = np.random.default_rng(seed)
    model = Markov2(seed=100 + seed, vocab=5, concentration=float(rng.uniform(0.3, 2.0)))
    end, max_length = 4, 14
    starts = rng.integers(0, end, size=6)  # a start token is never the end token
    unblocked_repeats = 0
    for n in (1, 2, 3):
        width = int(rng.integers(1, 5))
        seqs, scores = decoding.beam_search(model, starts, end, width, max_length,
                                            length_penalty=0.5, no_repeat_ngram_size=n)
        greedy = decoding.greedy(model, starts, end, max_length, no_repeat_ngram_size=n)
        rows = [s for s, score in zip(seqs.reshape(-1, max_length + 1).tolist(),
                                      scores.ravel()) if np.isfinite(score)]
        for row in rows + greedy.tolist():
            tokens = row[: row.index(end, 1) + 1] if end in row[1:] else row
            assert not ngram_repeats(tokens, n), (n, row)
        plain = decoding.greedy(model, starts, end, max_length)
        for row in plain.tolist():
            tokens = row[: row.index(end, 1) + 1] if end in row[1:] else row
            unblocked_repeats += ngram_repeats(tokens, n)
    assert unblocked_repeats > 0  # the property is not vacuous


@pytest.mark.parametrize("seed", [0, 1, 2, 7])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_width_one_equals_greedy_with_blocking(seed, n):
    model = Markov2(seed=seed, concentration=0.5)
    starts = np.array([0, 1, 2, 0, 1])
    greedy = decoding.greedy(model, starts, END, max_length=8, no_repeat_ngram_size=n)
    for alpha in (0.0, 0.6):
        seqs, _ = decoding.beam_search(model, starts, END, 1, max_length=8,
                                       length_penalty=alpha, no_repeat_ngram_size=n)
        np.testing.assert_array_equal(seqs[:, 0], greedy)


@pytest.mark.parametrize("seed", [0, 5, 9])
def test_blocking_zero_changes_nothing(seed):
    model = Markov2(seed=seed, concentration=0.5)
    starts = [0, 1, 2, 2]
    plain_seqs, plain_scores = decoding.beam_search(model, starts, END, 3, 10, 0.4)
    seqs, scores = decoding.beam_search(model, starts, END, 3, 10, 0.4, no_repeat_ngram_size=0)
    np.testing.assert_array_equal(seqs, plain_seqs)
    np.testing.assert_array_equal(scores, plain_scores)
    np.testing.assert_array_equal(
        decoding.greedy(model, starts, END, 10, no_repeat_ngram_size=0),
        decoding.greedy(model, starts, END, 10),
    )


def test_blocking_a_loop():
    """Greedy decoding of a model that prefers 1 -> 2 -> 1 loops; blocking bigrams breaks
    the loop at its first repeat, taking the next best token there."""
    table = np.log(np.array([
        [0.05, 0.8, 0.1, 0.05],  # from 0 (the start)
        [0.1, 0.05, 0.75, 0.1],  # from 1: 2, else 0 or the end
        [0.05, 0.7, 0.05, 0.2],  # from 2: 1, else the end
        [0.25, 0.25, 0.25, 0.25],
    ]))

    def bigram(prefixes):
        return table[prefixes[:, -1]]

    assert decoding.greedy(bigram, [0], END, 6).tolist() == [[0, 1, 2, 1, 2, 1, 2]]
    # 0 1 2 1, then 2 would repeat "1 2": the next best after 1 is 0 (tie with the end token,
    # lower id first), then 1 would repeat "0 1": the best left after 0 is 2.
    assert decoding.greedy(bigram, [0], END, 6, no_repeat_ngram_size=2).tolist() == [
        [0, 1, 2, 1, 0, 2, 3]
    ]
    # Trigrams: 0 1 2 1 2, then 1 would repeat "1 2 1": the end is best left.
    assert decoding.greedy(bigram, [0], END, 6, no_repeat_ngram_size=3).tolist() == [
        [0, 1, 2, 1, 2, 3, 3]
    ]


def test_block_repeated_ngrams_by_hand():
    from seqbook.decoding._common import block_repeated_ngrams

    prefixes = np.array([[5, 1, 2, 1, 2, 1], [5, 3, 3, 3, 0, 0]])
    log_probs = np.zeros((2, 6))
    blocked = {n: np.isneginf(block_repeated_ngrams(prefixes, log_probs, n)) for n in range(5)}
    assert not blocked[0].any()
    assert blocked[1].nonzero()[1].tolist() == [1, 2, 5, 0, 3, 5]  # every token seen
    # Row 0 ends "1": "1 2" was seen. Row 1 ends "0": "0 0" was seen.
    assert [np.flatnonzero(r).tolist() for r in blocked[2]] == [[2], [0]]
    # Row 0 ends "2 1": "2 1 2" was seen; row 1 ends "0 0": no "0 0 x" before.
    assert [np.flatnonzero(r).tolist() for r in blocked[3]] == [[2], []]
    # Row 0 ends "1 2 1": "1 2 1 2" was seen.
    assert [np.flatnonzero(r).tolist() for r in blocked[4]] == [[2], []]
    assert (log_probs == 0).all()  # the input is not modified


@pytest.mark.parametrize("size", [-1, 1.5, True, "2"])
@pytest.mark.parametrize("name", ["greedy", "beam_search"])
def test_bad_no_repeat_ngram_size(name, size):
    args = {"log_prob_fn": uniform5, "start_tokens": [0], "end_token": 4, "max_length": 3,
            "no_repeat_ngram_size": size}
    if name == "beam_search":
        args["beam_width"] = 2
    with pytest.raises(ValueError, match="no_repeat_ngram_size"):
        getattr(decoding, name)(**args)


def test_a_row_left_without_tokens():
    """A model that never ends, blocked from everything: greedy decoding ends the row, and
    beam search drops the hypothesis (here every one: only fillers are left)."""
    never_ends = np.array([np.log(0.5), np.log(0.5), -np.inf])  # 2 is the end token

    def fn(prefixes):
        return np.tile(never_ends, (prefixes.shape[0], 1))

    assert decoding.greedy(fn, [0], 2, 4, no_repeat_ngram_size=1).tolist() == [[0, 1, 2, 2, 2]]
    seqs, scores = decoding.beam_search(fn, [0], 2, 2, 4, no_repeat_ngram_size=1)
    assert np.isneginf(scores).all() and (seqs[0, :, 1:] == 2).all()
