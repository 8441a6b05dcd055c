"""NGramLM: distributions sum to 1, perplexity equals a brute-force count, smoothing, bad input."""

import itertools
import math

import numpy as np
import pytest

from seqbook.classical import NGramLM

CORPUS = ["abcab", "bca", "aab"]


@pytest.mark.parametrize("smoothing", ["add_k", "kneser_ney"])
@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_next_token_probabilities_sum_to_one(order, smoothing):
    lm = NGramLM(order=order, smoothing=smoothing, k=0.5).fit(CORPUS)
    vocabulary = lm.vocabulary[1:]  # every token but BOS
    contexts = ["", "a", "ab", "ca", "zz", "bcb", "aaaa"]
    for context in contexts:
        probs = lm.next_token_probs(context)
        assert probs.shape == (lm.vocabulary_size,)
        assert probs[0] == 0 and np.all(probs[1:] > 0)
        assert abs(probs.sum() - 1) < 1e-12
        # The vector and the scalar look-up agree.
        scalar = [lm.prob(token, context) for token in vocabulary]
        np.testing.assert_allclose(probs[1:], scalar, rtol=1e-12)


def test_add_k_perplexity_equals_brute_force_counts():
    k = 0.5
    lm = NGramLM(order=2, smoothing="add_k", k=k).fit(CORPUS)
    # Count the bigrams by hand, with "<s>" before and "</s>" after each sequence.
    pairs, contexts = {}, {}
    for text in CORPUS:
        tokens = ["<s>", *text, "</s>"]
        for prev, nxt in zip(tokens, tokens[1:]):
            pairs[prev, nxt] = pairs.get((prev, nxt), 0) + 1
            contexts[prev] = contexts.get(prev, 0) + 1
    predictable = len({"a", "b", "c"}) + 2  # the letters, </s> and <unk>
    test = ["abca", "cz"]  # z is unknown: read as <unk>
    log_prob, count = 0.0, 0
    for text in test:
        tokens = ["<s>", *[c if c in "abc" else "<unk>" for c in text], "</s>"]
        for prev, nxt in zip(tokens, tokens[1:]):
            p = (pairs.get((prev, nxt), 0) + k) / (contexts.get(prev, 0) + k * predictable)
            log_prob += math.log(p)
            count += 1
    assert lm.perplexity(test) == pytest.approx(math.exp(-log_prob / count), rel=1e-12)


def test_kneser_ney_bigram_equals_its_formula():
    d = 0.75
    lm = NGramLM(order=2, smoothing="kneser_ney", discount=d).fit(CORPUS)
    padded = [["<s>", *text, "</s>"] for text in CORPUS]
    bigrams = [(a, b) for tokens in padded for a, b in zip(tokens, tokens[1:])]
    distinct = set(bigrams)
    vocabulary = ["a", "b", "c", "</s>", "<unk>"]

    def p_continuation(w):  # in how many distinct contexts w was seen, interpolated
        n_w = sum(1 for _, b in distinct if b == w)
        types = len({b for _, b in distinct})
        return (max(n_w - d, 0) + d * types / len(vocabulary)) / len(distinct)

    for context, word in itertools.product(["a", "b", "c", "<s>"], vocabulary):
        c_hw = bigrams.count((context, word))
        c_h = sum(1 for a, _ in bigrams if a == context)
        followers = len({b for a, b in distinct if a == context})
        expected = (max(c_hw - d, 0) + d * followers * p_continuation(word)) / c_h
        context_tokens = [] if context == "<s>" else [context]
        assert lm.prob(word, context_tokens) == pytest.approx(expected, rel=1e-12)


def test_kneser_ney_beats_add_one_on_held_out_text_and_sampling_is_reproducible():
    from pydoc_data.topics import topics

    names = sorted(topics)
    train = [topics[n] for n in names[:40]]
    held_out = [topics[n] for n in names[40:45]]
    kn = NGramLM(order=4).fit(train)
    add_one = NGramLM(order=4, smoothing="add_k", k=1.0).fit(train)
    assert kn.perplexity(held_out) < 0.8 * add_one.perplexity(held_out)
    assert kn.perplexity(held_out) < NGramLM(order=1).fit(train).perplexity(held_out)
    first = kn.sample(max_length=50, seed=3)
    assert first == kn.sample(max_length=50, seed=3) and 0 < len(first) <= 50


def test_unknown_tokens_keep_probability_and_min_count_makes_unk():
    words = [["the", "cat", "sat"], ["the", "dog", "sat"], ["a", "cat", "ran"]]
    lm = NGramLM(order=2, min_count=2).fit(words)
    assert "dog" not in lm.vocabulary and "cat" in lm.vocabulary
    assert lm.encode(["the", "zebra"]).tolist() == [lm.vocabulary.index("the"), 2]
    assert lm.prob("zebra", ["the"]) == lm.prob(NGramLM.UNK, ["the"]) > 0
    assert math.isfinite(lm.perplexity([["a", "zebra", "sat"]]))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: NGramLM(order=0), "order"),
        (lambda: NGramLM(order=2.5), "order"),
        (lambda: NGramLM(smoothing="witten_bell"), "smoothing"),
        (lambda: NGramLM(k=0), "k must"),
        (lambda: NGramLM(discount=1.5), "discount"),
        (lambda: NGramLM().fit([]), "at least one token"),
        (lambda: NGramLM().fit(["", ""]), "at least one token"),
        (lambda: NGramLM().fit("just one string"), "list of sequences"),
        (lambda: NGramLM().prob("a"), "not fitted"),
        (lambda: NGramLM().fit(["ab"]).perplexity([]), "at least one sequence"),
        (lambda: NGramLM().fit(["ab"]).sample(max_length=0), "max_length"),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
