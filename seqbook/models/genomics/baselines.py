"""Two classical baselines for DNA sequences: k-mer counts and position weight matrices."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from seqbook.models.genomics._checks import check_one_hot

__all__ = ["PositionWeightMatrixClassifier", "kmer_counts"]


def kmer_counts(sequences: Sequence[str], k: int = 3,
                alphabet: str = "ACGT") -> tuple[np.ndarray, list[str]]:
    """Count every k-mer of each sequence: the bag-of-words of DNA.

    Overlapping windows are counted; a window holding a letter outside ``alphabet`` (an
    ``N``) is skipped. Where in the sequence a k-mer occurs is lost, which is the point of
    the baseline: it shows how much composition alone tells.

    Parameters
    ----------
    sequences : sequence of str
        DNA strings (upper or lower case).
    k : int
        Length of the words, 1 to 8.
    alphabet : str
        The letters counted.

    Returns
    -------
    counts : numpy.ndarray
        float32 ``[n, len(alphabet) ** k]``.
    kmers : list of str
        The column names, in lexicographic order of ``alphabet``.

    Example
    -------
    >>> counts, kmers = kmer_counts(["AAGT"], k=2)
    >>> {kmer: int(c) for kmer, c in zip(kmers, counts[0]) if c}
    {'AA': 1, 'AG': 1, 'GT': 1}
    """
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 8:
        raise ValueError(f"k must be an integer from 1 to 8; got {k!r}")
    if isinstance(sequences, str):
        raise ValueError("sequences must be a sequence of strings, got one string; wrap "
                         "it in a list.")
    kmers = ["".join(p) for p in itertools.product(alphabet, repeat=k)]
    index = {kmer: i for i, kmer in enumerate(kmers)}
    counts = np.zeros((len(sequences), len(kmers)), np.float32)
    for row, sequence in enumerate(sequences):
        sequence = sequence.upper()
        for start in range(len(sequence) - k + 1):
            column = index.get(sequence[start:start + k])
            if column is not None:
                counts[row, column] += 1
    return counts, kmers


class PositionWeightMatrixClassifier:
    """One position weight matrix per class; predict the class that explains a sequence best.

    Fitting counts each base at each position over the training sequences of a class, adds
    ``pseudocount`` to every count and normalises: ``P_c[i, b]``, the probability of base
    ``b`` at position ``i`` in class ``c``. A sequence ``x`` (one-hot) is then scored by
    its log-likelihood under each class's matrix plus the log prior of the class,

        log p(c) + sum_i log P_c[i, x_i],

    which treats positions as independent: a naive Bayes classifier on (position, base)
    features, the classical way to scan for splice sites.

    Parameters
    ----------
    pseudocount : float
        Added to every count before normalising (Laplace smoothing), > 0.

    Example
    -------
    >>> from seqbook.data.sources.splice_junctions import one_hot_dna
    >>> x = one_hot_dna(["AAGT", "AAGT", "CCCA", "CCTA"])
    >>> pwm = PositionWeightMatrixClassifier().fit(x, np.array([0, 0, 1, 1]))
    >>> pwm.predict(one_hot_dna(["AAGA", "CCCT"])).tolist()
    [0, 1]
    """

    def __init__(self, pseudocount: float = 1.0):
        if not np.isfinite(pseudocount) or pseudocount <= 0:
            raise ValueError(f"pseudocount must be a positive number; got {pseudocount!r}")
        self.pseudocount = float(pseudocount)

    def fit(self, x: np.ndarray, y: np.ndarray) -> PositionWeightMatrixClassifier:
        """Count bases per class and position; ``x`` one-hot ``[n, length, 4]``, ``y`` ints."""
        x = check_one_hot("x", x)
        y = np.asarray(y).astype(np.int64).reshape(-1)
        if len(y) != len(x):
            raise ValueError(f"y must have one label per sequence ({len(x)}), got {len(y)}.")
        self.classes_ = np.unique(y)
        counts = np.stack([x[y == c].sum(axis=0) for c in self.classes_]) + self.pseudocount
        self.pwm_ = counts / counts.sum(axis=-1, keepdims=True)  # [classes, length, 4]
        self.log_prior_ = np.log(np.array([np.mean(y == c) for c in self.classes_]))
        return self

    def log_likelihoods(self, x: np.ndarray) -> np.ndarray:
        """``log p(c) + log p(x | c)`` for each class: ``[n, classes]``."""
        if not hasattr(self, "pwm_"):
            raise ValueError("the classifier must be fitted first: call fit(x, y).")
        x = check_one_hot("x", x, length=self.pwm_.shape[1])
        return np.einsum("nib,cib->nc", x, np.log(self.pwm_)) + self.log_prior_

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Posterior class probabilities ``[n, classes]``."""
        scores = self.log_likelihoods(x)
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        return scores / scores.sum(axis=1, keepdims=True)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The most probable class of each sequence ``[n]``."""
        return self.classes_[np.argmax(self.log_likelihoods(x), axis=1)]
