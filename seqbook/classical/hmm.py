"""Discrete hidden Markov models in log space with ``keras.ops``: batched, masked, trainable.

A hidden Markov model (HMM) with ``K`` hidden states and ``M`` symbols is three tables:

* ``initial[i]``: P(z_1 = i);
* ``transition[i, j]``: P(z_{t+1} = j | z_t = i);
* ``emission[i, m]``: P(x_t = m | z_t = i).

:class:`HMM` answers the three classic questions (Rabiner 1989): how likely a sequence is
(the forward algorithm), which state was active at each step (forward-backward posteriors)
and which state *path* is most likely (Viterbi); :meth:`HMM.fit` re-estimates the tables by
Baum-Welch. Everything runs in log space with ``keras.ops.logsumexp`` over a batch of
sequences at once, so it works on any Keras backend and device.

Observations are int arrays: one sequence ``[T]``, a batch ``[B, T]`` padded at the end
with ``-1``, or a list of sequences of different lengths (padded for you). Padded steps are
masked out of every computation.

:class:`HMMLayer` is the same model as a Keras layer whose tables are softmaxes of trainable
logits: it outputs each sequence's log-likelihood, and :func:`hmm_model` wraps it in a
compiled model trained by gradient ascent on that log-likelihood.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import ops

from seqbook.models._common import compile_model

__all__ = ["HMM", "HMMLayer", "hmm_model", "hmm_negative_log_likelihood"]

_TINY = 1e-300  # log(0) is -inf; the floor keeps log space finite (exp(-690) == 0 in practice)


def _float64_scope() -> contextlib.AbstractContextManager:
    """float64 for the recursions on every backend: JAX computes float32 unless told otherwise.

    Sums over thousands of steps lose the monotone Baum-Welch likelihood in float32 (its last
    improvements are below float32's resolution at -3e4), so :class:`HMM` turns on JAX's 64-bit
    mode around its own computations only; the rest of the program keeps JAX's default.
    """
    if keras.backend.backend() != "jax":
        return contextlib.nullcontext()
    import jax  # only on the JAX backend

    return jax.enable_x64(True)


# ------------------------------------------------------------------------------------ core
def _steps(log_emit, mask):
    """Steps 2..T as one time-major tensor ``[T-1, B, K+1]``: emissions, then the mask.

    One tensor, not a tuple: Keras' TensorFlow ``scan`` (3.15) fails on several inputs of
    unknown length.
    """
    both = ops.concatenate([log_emit, ops.cast(mask, log_emit.dtype)[..., None]], axis=-1)
    return ops.moveaxis(both[:, 1:], 1, 0)


def _forward(log_initial, log_transition, log_emit, mask):
    """Forward pass: log alpha ``[B, T, K]`` and log-likelihood ``[B]``.

    ``log_emit[b, t, i] = log P(x_t | z_t = i)``; ``mask[b, t]`` is False on padding, where
    alpha is carried over unchanged, so the last alpha is that of the last real step.
    """
    alpha = log_initial[None, :] + log_emit[:, 0]
    if log_emit.shape[1] == 1:
        return alpha[:, None], ops.logsumexp(alpha, axis=-1)

    def step(previous, inputs):
        emit, keep = inputs[..., :-1], inputs[..., -1] > 0
        new = ops.logsumexp(previous[:, :, None] + log_transition[None], axis=1) + emit
        new = ops.where(keep[:, None], new, previous)
        return new, new

    xs = _steps(log_emit, mask)
    last, alphas = ops.scan(step, alpha, xs)
    alphas = ops.concatenate([alpha[None], alphas], axis=0)
    return ops.moveaxis(alphas, 0, 1), ops.logsumexp(last, axis=-1)


def _backward(log_transition, log_emit, mask):
    """Backward pass: log beta ``[B, T, K]``, with beta = 0 (log 1) after the last real step."""
    end = ops.zeros_like(log_emit[:, 0])
    if log_emit.shape[1] == 1:
        return end[:, None]

    def step(following, inputs):
        emit, keep = inputs[..., :-1], inputs[..., -1] > 0  # of step t + 1
        new = ops.logsumexp(log_transition[None] + (emit + following)[:, None, :], axis=2)
        new = ops.where(keep[:, None], new, following)
        return new, new

    xs = _steps(log_emit, mask)
    _, betas = ops.scan(step, end, xs, reverse=True)
    betas = ops.concatenate([betas, end[None]], axis=0)
    return ops.moveaxis(betas, 0, 1)


def _viterbi(log_initial, log_transition, log_emit, mask):
    """Most likely state paths ``[B, T]`` (padding: -1) and their log-probabilities ``[B]``."""
    delta = log_initial[None, :] + log_emit[:, 0]
    if log_emit.shape[1] == 1:
        best = ops.argmax(delta, axis=-1)
        return ops.where(mask, best[:, None], -1), ops.max(delta, axis=-1)
    identity = ops.zeros_like(delta, dtype="int32") + ops.arange(log_transition.shape[0])[None]

    def step(previous, inputs):
        emit, keep = inputs[..., :-1], inputs[..., -1] > 0
        scores = previous[:, :, None] + log_transition[None]  # [B, from, to]
        pointer = ops.cast(ops.argmax(scores, axis=1), "int32")
        new = ops.max(scores, axis=1) + emit
        new = ops.where(keep[:, None], new, previous)
        pointer = ops.where(keep[:, None], pointer, identity)
        # Keras' TensorFlow scan stacks outputs in the carry's dtype: pass pointers as floats.
        return new, ops.cast(pointer, previous.dtype)

    xs = _steps(log_emit, mask)
    last, pointers = ops.scan(step, delta, xs)  # pointers[t]: best state at t given t + 1
    pointers = ops.cast(pointers, "int32")
    final = ops.cast(ops.argmax(last, axis=-1), "int32")

    def back(state, pointer):
        earlier = ops.take_along_axis(pointer, state[:, None], axis=1)[:, 0]
        return earlier, earlier

    _, earlier_states = ops.scan(back, final, pointers, reverse=True)
    path = ops.concatenate([earlier_states, final[None]], axis=0)
    path = ops.moveaxis(path, 0, 1)
    return ops.where(mask, path, -1), ops.max(last, axis=-1)


def _as_probability_table(name: str, value: Any, shape: tuple[int | None, ...]) -> np.ndarray:
    """Check a probability vector or row-stochastic matrix and return it as float64."""
    table = np.asarray(value, dtype=np.float64)
    if table.ndim != len(shape) or any(s is not None and s != d for s, d in zip(shape, table.shape)):
        wanted = "[" + ", ".join("?" if s is None else str(s) for s in shape) + "]"
        raise ValueError(f"{name} must have shape {wanted}; got shape {list(table.shape)}")
    if table.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {list(table.shape)}")
    if not np.all(np.isfinite(table)):
        raise ValueError(f"{name} must hold finite probabilities; got NaN or infinity")
    if np.any(table < 0):
        raise ValueError(f"{name} must not hold negative probabilities; got min {table.min():g}")
    sums = table.sum(axis=-1)
    if not np.allclose(sums, 1.0, atol=1e-6):
        bad = np.atleast_1d(sums)[~np.isclose(np.atleast_1d(sums), 1.0, atol=1e-6)]
        what = "its rows" if table.ndim == 2 else "it"
        raise ValueError(f"{name}: {what} must sum to 1; got sum(s) {bad[:3].round(6).tolist()}")
    return table


def _prepare_observations(obs: Any, num_symbols: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Return (padded int32 ``[B, T]``, mask ``[B, T]``, whether a single sequence was given)."""
    if isinstance(obs, (list, tuple)) and obs and not np.isscalar(obs[0]):
        rows = [np.asarray(row).ravel() for row in obs]
        if any(len(row) == 0 for row in rows):
            raise ValueError("obs must not contain empty sequences; got one of length 0")
        steps = max(len(row) for row in rows)
        array = np.full((len(rows), steps), -1, dtype=np.int64)
        for i, row in enumerate(rows):
            if row.dtype.kind not in "iu":
                raise ValueError(f"obs must hold integer symbols; got dtype {row.dtype}")
            array[i, : len(row)] = row
        single = False
    else:
        array = np.asarray(obs)
        if array.ndim not in (1, 2):
            raise ValueError(f"obs must be [T] or [B, T] symbols; got shape {list(array.shape)}")
        if array.dtype.kind not in "iu":
            raise ValueError(f"obs must hold integer symbols; got dtype {array.dtype}")
        single = array.ndim == 1
        array = np.atleast_2d(array).astype(np.int64)
    if array.size == 0:
        raise ValueError(f"obs must not be empty; got shape {list(array.shape)}")
    mask = array >= 0
    if np.any(array < -1):
        raise ValueError(f"obs symbols must be in 0..{num_symbols - 1} (-1 = padding); "
                         f"got {int(array.min())}")
    if np.any(array >= num_symbols):
        raise ValueError(f"obs symbols must be in 0..{num_symbols - 1}; got {int(array.max())}")
    if not mask[:, 0].all():
        raise ValueError("obs must not contain empty sequences (a row of only padding)")
    if np.any(mask[:, 1:] & ~mask[:, :-1]):
        raise ValueError("obs padding (-1) must come after the last symbol of each row")
    return array.astype(np.int32), mask, single


# ------------------------------------------------------------------------------------- HMM
class HMM:
    """A discrete hidden Markov model: forward, backward, Viterbi and Baum-Welch in log space.

    Parameters
    ----------
    initial : array-like, shape [K]
        P(first state = i). Non-negative, sums to 1.
    transition : array-like, shape [K, K]
        P(next state = j | state = i). Non-negative, each row sums to 1.
    emission : array-like, shape [K, M]
        P(symbol = m | state = i). Non-negative, each row sums to 1.

    Notes
    -----
    The recursions run in float64 on every backend: on JAX, which computes in float32 by
    default, the class switches on ``jax.enable_x64`` around its own computations only.
    :class:`HMMLayer` follows its ``dtype`` like any Keras layer.

    Raises
    ------
    ValueError
        On a wrong shape, a negative entry or a row that does not sum to 1 (within 1e-6).

    Example
    -------
    >>> hmm = HMM([0.5, 0.5], [[0.9, 0.1], [0.2, 0.8]], [[0.9, 0.1], [0.2, 0.8]])
    >>> hmm.viterbi([0, 0, 1, 1, 1]).tolist()
    [0, 0, 1, 1, 1]
    >>> hmm.posteriors([0, 0, 1]).shape
    (3, 2)
    >>> round(float(hmm.log_likelihood([0, 1])), 4)  # log of a sum over the 4 state paths
    -1.9484
    """

    def __init__(self, initial: Any, transition: Any, emission: Any) -> None:
        self._set(initial, transition, emission)
        self.history_: list[float] = []

    def _set(self, initial: Any, transition: Any, emission: Any) -> None:
        initial = _as_probability_table("initial", initial, (None,))
        states = initial.shape[0]
        self.transition = _as_probability_table("transition", transition, (states, states))
        self.emission = _as_probability_table("emission", emission, (states, None))
        self.initial = initial

    @property
    def num_states(self) -> int:
        """K, the number of hidden states."""
        return self.initial.shape[0]

    @property
    def num_symbols(self) -> int:
        """M, the number of observable symbols."""
        return self.emission.shape[1]

    def _run(self, obs: Any) -> tuple[dict[str, np.ndarray], np.ndarray, bool]:
        """Run every recursion on a batch, compiled by Keras; returns (results, mask, single)."""
        array, mask, single = _prepare_observations(obs, self.num_symbols)
        steps = array.shape[1]
        if steps == 1:  # the compiled loops want at least one transition: pad one step
            array = np.pad(array, ((0, 0), (0, 1)), constant_values=-1)
        with _float64_scope():  # the engine's variables and its compiled step are float64
            engine = _engine(self.num_states, self.num_symbols)
            engine.get_layer("inference").set_tables(self.initial, self.transition,
                                                     self.emission)
            results = engine.predict_on_batch(array)
        for key in ("posteriors", "path"):
            results[key] = results[key][:, :steps]
        return results, mask, single

    def log_likelihood(self, obs: Any) -> np.ndarray | float:
        """log P(obs) by the forward algorithm: a float for one sequence, ``[B]`` for a batch.

        Parameters
        ----------
        obs : array-like of int
            ``[T]``, ``[B, T]`` padded with -1 at the end, or a list of sequences.
        """
        results, _, single = self._run(obs)
        values = np.asarray(results["log_likelihood"], dtype=np.float64)
        return float(values[0]) if single else values

    def posteriors(self, obs: Any) -> np.ndarray:
        """P(z_t = i | obs) by forward-backward: ``[T, K]`` for one sequence, ``[B, T, K]``.

        Padded steps get all-zero rows.
        """
        results, mask, single = self._run(obs)
        gamma = np.asarray(results["posteriors"], dtype=np.float64) * mask[..., None]
        return gamma[0] if single else gamma

    def viterbi(self, obs: Any, return_score: bool = False):
        """The most likely state path: ``[T]`` for one sequence, ``[B, T]`` (padding -1).

        With ``return_score=True`` also returns log P(path, obs) of the best path.
        """
        results, _, single = self._run(obs)
        path = np.asarray(results["path"], dtype=np.int64)
        score = np.asarray(results["path_log_prob"], dtype=np.float64)
        if single:
            path, score = path[0], float(score[0])
        return (path, score) if return_score else path

    def fit(self, obs: Any, n_iter: int = 100, tol: float = 1e-6) -> HMM:
        """Re-estimate the tables by Baum-Welch (expectation-maximisation).

        Each iteration computes the expected state counts under the current tables
        (forward-backward) and sets each table to its normalised expected counts. The
        total log-likelihood never decreases; ``history_`` records it before the first
        update and after each one. Stops after ``n_iter`` updates or when the gain is
        below ``tol``. States or symbols with no expected count keep their old rows.

        Returns
        -------
        HMM
            ``self``, with the re-estimated tables.

        Example
        -------
        >>> truth = HMM([0.5, 0.5], [[0.95, 0.05], [0.1, 0.9]], [[0.9, 0.1], [0.1, 0.9]])
        >>> obs, _ = truth.sample(20, 100, seed=0)
        >>> start = HMM([0.5, 0.5], [[0.6, 0.4], [0.4, 0.6]], [[0.6, 0.4], [0.4, 0.6]])
        >>> start.fit(obs, n_iter=30).transition.round(1).tolist()
        [[0.9, 0.1], [0.1, 0.9]]
        """
        if isinstance(n_iter, bool) or not isinstance(n_iter, int) or n_iter < 1:
            raise ValueError(f"n_iter must be an integer >= 1; got {n_iter!r}")
        self.history_ = []
        for iteration in range(n_iter + 1):
            results, _, _ = self._run(obs)
            total = float(np.sum(results["log_likelihood"]))
            self.history_.append(total)
            if iteration == n_iter or (iteration > 0 and total - self.history_[-2] < tol):
                break
            starts = results["expected_starts"].sum(axis=0)
            self._set(
                starts / starts.sum(),
                _normalise_rows(results["expected_transitions"].sum(axis=0), self.transition),
                _normalise_rows(results["expected_emissions"].sum(axis=0), self.emission),
            )
        return self

    def sample(
        self, num_sequences: int, sequence_length: int, seed: int = 0
    ) -> tuple[np.ndarray, np.ndarray]:
        """Draw sequences: ``(observations, states)``, both int
        ``[num_sequences, sequence_length]``.

        Example
        -------
        >>> hmm = HMM([1.0, 0.0], [[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]])
        >>> obs, states = hmm.sample(1, 4)
        >>> obs.tolist(), states.tolist()
        ([[0, 1, 0, 1]], [[0, 1, 0, 1]])
        """
        for name, value in (("num_sequences", num_sequences), ("sequence_length", sequence_length)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1; got {value!r}")
        rng = np.random.default_rng(seed)

        def draw(rows: np.ndarray) -> np.ndarray:
            cumulative = np.cumsum(rows, axis=-1)
            u = rng.random((rows.shape[0], 1)) * cumulative[:, -1:]
            return np.minimum((u >= cumulative).sum(-1), rows.shape[-1] - 1)

        states = np.zeros((num_sequences, sequence_length), np.int64)
        states[:, 0] = draw(np.broadcast_to(self.initial, (num_sequences, self.num_states)))
        for t in range(1, sequence_length):
            states[:, t] = draw(self.transition[states[:, t - 1]])
        obs = np.stack([draw(self.emission[states[:, t]]) for t in range(sequence_length)], axis=1)
        return obs, states

    @classmethod
    def random(cls, num_states: int, num_symbols: int, seed: int = 0) -> HMM:
        """An HMM with random tables (each row drawn from a flat Dirichlet).

        Example
        -------
        >>> HMM.random(3, 4).emission.shape
        (3, 4)
        """
        rng = np.random.default_rng(seed)
        return cls(
            rng.dirichlet(np.ones(num_states)),
            rng.dirichlet(np.ones(num_states), size=num_states),
            rng.dirichlet(np.ones(num_symbols), size=num_states),
        )

    def __repr__(self) -> str:
        return f"HMM(num_states={self.num_states}, num_symbols={self.num_symbols})"


def _normalise_rows(counts: np.ndarray, old: np.ndarray) -> np.ndarray:
    sums = counts.sum(axis=1, keepdims=True)
    return np.where(sums > 0, counts / np.where(sums > 0, sums, 1.0), old)


class _Inference(keras.layers.Layer):
    """Every recursion of :class:`HMM` in one float64 layer, so Keras compiles it as a graph.

    Run eagerly, each of the ``T`` steps of a recursion would be dispatched op by op from
    Python; inside ``predict_on_batch`` the loops of ``keras.ops.scan`` run compiled.
    """

    def __init__(self, num_states: int, num_symbols: int, **kwargs):
        super().__init__(dtype="float64", **kwargs)
        k, m = num_states, num_symbols
        self.num_symbols = m
        self.log_initial = self.add_weight(shape=(k,), trainable=False, name="log_initial")
        self.log_transition = self.add_weight(shape=(k, k), trainable=False, name="log_transition")
        self.log_emission = self.add_weight(shape=(k, m), trainable=False, name="log_emission")

    def set_tables(self, initial, transition, emission) -> None:
        for weight, table in zip(
            (self.log_initial, self.log_transition, self.log_emission),
            (initial, transition, emission),
        ):
            weight.assign(np.log(np.maximum(table, _TINY)))

    def compute_output_spec(self, obs):
        batch, steps = obs.shape
        k, m = self.log_emission.shape

        def spec(shape, dtype="float64"):
            return keras.KerasTensor(shape, dtype=dtype)

        return {
            "log_likelihood": spec((batch,)),
            "posteriors": spec((batch, steps, k)),
            "path": spec((batch, steps), "int32"),
            "path_log_prob": spec((batch,)),
            "expected_starts": spec((batch, k)),
            "expected_transitions": spec((batch, k, k)),
            "expected_emissions": spec((batch, k, m)),
        }

    def call(self, obs):
        obs = ops.cast(obs, "int32")
        mask = obs >= 0
        symbols = ops.maximum(obs, 0)  # padding reads symbol 0, masked out everywhere
        log_transition = self.log_transition
        log_emit = ops.take(ops.transpose(self.log_emission), symbols, axis=0)  # [B, T, K]
        alpha, log_likelihood = _forward(self.log_initial, log_transition, log_emit, mask)
        beta = _backward(log_transition, log_emit, mask)
        path, path_log_prob = _viterbi(self.log_initial, log_transition, log_emit, mask)
        weights = ops.cast(mask, alpha.dtype)
        ll = log_likelihood[:, None, None]
        gamma = ops.exp(alpha + beta - ll) * weights[..., None]  # [B, T, K]
        # Expected transitions i -> j between real steps t and t + 1: [B, T-1, K, K].
        xi = ops.exp(
            alpha[:, :-1, :, None]
            + log_transition[None, None]
            + (log_emit[:, 1:] + beta[:, 1:])[:, :, None, :]
            - ll[..., None]
        ) * weights[:, 1:, None, None]
        one_hot = ops.one_hot(symbols, self.num_symbols, dtype=alpha.dtype) * weights[..., None]
        return {
            "log_likelihood": log_likelihood,
            "posteriors": gamma,
            "path": path,
            "path_log_prob": path_log_prob,
            "expected_starts": gamma[:, 0],
            "expected_transitions": ops.sum(xi, axis=1),
            "expected_emissions": ops.einsum("btk,btm->bkm", gamma, one_hot),
        }


_ENGINES: dict[tuple[int, int], keras.Model] = {}


def _engine(num_states: int, num_symbols: int) -> keras.Model:
    """A Keras model around :class:`_Inference`, one per table size, reused by every HMM."""
    key = (num_states, num_symbols)
    if key not in _ENGINES:
        symbols = keras.Input(shape=(None,), dtype="int32")
        layer = _Inference(num_states, num_symbols, name="inference")
        _ENGINES[key] = keras.Model(symbols, layer(symbols))
    return _ENGINES[key]


# ------------------------------------------------------------------------------ Keras layer
@keras.saving.register_keras_serializable(package="seqbook")
class HMMLayer(keras.layers.Layer):
    """An HMM as a Keras layer: maps symbol sequences to their log-likelihoods.

    The tables are softmaxes of unconstrained trainable logits, so any gradient step keeps
    them valid probabilities; maximising the output by gradient ascent fits the HMM, like
    Baum-Welch but with any optimiser and inside any larger model.

    Parameters
    ----------
    num_states : int
        K, the number of hidden states.
    num_symbols : int
        M, the number of symbols.
    seed : int, optional
        Seed of the random initial logits (normal, standard deviation 1).

    Call arguments
    --------------
    inputs : int tensor ``[B, T]``
        Symbols, padded at the end with -1.

    Returns
    -------
    float tensor ``[B]``
        log P(sequence) under the current tables.

    Example
    -------
    >>> layer = HMMLayer(num_states=2, num_symbols=3, seed=0)
    >>> tuple(layer(np.array([[0, 1, 2, -1]])).shape)
    (1,)
    """

    def __init__(self, num_states: int, num_symbols: int, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("num_states", num_states), ("num_symbols", num_symbols)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer; got {value!r}")
        self.num_states = num_states
        self.num_symbols = num_symbols
        self.seed = seed
        init = keras.initializers.RandomNormal(stddev=1.0, seed=seed)
        k, m = num_states, num_symbols
        self.initial_logits = self.add_weight(shape=(k,), initializer=init, name="initial_logits")
        self.transition_logits = self.add_weight(
            shape=(k, k), initializer=init, name="transition_logits"
        )
        self.emission_logits = self.add_weight(
            shape=(k, m), initializer=init, name="emission_logits"
        )

    def call(self, inputs):
        obs = ops.cast(inputs, "int32")
        mask = obs >= 0
        log_initial = ops.log_softmax(self.initial_logits)
        log_transition = ops.log_softmax(self.transition_logits, axis=-1)
        log_emission = ops.log_softmax(self.emission_logits, axis=-1)
        log_emit = ops.take(ops.transpose(log_emission), ops.maximum(obs, 0), axis=0)
        _, log_likelihood = _forward(log_initial, log_transition, log_emit, mask)
        return log_likelihood

    def compute_output_shape(self, input_shape):
        return (input_shape[0],)

    def to_hmm(self) -> HMM:
        """The current tables as an :class:`HMM` (float64, rows renormalised)."""

        def softmax(logits):
            values = np.asarray(ops.convert_to_numpy(logits), dtype=np.float64)
            values = np.exp(values - values.max(axis=-1, keepdims=True))
            return values / values.sum(axis=-1, keepdims=True)

        return HMM(
            softmax(self.initial_logits),
            softmax(self.transition_logits),
            softmax(self.emission_logits),
        )

    def set_from_hmm(self, hmm: HMM) -> None:
        """Set the logits so that the layer's tables equal ``hmm``'s."""
        if (hmm.num_states, hmm.num_symbols) != (self.num_states, self.num_symbols):
            raise ValueError(
                f"hmm must have {self.num_states} states and {self.num_symbols} symbols; "
                f"got {hmm.num_states} and {hmm.num_symbols}"
            )
        self.initial_logits.assign(np.log(np.maximum(hmm.initial, 1e-30)))
        self.transition_logits.assign(np.log(np.maximum(hmm.transition, 1e-30)))
        self.emission_logits.assign(np.log(np.maximum(hmm.emission, 1e-30)))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(num_states=self.num_states, num_symbols=self.num_symbols, seed=self.seed)
        return config


@keras.saving.register_keras_serializable(package="seqbook")
def hmm_negative_log_likelihood(y_true, y_pred):
    """Loss for an :class:`HMMLayer` output: minus the log-likelihood (``y_true`` is ignored)."""
    return -ops.cast(y_pred, "float32") + 0.0 * ops.cast(ops.reshape(y_true, (-1,)), "float32")


def hmm_model(
    num_states: int,
    num_symbols: int,
    sequence_length: int | None = None,
    learning_rate: float = 0.05,
    seed: int | None = None,
) -> keras.Model:
    """A compiled Keras model around :class:`HMMLayer`, trained by gradient ascent.

    Train it with ``model.fit(obs, np.zeros(len(obs)))``: the targets are ignored and the
    loss is the mean negative log-likelihood per sequence. The layer computes in float32.
    A fixed ``sequence_length`` (pad with -1 to it) gives static shapes, as TPUs want. The model
    compiles without XLA: XLA cannot differentiate the loop of Keras' TensorFlow ``scan``.

    Example
    -------
    >>> model = hmm_model(num_states=2, num_symbols=6, seed=0)
    >>> model.output_shape
    (None,)
    """
    if sequence_length is not None and (
        isinstance(sequence_length, bool)
        or not isinstance(sequence_length, int)
        or sequence_length < 2
    ):
        raise ValueError(
            f"sequence_length must be an integer >= 2 or None; got {sequence_length!r}"
        )
    symbols = keras.Input(shape=(sequence_length,), dtype="int32", name="symbols")
    layer = HMMLayer(num_states, num_symbols, seed=seed, dtype="float32", name="hmm")
    model = keras.Model(symbols, layer(symbols), name="hmm")
    # XLA cannot differentiate the loop of the TensorFlow scan (Keras 3.15).
    return compile_model(model, hmm_negative_log_likelihood, learning_rate=learning_rate,
                         supports_xla=False)
