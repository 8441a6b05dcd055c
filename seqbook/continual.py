"""Continual learning: forgetting metrics, a replay buffer, elastic weight consolidation, drift.

A model that learns tasks one after another is judged by its *accuracy matrix* ``R``, where
``R[i, j]`` is the accuracy on task ``j`` after training on tasks ``0..i``
(:func:`accuracy_matrix`), and summarised by :func:`average_accuracy` and
:func:`forgetting` (Chaudhry et al., 2018). Two remedies for forgetting live here:
:class:`ExperienceReplay`, a fixed-size buffer of past examples kept by reservoir sampling,
and elastic weight consolidation (Kirkpatrick et al., 2017): :func:`fisher_diagonal`
estimates how much each weight mattered to an old task, and :func:`consolidate` adds the
penalty :class:`EWCRegularizer` to every trainable weight, so that ``model.fit`` trains with
it on either Keras backend. :func:`detect_drift` runs a ``river`` drift detector over a stream
of residuals and returns where it raised alarms.

Example
-------
>>> import numpy as np
>>> R = np.array([[0.9, 0.1], [0.5, 0.8]])
>>> round(average_accuracy(R), 2), round(forgetting(R), 2)
(0.65, 0.4)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
import numpy as np

from seqbook._checks import require_positive

__all__ = [
    "DETECTORS",
    "EWCRegularizer",
    "ExperienceReplay",
    "accuracy_matrix",
    "average_accuracy",
    "consolidate",
    "detect_drift",
    "fisher_diagonal",
    "forgetting",
    "release",
]


# --- metrics -------------------------------------------------------------------------------


def _square_matrix(matrix) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] < 1:
        raise ValueError(
            "matrix must be a square 2-D accuracy matrix (row i: after task i, column j: "
            f"tested on task j); got shape {matrix.shape}"
        )
    return matrix


def accuracy_matrix(
    evaluate: Callable[[int], Sequence[float]] | Sequence[Sequence[float]],
    num_tasks: int | None = None,
) -> np.ndarray:
    """The accuracy matrix ``R[i, j]``: accuracy on task ``j`` after training on task ``i``.

    Parameters
    ----------
    evaluate : callable or sequence of sequences
        Either a function ``evaluate(i)`` that trains on task ``i`` (after tasks ``0..i-1``)
        and returns the accuracies on every task, or the rows themselves.
    num_tasks : int, optional
        The number of tasks; required when ``evaluate`` is a function.

    Returns
    -------
    numpy.ndarray of shape ``(num_tasks, num_tasks)``

    Example
    -------
    >>> accuracy_matrix(lambda i: [1.0 if j == i else 0.5 for j in range(2)], 2)
    array([[1. , 0.5],
           [0.5, 1. ]])
    """
    if callable(evaluate):
        if num_tasks is None:
            raise ValueError("num_tasks must be given when evaluate is a function; got None")
        require_positive(num_tasks=num_tasks)
        rows = [list(evaluate(i)) for i in range(num_tasks)]
    else:
        rows = [list(row) for row in evaluate]
    for i, row in enumerate(rows):
        if len(row) != len(rows):
            raise ValueError(
                f"every row must hold one accuracy per task ({len(rows)}); row {i} has "
                f"{len(row)}"
            )
    return _square_matrix(rows)


def average_accuracy(matrix) -> float:
    """Mean accuracy over all tasks after training on the last one.

    $$A_T = \\frac{1}{T} \\sum_{j=1}^{T} R_{T, j}$$

    Example
    -------
    >>> average_accuracy([[0.9, 0.0], [0.6, 0.8]])
    0.7
    """
    matrix = _square_matrix(matrix)
    return float(matrix[-1].mean())


def forgetting(matrix) -> float:
    """Average forgetting (Chaudhry et al., 2018) after the last task.

    For each task ``j`` but the last, the drop from its best accuracy at any earlier point
    to its accuracy at the end, averaged:

    $$F_T = \\frac{1}{T-1} \\sum_{j=1}^{T-1} \\max_{i < T} R_{i, j} - R_{T, j}$$

    It is 0 for one task, and may be negative when later tasks help an old one.

    Example
    -------
    >>> forgetting([[0.9, 0.1, 0.0], [0.7, 0.8, 0.2], [0.6, 0.5, 0.9]])
    0.3
    """
    matrix = _square_matrix(matrix)
    tasks = matrix.shape[0]
    if tasks == 1:
        return 0.0
    best = np.array([matrix[:-1, j].max() for j in range(tasks - 1)])
    return float(np.round(np.mean(best - matrix[-1, :-1]), 12))


# --- experience replay -----------------------------------------------------------------------


class ExperienceReplay:
    """A fixed-size memory of past examples, kept by reservoir sampling.

    Every example offered so far has the same chance, ``capacity / seen``, of being in the
    buffer, whatever the order in which the tasks arrived (Vitter's algorithm R).

    Parameters
    ----------
    capacity : int
        The most examples the buffer holds.
    seed : int
        Seed of the buffer's own random generator.

    Example
    -------
    >>> buffer = ExperienceReplay(capacity=3, seed=0)
    >>> buffer.add(np.arange(10.0)[:, None], np.arange(10))
    >>> len(buffer), buffer.seen
    (3, 10)
    >>> x, y = buffer.sample(2)
    >>> x.shape, y.shape
    ((2, 1), (2,))
    """

    def __init__(self, capacity: int, seed: int = 0):
        require_positive(capacity=capacity)
        self.capacity = capacity
        self.seen = 0
        self._rng = np.random.default_rng(seed)
        self._x: np.ndarray | None = None
        self._y: np.ndarray | None = None

    def __len__(self) -> int:
        return min(self.seen, self.capacity)

    def add(self, x, y) -> None:
        """Offer a batch of examples ``x`` with labels ``y`` to the buffer."""
        x, y = np.asarray(x), np.asarray(y)
        if len(x) != len(y):
            raise ValueError(
                f"x and y must hold the same number of examples; got {len(x)} and {len(y)}"
            )
        if self._x is None:
            self._x = np.zeros((self.capacity, *x.shape[1:]), x.dtype)
            self._y = np.zeros((self.capacity, *y.shape[1:]), y.dtype)
        elif x.shape[1:] != self._x.shape[1:]:
            raise ValueError(
                f"x must have the example shape {self._x.shape[1:]} of the buffer; got "
                f"{x.shape[1:]}"
            )
        for xi, yi in zip(x, y):
            if self.seen < self.capacity:
                slot = self.seen
            else:
                slot = int(self._rng.integers(0, self.seen + 1))
            if slot < self.capacity:
                self._x[slot], self._y[slot] = xi, yi
            self.seen += 1

    def contents(self) -> tuple[np.ndarray, np.ndarray]:
        """Every stored example and label, ``(x, y)``."""
        if self._x is None:
            raise ValueError("the buffer is empty; add examples first")
        return self._x[: len(self)], self._y[: len(self)]

    def sample(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """``size`` stored examples drawn at random (with replacement if ``size`` > len)."""
        require_positive(size=size)
        x, y = self.contents()
        index = self._rng.choice(len(x), size, replace=size > len(x))
        return x[index], y[index]

    def mix(self, x, y, ratio: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """The new examples with ``ratio * len(x)`` replayed ones, shuffled together.

        Before anything is stored, the new examples come back unchanged (shuffled).
        """
        x, y = np.asarray(x), np.asarray(y)
        if ratio < 0:
            raise ValueError(f"ratio must be >= 0; got {ratio!r}")
        if len(self) and ratio > 0:
            old_x, old_y = self.sample(max(1, int(round(ratio * len(x)))))
            x, y = np.concatenate([x, old_x]), np.concatenate([y, old_y])
        order = self._rng.permutation(len(x))
        return x[order], y[order]


# --- elastic weight consolidation -----------------------------------------------------------


def _log_likelihood(probabilities, y):
    """Per-example log p(y | x) from a model's probabilities (softmax or one sigmoid)."""
    ops = keras.ops
    probabilities = ops.clip(ops.cast(probabilities, "float32"), 1e-7, 1.0 - 1e-7)
    y = ops.cast(y, "int32")
    if probabilities.shape[-1] == 1:
        p = probabilities[..., 0]
        y = ops.cast(ops.reshape(y, ops.shape(p)), "float32")
        return y * ops.log(p) + (1.0 - y) * ops.log(1.0 - p)
    picked = ops.take_along_axis(probabilities, ops.reshape(y, (-1, 1)), axis=-1)
    return ops.log(picked[:, 0])


def _per_example_squared_gradients(model):
    """A function (x, y) -> summed squared per-example gradients of log p(y | x)."""
    backend = keras.backend.backend()
    weights = model.trainable_variables
    if backend == "tensorflow":
        import tensorflow as tf

        # Eager, one example at a time: no tracing per model (a tf.function per model
        # retraces for each new model, and the models here are small).
        def squared(xb, yb):
            totals = [tf.zeros(w.shape, "float32") for w in weights]
            for xi, yi in zip(xb, yb):
                with tf.GradientTape() as tape:
                    probabilities = model(xi[None], training=False)
                    log_p = _log_likelihood(probabilities, yi[None])[0]
                grads = tape.gradient(log_p, weights)
                totals = [t if g is None else t + tf.square(tf.cast(g, "float32"))
                          for t, g in zip(totals, grads)]
            return totals

        return squared
    if backend == "jax":
        import jax

        trainable = [v.value for v in model.trainable_variables]
        frozen = [v.value for v in model.non_trainable_variables]

        def log_p_one(params, xi, yi):
            out, _ = model.stateless_call(params, frozen, xi[None], training=False)
            return _log_likelihood(out, yi[None])[0]

        per_example = jax.jit(jax.vmap(jax.grad(log_p_one), in_axes=(None, 0, 0)))

        def squared(xb, yb):
            grads = per_example(trainable, xb, yb)
            return [(g**2).sum(axis=0) for g in grads]

        return squared
    raise ValueError(
        f"fisher_diagonal supports the tensorflow and jax backends; got {backend!r}"
    )


def fisher_diagonal(model: keras.Model, x, y, batch_size: int = 64) -> list[np.ndarray]:
    """The diagonal of the empirical Fisher information of ``model`` on ``(x, y)``.

    $$F_k = \\frac{1}{N} \\sum_{n=1}^{N}
    \\left(\\frac{\\partial \\log p_\\theta(y_n \\mid x_n)}{\\partial \\theta_k}\\right)^2$$

    one array per trainable weight, in the order of ``model.trainable_variables``. The model
    must output probabilities: a softmax over classes (``y`` holds class indices) or one
    sigmoid unit (``y`` holds 0/1). Gradients per example come from ``tf.GradientTape`` or
    ``jax.grad`` over ``model.stateless_call``, whichever backend Keras runs on.

    Example
    -------
    >>> model = keras.Sequential([keras.Input((2,)),
    ...                           keras.layers.Dense(1, activation="sigmoid")])
    >>> fisher = fisher_diagonal(model, np.ones((4, 2), "float32"), np.array([0, 1, 0, 1]))
    >>> [f.shape for f in fisher]
    [(2, 1), (1,)]
    """
    require_positive(batch_size=batch_size)
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(
            f"x and y must hold the same, non-zero number of examples; got {len(x)} and "
            f"{len(y)}"
        )
    squared = _per_example_squared_gradients(model)
    totals = [np.zeros(v.shape, np.float64) for v in model.trainable_variables]
    for start in range(0, len(x), batch_size):
        xb, yb = x[start:start + batch_size], y[start:start + batch_size]
        for total, g in zip(totals, squared(xb, yb)):
            total += np.asarray(g, np.float64)
    return [(total / len(x)).astype(np.float32) for total in totals]


@keras.saving.register_keras_serializable(package="seqbook")
class EWCRegularizer(keras.regularizers.Regularizer):
    """The EWC penalty of one weight: ``strength / 2 * sum(fisher * (w - anchor) ** 2)``.

    Parameters
    ----------
    anchor : array
        The weight's value after the old task, $\\theta^*$.
    fisher : array
        Its Fisher diagonal on the old task, same shape.
    strength : float
        $\\lambda$, how hard the weight is pulled back to its anchor.

    Example
    -------
    >>> penalty = EWCRegularizer(anchor=np.zeros(2), fisher=np.array([1.0, 3.0]),
    ...                          strength=2.0)
    >>> float(penalty(np.array([1.0, 1.0], "float32")))
    4.0
    """

    def __init__(self, anchor, fisher, strength: float = 1.0):
        anchor, fisher, strength = self._checked(anchor, fisher, strength)
        # Variables, so that a TensorFlow training step reads the current values: a new
        # anchor needs no retracing (see `update`).
        self._anchor = keras.Variable(anchor, trainable=False, dtype="float32")
        self._fisher = keras.Variable(fisher, trainable=False, dtype="float32")
        self._strength = keras.Variable(strength, trainable=False, dtype="float32")

    @staticmethod
    def _checked(anchor, fisher, strength):
        anchor = np.asarray(anchor, np.float32)
        fisher = np.asarray(fisher, np.float32)
        if anchor.shape != fisher.shape:
            raise ValueError(
                f"anchor and fisher must have the same shape; got {anchor.shape} and "
                f"{fisher.shape}"
            )
        if not strength >= 0:
            raise ValueError(f"strength must be >= 0; got {strength!r}")
        return anchor, fisher, np.float32(strength)

    @property
    def anchor(self) -> np.ndarray:
        return np.asarray(self._anchor.numpy())

    @property
    def fisher(self) -> np.ndarray:
        return np.asarray(self._fisher.numpy())

    @property
    def strength(self) -> float:
        return float(self._strength.numpy())

    def update(self, anchor, fisher, strength: float) -> None:
        """Assign a new anchor, Fisher diagonal and strength (same shapes)."""
        anchor, fisher, strength = self._checked(anchor, fisher, strength)
        if anchor.shape != tuple(self._anchor.shape):
            raise ValueError(
                f"anchor must keep the shape {tuple(self._anchor.shape)}; got {anchor.shape}"
            )
        self._anchor.assign(anchor)
        self._fisher.assign(fisher)
        self._strength.assign(strength)

    def __call__(self, weight):
        ops = keras.ops
        gap = ops.cast(weight, "float32") - self._anchor.value
        return 0.5 * self._strength.value * ops.sum(self._fisher.value * gap * gap)

    def get_config(self) -> dict:
        return {"anchor": self.anchor.tolist(), "fisher": self.fisher.tolist(),
                "strength": self.strength}


def _refresh(model: keras.Model) -> None:
    # The penalties are constants in the compiled training step: rebuild it.
    if getattr(model, "optimizer", None) is not None and model.compiled:
        model.make_train_function(force=True)
        model.make_test_function(force=True)


def consolidate(
    model: keras.Model,
    fishers: Sequence[np.ndarray],
    strength: float,
    anchors: Sequence[np.ndarray] | None = None,
) -> keras.Model:
    """Anchor every trainable weight of ``model`` with an EWC penalty; ``model.fit`` uses it.

    $$\\mathcal{L}(\\theta) = \\mathcal{L}_\\text{new}(\\theta)
    + \\frac{\\lambda}{2} \\sum_k F_k \\, (\\theta_k - \\theta^*_k)^2$$

    Each weight gets an :class:`EWCRegularizer` (replacing any regularizer it had), so the
    penalty joins the loss through Keras' own weight-regularization path on both backends.
    After several tasks, pass the summed Fisher diagonals of all of them (the anchors are the
    current weights). The compiled training step is rebuilt where needed (JAX bakes the
    penalty's values into it; TensorFlow reads them from variables, so a second
    consolidation needs no retracing); the optimizer state is kept.

    Parameters
    ----------
    model : keras.Model
        A built model.
    fishers : sequence of arrays
        From :func:`fisher_diagonal`, one per trainable weight.
    strength : float
        $\\lambda$.
    anchors : sequence of arrays, optional
        $\\theta^*$; the model's current weights by default.

    Example
    -------
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> fishers = [np.ones(v.shape) for v in model.trainable_variables]
    >>> model = consolidate(model, fishers, strength=1.0)
    >>> [round(float(loss), 3) for loss in model.losses]
    [0.0, 0.0]
    """
    weights = model.trainable_variables
    anchors = [np.asarray(v.numpy()) for v in weights] if anchors is None else anchors
    if len(fishers) != len(weights) or len(anchors) != len(weights):
        raise ValueError(
            f"fishers and anchors must hold one array per trainable weight ({len(weights)});"
            f" got {len(fishers)} and {len(anchors)}"
        )
    for variable, fisher in zip(weights, fishers):
        if tuple(np.shape(fisher)) != tuple(variable.shape):
            raise ValueError(
                f"fisher for {variable.path} must have shape {tuple(variable.shape)}; got "
                f"{np.shape(fisher)}"
            )
    reused = True
    for variable, anchor, fisher in zip(weights, anchors, fishers):
        if isinstance(variable.regularizer, EWCRegularizer):
            variable.regularizer.update(anchor, fisher, strength)
        else:
            variable.regularizer = EWCRegularizer(anchor, fisher, strength)
            reused = False
    if not (reused and keras.backend.backend() == "tensorflow"):
        _refresh(model)
    return model


def release(model: keras.Model) -> keras.Model:
    """Remove the EWC penalties :func:`consolidate` put on ``model``'s weights.

    Example
    -------
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> len(release(model).losses)
    0
    """
    for variable in model.trainable_variables:
        if isinstance(variable.regularizer, EWCRegularizer):
            variable.regularizer = None
    _refresh(model)
    return model


# --- drift ---------------------------------------------------------------------------------


def _adwin(**options):
    from river.drift import ADWIN

    return ADWIN(**options)


def _page_hinkley(**options):
    from river.drift import PageHinkley

    return PageHinkley(**options)


DETECTORS: dict[str, Callable] = {"adwin": _adwin, "page_hinkley": _page_hinkley}


def detect_drift(residuals, detector: str | object = "adwin", **options) -> np.ndarray:
    """Run a ``river`` drift detector over a stream; return the indices of its alarms.

    Parameters
    ----------
    residuals : 1-D array
        The stream, in time order, e.g. a forecaster's errors.
    detector : {"adwin", "page_hinkley"} or a river detector
        A name (built with ``options``: ``river.drift.ADWIN`` or
        ``river.drift.PageHinkley``) or a fresh detector object with ``update`` and
        ``drift_detected``.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> stream = np.r_[rng.normal(0, 1, 300), rng.normal(4, 1, 300)]
    >>> alarms = detect_drift(stream, "adwin")
    >>> bool(300 <= alarms[0] < 340)
    True
    """
    stream = np.asarray(residuals, dtype=np.float64)
    if stream.ndim != 1 or len(stream) == 0 or not np.isfinite(stream).all():
        raise ValueError(
            f"residuals must be a non-empty 1-D array of finite numbers; got shape "
            f"{stream.shape}"
        )
    if isinstance(detector, str):
        if detector not in DETECTORS:
            raise ValueError(
                f"detector must be one of {sorted(DETECTORS)} or a river detector; got "
                f"{detector!r}"
            )
        detector = DETECTORS[detector](**options)
    elif options:
        raise ValueError("options apply only to a detector given by name; got both")
    alarms = []
    for t, value in enumerate(stream):
        detector.update(float(value))
        if detector.drift_detected:
            alarms.append(t)
    return np.asarray(alarms, dtype=np.int64)
