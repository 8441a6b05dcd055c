"""What a trained DNA model looks at: in-silico mutagenesis, backend-free."""

from __future__ import annotations

import keras
import numpy as np

from seqbook.models.genomics._checks import check_one_hot

__all__ = ["in_silico_mutagenesis", "motif_importance"]


def in_silico_mutagenesis(model: keras.Model, x: np.ndarray, class_index: int,
                          batch_size: int = 1024) -> np.ndarray:
    """The change of a class's log-probability for every single-base substitution.

    For each sequence, position ``i`` and base ``b``, the base at ``i`` is set to ``b``
    and the model is run again:

        delta[n, i, b] = log p(class | x with base b at i) - log p(class | x),

    which is 0 for the base the sequence already has. It is the finite, exact version of
    the input gradient (saliency): no backend's autodiff is needed, and it answers the
    question a biologist asks, "what if this base were mutated?".

    Parameters
    ----------
    model : keras.Model
        Maps one-hot ``[batch, length, 4]`` to class probabilities ``[batch, classes]``.
    x : numpy.ndarray
        One-hot sequences ``[n, length, 4]``.
    class_index : int
        The class whose probability is followed.
    batch_size : int
        Variants per call of ``model.predict``.

    Returns
    -------
    numpy.ndarray
        float64 ``[n, length, 4]``.

    Example
    -------
    >>> inputs = keras.Input((3, 4))
    >>> flat = keras.layers.Flatten()(inputs)
    >>> model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(flat))
    >>> x = np.eye(4, dtype="float32")[[[0, 1, 2]]]
    >>> delta = in_silico_mutagenesis(model, x, class_index=1)
    >>> delta.shape, bool(np.all(delta[0][x[0] == 1] == 0))
    ((1, 3, 4), True)
    """
    x = check_one_hot("x", x)
    n, length, _ = x.shape
    classes = model.output_shape[-1]
    if isinstance(class_index, bool) or not isinstance(class_index, (int, np.integer)) \
            or not 0 <= class_index < classes:
        raise ValueError(f"class_index must be an integer in [0, {classes}); "
                         f"got {class_index!r}")
    variants = np.repeat(x[:, None], length * 4, axis=1)  # [n, length * 4, length, 4]
    variants = variants.reshape(n, length, 4, length, 4)
    positions = np.arange(length)
    variants[:, positions, :, positions, :] = np.eye(4, dtype=np.float32)
    variants = variants.reshape(-1, length, 4)
    eps = 1e-7
    mutated = model.predict(variants, batch_size=batch_size, verbose=0)[:, class_index]
    original = model.predict(x, batch_size=batch_size, verbose=0)[:, class_index]
    delta = (np.log(mutated.astype(np.float64) + eps).reshape(n, length, 4)
             - np.log(original.astype(np.float64) + eps)[:, None, None])
    return delta * (x.sum(axis=-1, keepdims=True) > 0)


def motif_importance(delta: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Average importance of the bases the sequences hold, for a sequence logo.

    The importance of the base a sequence has at position ``i`` is how much the class's
    log-probability falls, on average, when it is replaced by each of the four bases (a
    substitution by itself counts 0): ``-mean_b delta[n, i, b]``. Put on the observed base
    and averaged over the sequences, it gives ``[length, 4]`` heights: tall letters are
    bases the model needs, negative ones are bases that speak against the class.

    Parameters
    ----------
    delta : numpy.ndarray
        :func:`in_silico_mutagenesis` output ``[n, length, 4]``.
    x : numpy.ndarray
        The same sequences, one-hot ``[n, length, 4]``.

    Returns
    -------
    numpy.ndarray
        float64 ``[length, 4]``.

    Example
    -------
    >>> x = np.eye(4)[[[0, 1]]]                 # one sequence "AC"
    >>> delta = np.array([[[0, -2, -2, -2], [0.5, 0, 0.5, 1.0]]])
    >>> motif_importance(delta, x).tolist()
    [[1.5, 0.0, 0.0, 0.0], [0.0, -0.5, 0.0, 0.0]]
    """
    x = check_one_hot("x", x)
    delta = np.asarray(delta, dtype=np.float64)
    if delta.shape != x.shape:
        raise ValueError(f"delta must have the shape of x {x.shape}, got {delta.shape}.")
    return (-delta.mean(axis=-1, keepdims=True) * x).mean(axis=0)
