"""N-gram language models: counts, add-k and interpolated Kneser-Ney smoothing.

An n-gram model approximates :math:`P(x_t \\mid x_{<t})` by :math:`P(x_t \\mid x_{t-n+1:t})`,
the probability of a token given the ``order - 1`` tokens before it, estimated from counts.
Smoothing moves some probability from seen to unseen n-grams, so that held-out text never
gets probability zero.

Tokens are any hashable values. A ``str`` sequence is read as its characters, so
``NGramLM(order=3).fit(["some text", ...])`` is a character model and
``fit([["some", "words"], ...])`` a word model. Every sequence is scored with an end token
:attr:`NGramLM.EOS` after its last token, and its first tokens see :attr:`NGramLM.BOS`
padding as their context. Tokens that were not seen in training (or seen fewer than
``min_count`` times) are read as :attr:`NGramLM.UNK`, which keeps some probability.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Hashable, Iterable, Sequence

import numpy as np

__all__ = ["NGramLM"]

_SMOOTHINGS = ("add_k", "kneser_ney")


def _tokens(sequence: str | Iterable[Hashable]) -> list[Hashable]:
    return list(sequence)


class NGramLM:
    """An n-gram language model with add-k or interpolated Kneser-Ney smoothing.

    Parameters
    ----------
    order : int
        ``n``: the model conditions on the ``order - 1`` previous tokens (1 = unigram).
    smoothing : {"kneser_ney", "add_k"}
        ``"add_k"`` adds ``k`` to every count of the highest order (``k = 1`` is Laplace's
        add-one rule). ``"kneser_ney"`` is interpolated Kneser-Ney (Chen & Goodman 1999): it
        subtracts a discount ``D`` from every seen count and gives the freed mass to the
        next lower order, whose counts are *continuation* counts (in how many distinct
        contexts a token was seen), down to a uniform distribution over the vocabulary.
    k : float
        The pseudo-count of add-k smoothing, > 0.
    discount : float, optional
        Kneser-Ney's ``D`` in (0, 1] for every order. By default it is estimated per order
        from the counts of counts, ``D = n1 / (n1 + 2 n2)`` (Ney, Essen & Kneser 1994).
    min_count : int
        Training tokens seen fewer times than this are replaced by :attr:`UNK`, so that the
        model learns how often unknown tokens occur.

    Attributes
    ----------
    vocabulary : list
        The token of each id: ``BOS`` (0), ``EOS`` (1), ``UNK`` (2), then the training tokens.
        ``BOS`` is context padding only and always has probability 0.

    Example
    -------
    >>> lm = NGramLM(order=2, smoothing="add_k", k=1.0).fit(["abab", "ab"])
    >>> round(lm.prob("b", context="a"), 4)  # (3 + 1) / (3 + 4): a was followed by b 3 times
    0.5714
    >>> round(float(lm.next_token_probs("a").sum()), 6)
    1.0
    >>> lm.prob("z", context="a") == lm.prob(NGramLM.UNK, context="a")  # unseen token
    True
    """

    BOS = "<s>"
    EOS = "</s>"
    UNK = "<unk>"

    def __init__(
        self,
        order: int = 3,
        smoothing: str = "kneser_ney",
        k: float = 1.0,
        discount: float | None = None,
        min_count: int = 1,
    ) -> None:
        if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
            raise ValueError(f"order must be an integer >= 1; got {order!r}")
        if smoothing not in _SMOOTHINGS:
            raise ValueError(f"smoothing must be one of {', '.join(_SMOOTHINGS)}; got {smoothing!r}")
        if not (isinstance(k, (int, float)) and k > 0 and math.isfinite(k)):
            raise ValueError(f"k must be a finite number > 0; got {k!r}")
        if discount is not None and not (isinstance(discount, (int, float)) and 0 < discount <= 1):
            raise ValueError(f"discount must be in (0, 1] or None; got {discount!r}")
        if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
            raise ValueError(f"min_count must be an integer >= 1; got {min_count!r}")
        self.order = int(order)
        self.smoothing = smoothing
        self.k = float(k)
        self.discount = discount
        self.min_count = min_count
        self.vocabulary: list[Hashable] = []
        self._ids: dict[Hashable, int] = {}

    # ----------------------------------------------------------------------------- fitting
    def fit(self, sequences: Iterable[str | Iterable[Hashable]]) -> NGramLM:
        """Count the n-grams of ``sequences`` (strings are read as characters).

        Parameters
        ----------
        sequences : iterable of str or of iterables of tokens
            The training text, e.g. one sequence per document or per sentence.

        Returns
        -------
        NGramLM
            ``self``, fitted.

        Raises
        ------
        ValueError
            If ``sequences`` holds no token at all.
        """
        if isinstance(sequences, str):
            raise ValueError("sequences must be a list of sequences; got one str (wrap it in [])")
        token_lists = [_tokens(s) for s in sequences]
        frequency = collections.Counter(t for tokens in token_lists for t in tokens)
        if not frequency:
            raise ValueError("sequences must contain at least one token; got none")
        kept = sorted(
            (t for t, c in frequency.items() if c >= self.min_count and t not in self._reserved()),
            key=lambda t: (type(t).__name__, str(t)),
        )
        self.vocabulary = [self.BOS, self.EOS, self.UNK, *kept]
        self._ids = {t: i for i, t in enumerate(self.vocabulary)}

        n = self.order
        top: collections.Counter = collections.Counter()
        for tokens in token_lists:
            ids = [0] * (n - 1) + self._encode_list(tokens) + [1]
            top.update(zip(*(ids[i : len(ids) - n + 1 + i] for i in range(n))))
        # counts[m]: m-gram -> count; raw counts at the top order, continuation counts below.
        counts: dict[int, collections.Counter] = {n: top}
        if self.smoothing == "kneser_ney":
            for m in range(n - 1, 0, -1):
                counts[m] = collections.Counter(gram[1:] for gram in counts[m + 1])
        self._counts = counts
        self._totals: dict[int, collections.Counter] = {}
        self._types: dict[int, collections.Counter] = {}
        self._followers: dict[int, dict[tuple, list[tuple[int, int]]]] = {}
        self._discounts: dict[int, float] = {}
        for m, table in counts.items():
            totals: collections.Counter = collections.Counter()
            types: collections.Counter = collections.Counter()
            followers: dict[tuple, list[tuple[int, int]]] = collections.defaultdict(list)
            for gram, count in table.items():
                history = gram[:-1]
                totals[history] += count
                types[history] += 1
                followers[history].append((gram[-1], count))
            self._totals[m], self._types[m] = totals, types
            self._followers[m] = dict(followers)
            if self.discount is not None:
                self._discounts[m] = float(self.discount)
            else:
                of_counts = collections.Counter(table.values())
                n1, n2 = of_counts.get(1, 0), of_counts.get(2, 0)
                self._discounts[m] = n1 / (n1 + 2 * n2) if n1 > 0 else 0.75
        return self

    def _reserved(self) -> tuple[str, str, str]:
        return (self.BOS, self.EOS, self.UNK)

    def _check_fitted(self) -> None:
        if not self.vocabulary:
            raise ValueError("this NGramLM is not fitted yet: call fit(sequences) first")

    def _encode_list(self, tokens: Sequence[Hashable]) -> list[int]:
        ids = self._ids
        return [ids.get(t, 2) for t in tokens]

    def encode(self, sequence: str | Iterable[Hashable]) -> np.ndarray:
        """Token ids of ``sequence``; unknown tokens become the id of :attr:`UNK` (2).

        Example
        -------
        >>> NGramLM(order=1).fit(["ab"]).encode("abz").tolist()
        [3, 4, 2]
        """
        self._check_fitted()
        return np.array(self._encode_list(_tokens(sequence)), dtype=np.int64)

    def _context_ids(self, context: str | Iterable[Hashable]) -> tuple[int, ...]:
        ids = self._encode_list(_tokens(context))
        need = self.order - 1
        ids = [0] * max(0, need - len(ids)) + ids
        return tuple(ids[len(ids) - need :]) if need else ()

    # ---------------------------------------------------------------------- probabilities
    @property
    def vocabulary_size(self) -> int:
        """Size of the vocabulary, ``BOS``, ``EOS`` and ``UNK`` included."""
        return len(self.vocabulary)

    def _prob_id(self, word: int, context: tuple[int, ...]) -> float:
        """P(word | context) for ids, ``context`` exactly ``order - 1`` ids long."""
        predictable = len(self.vocabulary) - 1  # every token but BOS
        if word == 0:
            return 0.0
        if self.smoothing == "add_k":
            total = self._totals[self.order].get(context, 0)
            count = self._counts[self.order].get(context + (word,), 0)
            return (count + self.k) / (total + self.k * predictable)
        p = 1.0 / predictable
        for m in range(1, self.order + 1):
            history = context[len(context) - (m - 1) :] if m > 1 else ()
            total = self._totals[m].get(history, 0)
            if not total:
                continue  # unseen context: keep the lower order's estimate
            discount = self._discounts[m]
            count = self._counts[m].get(history + (word,), 0)
            p = (max(count - discount, 0.0) + discount * self._types[m][history] * p) / total
        return p

    def prob(self, token: Hashable, context: str | Iterable[Hashable] = ()) -> float:
        """P(token | the last ``order - 1`` tokens of context).

        A short context is padded on the left with :attr:`BOS`, as at a sequence start.
        """
        self._check_fitted()
        return self._prob_id(self._ids.get(token, 2), self._context_ids(context))

    def next_token_probs(self, context: str | Iterable[Hashable] = ()) -> np.ndarray:
        """P(next token | context) for every id of :attr:`vocabulary`; sums to 1.

        Example
        -------
        >>> lm = NGramLM(order=3).fit(["abcabc"])
        >>> probs = lm.next_token_probs("ab")
        >>> lm.vocabulary[int(probs.argmax())], round(float(probs.sum()), 6)
        ('c', 1.0)
        """
        self._check_fitted()
        context_ids = self._context_ids(context)
        size = len(self.vocabulary)
        if self.smoothing == "add_k":
            p = np.full(size, self.k)
            if context_ids in self._followers[self.order]:
                words, counts = zip(*self._followers[self.order][context_ids])
                p[list(words)] += counts
            p[0] = 0.0
            return p / p.sum()
        p = np.full(size, 1.0 / (size - 1))
        p[0] = 0.0
        for m in range(1, self.order + 1):
            history = context_ids[len(context_ids) - (m - 1) :] if m > 1 else ()
            if history not in self._followers[m]:
                continue
            discount = self._discounts[m]
            words, counts = zip(*self._followers[m][history])
            mixed = discount * self._types[m][history] * p
            mixed[list(words)] += np.maximum(np.array(counts, float) - discount, 0.0)
            p = mixed / self._totals[m][history]
        return p

    def token_probs(self, sequence: str | Iterable[Hashable]) -> np.ndarray:
        """P(x_t | context) for each token of ``sequence`` and then for ``EOS``.

        Returns
        -------
        numpy.ndarray
            float64 ``[len(sequence) + 1]``; the mean of ``-log`` of it is the cross-entropy.

        Example
        -------
        >>> NGramLM(order=1, smoothing="add_k").fit(["aab"]).token_probs("a").tolist()
        [0.375, 0.25]
        """
        self._check_fitted()
        n = self.order
        ids = [0] * (n - 1) + self._encode_list(_tokens(sequence)) + [1]
        return np.array(
            [self._prob_id(ids[t], tuple(ids[t - n + 1 : t])) for t in range(n - 1, len(ids))]
        )

    def log_prob(self, sequence: str | Iterable[Hashable]) -> float:
        """Natural log of P(sequence, then ``EOS``), by the chain rule.

        Example
        -------
        >>> lm = NGramLM(order=1, smoothing="add_k").fit(["aab"])
        >>> # counts a=2, b=1, EOS=1 (+1 each), UNK=0 (+1): P(a) = 3/8, P(EOS) = 2/8
        >>> round(lm.log_prob("a"), 6) == round(math.log(3 / 8 * 2 / 8), 6)
        True
        """
        return float(np.log(self.token_probs(sequence)).sum())

    def perplexity(self, sequences: Iterable[str | Iterable[Hashable]]) -> float:
        """exp of the mean negative log-probability per predicted token (``EOS`` included).

        Returns
        -------
        float
            Lower is better; a uniform guess over ``V`` tokens has perplexity ``V``.
        """
        if isinstance(sequences, str):
            raise ValueError("sequences must be a list of sequences; got one str (wrap it in [])")
        total, count = 0.0, 0
        for sequence in sequences:
            tokens = _tokens(sequence)
            total += self.log_prob(tokens)
            count += len(tokens) + 1
        if count == 0:
            raise ValueError("sequences must hold at least one sequence; got none")
        return math.exp(-total / count)

    def sample(
        self,
        max_length: int = 100,
        seed: int = 0,
        prefix: str | Iterable[Hashable] = (),
        temperature: float = 1.0,
    ) -> list[Hashable]:
        """Draw tokens one at a time from P(next | context) until ``EOS`` or ``max_length``.

        Parameters
        ----------
        max_length : int
            Most tokens to draw (the prefix not counted).
        seed : int
            Seed of the random generator: the same seed gives the same sample.
        prefix : str or iterable of tokens
            Tokens to condition on; they are not returned.
        temperature : float
            > 0; below 1 sharpens the distribution (``p ** (1 / temperature)``, renormalised).

        Returns
        -------
        list
            The drawn tokens, without ``EOS``.

        Example
        -------
        >>> lm = NGramLM(order=3).fit(["the cat sat on the mat"] * 3)
        >>> text = "".join(lm.sample(max_length=10, seed=1, prefix="the c"))
        >>> text == "".join(lm.sample(max_length=10, seed=1, prefix="the c"))  # same seed
        True
        """
        self._check_fitted()
        if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
            raise ValueError(f"max_length must be an integer >= 1; got {max_length!r}")
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0; got {temperature!r}")
        rng = np.random.default_rng(seed)
        context = [self.vocabulary[i] for i in self._encode_list(_tokens(prefix))]
        drawn: list[Hashable] = []
        for _ in range(max_length):
            probs = self.next_token_probs(context)
            if temperature != 1.0:
                probs = probs ** (1.0 / temperature)
                probs /= probs.sum()
            token = self.vocabulary[int(rng.choice(len(probs), p=probs))]
            if token == self.EOS:
                break
            drawn.append(token)
            context.append(token)
        return drawn

    def __repr__(self) -> str:
        return (
            f"NGramLM(order={self.order}, smoothing={self.smoothing!r}, "
            f"vocabulary_size={len(self.vocabulary)})"
        )
