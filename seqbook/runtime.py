"""Where a chapter runs: device strategy, precision policy and size profile.

Every chapter starts with ``strategy = runtime.setup()`` and builds its models inside
``strategy.scope()``. The same code then runs on a CPU laptop, a GPU or a Colab TPU:

* a TPU (found through ``TPUClusterResolver(tpu="local")``) gets a ``TPUStrategy`` and the
  ``mixed_bfloat16`` policy;
* one or more GPUs get a ``MirroredStrategy``, memory growth and ``mixed_float16``;
* a CPU gets TensorFlow's default strategy and plain ``float32``.

Whether models compile with XLA is decided here too, once: :func:`xla_enabled`.

Sizes (epochs, data set sizes, model widths) follow :func:`profile`: ``"cpu"`` keeps every
chapter under a minute on two cores, ``"accelerator"`` runs the larger experiments. The
environment variable ``SEQBOOK_PROFILE`` overrides the detected profile.

This module is TensorFlow-specific on purpose (strategies are a TensorFlow notion); models
and layers elsewhere in the package only use ``keras.ops``.
"""

from __future__ import annotations

import os
from typing import Any, TypeVar

import keras
import tensorflow as tf

__all__ = [
    "PROFILES",
    "XLA_SWITCH",
    "accelerator",
    "describe",
    "pick",
    "precision_policy",
    "profile",
    "setup",
    "strategy",
    "xla_enabled",
]

PROFILES = ("cpu", "accelerator")
_T = TypeVar("_T")
_strategy_cache: dict[str, tf.distribute.Strategy] = {}


def _has_tpu_hint() -> bool:
    """Whether this machine may have a TPU, checked without touching the network.

    ``TPUClusterResolver`` on a machine with no TPU can wait on a metadata server, so it is
    only asked when the environment says a TPU is there: Colab and Cloud TPU VMs set one of
    these variables or expose ``/dev/accel*`` / ``/dev/vfio`` devices.
    """
    if any(os.environ.get(name) for name in ("TPU_NAME", "COLAB_TPU_ADDR", "TPU_ACCELERATOR_TYPE")):
        return True
    return os.path.exists("/dev/accel0") or os.path.exists("/dev/vfio/0")


def _connect_tpu() -> tf.distribute.cluster_resolver.TPUClusterResolver | None:
    """Return an initialised TPU resolver, or ``None`` if there is no usable TPU."""
    if not _has_tpu_hint():
        return None
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu="local")
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError):
        return None
    return resolver


def accelerator() -> str:
    """Name the accelerator that TensorFlow can use: ``"tpu"``, ``"gpu"`` or ``"cpu"``.

    Example
    -------
    >>> accelerator() in ("tpu", "gpu", "cpu")
    True
    """
    chosen = _strategy_cache.get("strategy")
    if isinstance(chosen, tf.distribute.TPUStrategy):
        return "tpu"
    if chosen is None and _has_tpu_hint():
        # Not connected yet: trust the hint rather than start the TPU system just to ask.
        return "tpu"
    if tf.config.list_physical_devices("GPU"):
        return "gpu"
    return "cpu"


def profile() -> str:
    """The size profile: ``"cpu"`` or ``"accelerator"``.

    Read at each call: ``SEQBOOK_PROFILE`` wins when it is set, otherwise the profile follows
    :func:`accelerator`.

    Raises
    ------
    ValueError
        If ``SEQBOOK_PROFILE`` holds anything but one of :data:`PROFILES`.

    Example
    -------
    >>> profile() in PROFILES
    True
    """
    value = os.environ.get("SEQBOOK_PROFILE", "").strip().lower()
    if value:
        if value not in PROFILES:
            raise ValueError(
                f"SEQBOOK_PROFILE must be one of {', '.join(PROFILES)}; got {value!r}"
            )
        return value
    return "cpu" if accelerator() == "cpu" else "accelerator"


def pick(cpu: _T, accelerator: _T) -> _T:  # noqa: A002 - mirrors the profile names
    """Choose a value by profile: the same code, different sizes.

    Example
    -------
    >>> epochs = pick(cpu=5, accelerator=50)  # 5 unless SEQBOOK_PROFILE=accelerator or a GPU/TPU
    >>> epochs in (5, 50)
    True
    """
    return accelerator if profile() == "accelerator" else cpu


def precision_policy(device: str | None = None) -> str:
    """The mixed precision policy for a device: bf16 on TPU, fp16 on GPU, float32 on CPU.

    Parameters
    ----------
    device : {"tpu", "gpu", "cpu"}, optional
        Defaults to :func:`accelerator`.

    Example
    -------
    >>> precision_policy("tpu"), precision_policy("gpu"), precision_policy("cpu")
    ('mixed_bfloat16', 'mixed_float16', 'float32')
    """
    device = accelerator() if device is None else device
    policies = {"tpu": "mixed_bfloat16", "gpu": "mixed_float16", "cpu": "float32"}
    if device not in policies:
        raise ValueError(f"device must be one of {', '.join(policies)}; got {device!r}")
    return policies[device]


def _enable_gpu_memory_growth() -> None:
    """Let TensorFlow take GPU memory as it needs it instead of all of it at start-up."""
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:
            # The GPU was initialised already (e.g. a second call in a notebook): growth
            # can only be set before that, and the first call did it.
            pass


def strategy() -> tf.distribute.Strategy:
    """The distribution strategy for this machine, created once and then reused.

    TPU -> ``TPUStrategy``; one or more GPUs -> ``MirroredStrategy``; otherwise TensorFlow's
    default strategy, whose ``scope()`` costs nothing.

    Example
    -------
    >>> with strategy().scope():
    ...     layer = keras.layers.Dense(1)
    """
    if "strategy" in _strategy_cache:
        return _strategy_cache["strategy"]
    resolver = _connect_tpu()
    if resolver is not None:
        chosen: tf.distribute.Strategy = tf.distribute.TPUStrategy(resolver)
    elif tf.config.list_physical_devices("GPU"):
        _enable_gpu_memory_growth()
        chosen = tf.distribute.MirroredStrategy()
    else:
        chosen = tf.distribute.get_strategy()
    _strategy_cache["strategy"] = chosen
    return chosen


XLA_SWITCH = "SEQBOOK_XLA"
_XLA_VALUES = {"on": True, "off": False, "auto": None}


def xla_enabled(strategy: tf.distribute.Strategy | None = None) -> bool:
    """Whether models compile with XLA (``jit_compile``): the package's one XLA policy.

    Every builder (through ``seqbook.models.compile_model``) and every chapter asks this
    function; nothing else sets ``jit_compile``. The rule, by device:

    * **GPU and TPU: on.** XLA fuses the small kernels of attention and recurrent steps, and
      TPUs need compiled programs anyway.
    * **CPU: off**, in both profiles. Measured on the reference machine (2 cores;
      ``benchmarks/xla_policy.py``, an LSTM, a dilated CNN and a two-block Transformer):
      compiling adds 1.4-2.3 s to the first ``fit`` of each model; at the CPU profile's
      sizes a steady epoch then runs 1.3-1.4x faster, which repays the compilation only
      after 20-80 epochs of 1,024 examples, and at four times those sizes XLA is slower
      (0.7-1.0x). Chapters train each model for a few to a few dozen short epochs, so XLA
      would make them slower.
    * **Replicas on logical CPU devices: off** (the ``MirroredStrategy`` over two CPU
      devices that the tests use): XLA's CPU compiler places a step on one device and then
      cannot read the other replicas' variables (TensorFlow's XLA known issue
      "tf.Variable on a different device").

    The one switch: the environment variable ``SEQBOOK_XLA`` set to ``on`` or ``off`` forces
    XLA either way (``auto``, or unset, applies the rule). It is read at each call, so set it
    before building the models.

    Parameters
    ----------
    strategy : tf.distribute.Strategy, optional
        Defaults to the strategy of the current scope.

    Raises
    ------
    ValueError
        If ``SEQBOOK_XLA`` holds anything but ``on``, ``off`` or ``auto``.

    Example
    -------
    >>> xla_enabled() == (accelerator() != "cpu")  # with SEQBOOK_XLA unset
    True
    """
    value = os.environ.get(XLA_SWITCH, "auto").strip().lower() or "auto"
    if value not in _XLA_VALUES:
        raise ValueError(f"{XLA_SWITCH} must be one of on, off, auto; got {value!r}")
    if _XLA_VALUES[value] is not None:
        return _XLA_VALUES[value]
    current = tf.distribute.get_strategy() if strategy is None else strategy
    if isinstance(current, tf.distribute.MirroredStrategy):
        devices = current.extended.worker_devices
        if len(devices) > 1 and all(":CPU:" in device.upper() for device in devices):
            return False
    return accelerator() != "cpu"


def setup(mixed_precision: bool = True, seed: int | None = 0) -> tf.distribute.Strategy:
    """Prepare a chapter: strategy, precision policy and random seed, in one call.

    Parameters
    ----------
    mixed_precision : bool
        Apply :func:`precision_policy` globally (float32 on a CPU either way).
    seed : int or None
        Passed to ``keras.utils.set_random_seed`` so that a chapter's numbers repeat.

    Returns
    -------
    tf.distribute.Strategy
        Build models inside its ``scope()``.

    Example
    -------
    >>> chosen = setup(seed=0)
    >>> describe()["precision"] in ("float32", "mixed_float16", "mixed_bfloat16")
    True
    """
    chosen = strategy()
    device = "tpu" if isinstance(chosen, tf.distribute.TPUStrategy) else accelerator()
    keras.mixed_precision.set_global_policy(
        precision_policy(device) if mixed_precision else "float32"
    )
    if seed is not None:
        keras.utils.set_random_seed(seed)
    return chosen


def describe() -> dict[str, Any]:
    """What the runtime picked: backend, devices, strategy, precision policy, profile, XLA.

    Example
    -------
    >>> sorted(describe())
    ['backend', 'devices', 'precision', 'profile', 'replicas', 'strategy', 'xla']
    """
    chosen = strategy()
    return {
        "backend": keras.backend.backend(),
        "devices": [device.name for device in tf.config.list_logical_devices()],
        "strategy": type(chosen).__name__,
        "replicas": chosen.num_replicas_in_sync,
        "precision": keras.mixed_precision.global_policy().name,
        "profile": profile(),
        "xla": xla_enabled(chosen),
    }
