"""Where a chapter runs: device strategy, precision policy and size profile.

Every chapter starts with ``strategy = runtime.setup()`` and builds its models inside
``strategy.scope()``. The same code then runs on a CPU laptop, a GPU or a Colab TPU, under
either Keras backend.

With TensorFlow (the default backend):

* a TPU (found through ``TPUClusterResolver(tpu="local")``) gets a ``TPUStrategy`` and the
  ``mixed_bfloat16`` policy;
* one or more GPUs get a ``MirroredStrategy``, memory growth and ``mixed_float16``;
* a CPU gets TensorFlow's default strategy and plain ``float32``.

With JAX (``KERAS_BACKEND=jax``; the backend Keras develops its TPU and multi-host support
on): the devices come from ``jax.devices()``, and more than one of them (GPUs, TPU cores, or
CPU devices asked for with ``jax.config.update("jax_num_cpu_devices", N)``) gets a
``keras.distribution.DataParallel`` over all of them, or a ``ModelParallel`` when
:func:`setup` is given a ``layout_map``. The object returned, a :class:`JaxStrategy`, has the
two members the chapters use, ``scope()`` and ``num_replicas_in_sync``, so a chapter does not
change. :mod:`seqbook.distributed` starts several JAX processes that train one model.

Whether models compile with XLA is decided here too, once: :func:`xla_enabled`.

Sizes (epochs, data set sizes, model widths) follow :func:`profile`: ``"cpu"`` keeps every
chapter under a minute on two cores, ``"accelerator"`` runs the larger experiments. The
environment variable ``SEQBOOK_PROFILE`` overrides the detected profile.

Device placement is the one place where the backends differ, so it lives here (and data
pipelines, which stay ``tf.data`` under both backends, in :mod:`seqbook.data`); models and
layers elsewhere in the package only use ``keras.ops``.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any, TypeVar

import keras
import tensorflow as tf

__all__ = [
    "PROFILES",
    "XLA_SWITCH",
    "JaxStrategy",
    "accelerator",
    "backend",
    "describe",
    "pick",
    "precision_policy",
    "profile",
    "replicas",
    "setup",
    "strategy",
    "xla_enabled",
]

PROFILES = ("cpu", "accelerator")
_T = TypeVar("_T")
_strategy_cache: dict[str, Any] = {}


def backend() -> str:
    """The Keras backend in use, ``"tensorflow"`` or ``"jax"`` (set by ``KERAS_BACKEND``).

    Example
    -------
    >>> backend() in ("tensorflow", "jax")
    True
    """
    return keras.backend.backend()


def _on_jax() -> bool:
    return backend() == "jax"


class JaxStrategy:
    """What a chapter needs of a strategy, on the JAX backend: ``scope()`` and a replica count.

    It wraps a ``keras.distribution`` (``DataParallel`` or ``ModelParallel``), or ``None`` on
    a single device. :func:`setup` also makes the distribution Keras' global one, so that
    ``fit`` shards every batch over the devices whether or not it runs inside ``scope()``.

    Parameters
    ----------
    distribution : keras.distribution.DataParallel or ModelParallel, optional
        ``None`` for one device.
    devices : list
        The JAX devices it spans.
    """

    def __init__(self, distribution: Any, devices: list) -> None:
        self.distribution = distribution
        self.devices = list(devices)

    @property
    def num_replicas_in_sync(self) -> int:
        """How many ways a batch is split: the size of the mesh's batch axis (1 without one)."""
        if self.distribution is None:
            return 1
        mesh = self.distribution.device_mesh
        axis = mesh.axis_names.index(self.distribution.batch_dim_name)
        return int(mesh.shape[axis])

    def scope(self) -> Any:
        """A context in which variables are created with the distribution's layouts."""
        if self.distribution is None:
            return contextlib.nullcontext()
        return self.distribution.scope()

    def __repr__(self) -> str:
        kind = type(self.distribution).__name__ if self.distribution else "single device"
        return f"JaxStrategy({kind}, {len(self.devices)} device(s))"


def _jax_devices() -> list:
    import jax  # only on the JAX backend: TensorFlow users need not install it

    return jax.devices()


def _jax_strategy(layout_map: Any = None) -> JaxStrategy:
    """A JaxStrategy over every visible device: DataParallel, or ModelParallel on request."""
    devices = _jax_devices()
    if layout_map is not None:
        distribution = keras.distribution.ModelParallel(
            layout_map=layout_map, batch_dim_name=layout_map.device_mesh.axis_names[0]
        )
    elif len(devices) > 1:
        distribution = keras.distribution.DataParallel(devices=devices)
    else:
        distribution = None
    return JaxStrategy(distribution, devices)


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
    """Name the accelerator that the backend can use: ``"tpu"``, ``"gpu"`` or ``"cpu"``.

    On JAX it is the platform of ``jax.devices()``; on TensorFlow a TPU is looked for only
    where the environment hints at one (see ``_has_tpu_hint``), then GPUs.

    Example
    -------
    >>> accelerator() in ("tpu", "gpu", "cpu")
    True
    """
    if _on_jax():
        platform = _jax_devices()[0].platform.lower()
        return platform if platform in ("tpu", "gpu") else "cpu"
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


def strategy() -> Any:
    """The distribution strategy for this machine, created once and then reused.

    TensorFlow: TPU -> ``TPUStrategy``; one or more GPUs -> ``MirroredStrategy``; otherwise
    TensorFlow's default strategy, whose ``scope()`` costs nothing. JAX: a
    :class:`JaxStrategy`, data-parallel over the devices when there are several.

    Example
    -------
    >>> with strategy().scope():
    ...     layer = keras.layers.Dense(1)
    """
    if "strategy" in _strategy_cache:
        return _strategy_cache["strategy"]
    if _on_jax():
        _strategy_cache["strategy"] = _jax_strategy()
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


def replicas(strategy: Any = None) -> int:
    """How many replicas split each batch: a batch size must be a multiple of it.

    Parameters
    ----------
    strategy : tf.distribute.Strategy or JaxStrategy, optional
        Defaults to the current one: the strategy of the current ``scope()`` on TensorFlow,
        Keras' current distribution on JAX.

    Example
    -------
    >>> replicas() >= 1
    True
    """
    if strategy is not None:
        return int(strategy.num_replicas_in_sync)
    if _on_jax():
        current = keras.distribution.distribution()
        return JaxStrategy(current, []).num_replicas_in_sync if current is not None else 1
    return int(tf.distribute.get_strategy().num_replicas_in_sync)


def xla_enabled(strategy: Any = None) -> bool:
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
    * **JAX: on**, on every device. JAX has no graph mode without XLA: a model that does not
      compile runs eagerly, one operation at a time, many times slower. Compiled, a steady
      training step on the reference CPU took 0.54x TensorFlow's time for an LSTM, 0.69x
      for a TCN and 1.57x for a two-block Transformer (``benchmarks/backends.py``, CPU
      profile sizes; TensorFlow with XLA: 0.72x, 0.99x, 0.85x).

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
    >>> xla_enabled() == (backend() == "jax" or accelerator() != "cpu")  # SEQBOOK_XLA unset
    True
    """
    value = os.environ.get(XLA_SWITCH, "auto").strip().lower() or "auto"
    if value not in _XLA_VALUES:
        raise ValueError(f"{XLA_SWITCH} must be one of on, off, auto; got {value!r}")
    if _XLA_VALUES[value] is not None:
        return _XLA_VALUES[value]
    if _on_jax():
        return True
    current = tf.distribute.get_strategy() if strategy is None else strategy
    if isinstance(current, tf.distribute.MirroredStrategy):
        devices = current.extended.worker_devices
        if len(devices) > 1 and all(":CPU:" in device.upper() for device in devices):
            return False
    return accelerator() != "cpu"


def setup(mixed_precision: bool = True, seed: int | None = 0, layout_map: Any = None) -> Any:
    """Prepare a chapter: strategy, precision policy and random seed, in one call.

    Parameters
    ----------
    mixed_precision : bool
        Apply :func:`precision_policy` globally (float32 on a CPU either way).
    seed : int or None
        Passed to ``keras.utils.set_random_seed`` so that a chapter's numbers repeat.
    layout_map : keras.distribution.LayoutMap, optional
        JAX only: shard the variables it names over its device mesh (a ``ModelParallel``
        whose batch axis is the mesh's first axis) instead of replicating them.

    Returns
    -------
    tf.distribute.Strategy or JaxStrategy
        Build models inside its ``scope()``.

    Raises
    ------
    ValueError
        If ``layout_map`` is given on the TensorFlow backend.

    Example
    -------
    >>> chosen = setup(seed=0)
    >>> describe()["precision"] in ("float32", "mixed_float16", "mixed_bfloat16")
    True
    """
    if layout_map is not None and not _on_jax():
        raise ValueError("layout_map needs the JAX backend (KERAS_BACKEND=jax); "
                         f"this process runs {backend()!r}")
    if _on_jax():
        if layout_map is not None:
            _strategy_cache["strategy"] = _jax_strategy(layout_map)
        chosen = strategy()
        keras.distribution.set_distribution(chosen.distribution)
        device = accelerator()
    else:
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
    if _on_jax():
        devices = [f"{device.platform}:{device.id}" for device in _jax_devices()]
        name = type(chosen.distribution).__name__ if chosen.distribution else "SingleDevice"
    else:
        devices = [device.name for device in tf.config.list_logical_devices()]
        name = type(chosen).__name__
    return {
        "backend": backend(),
        "devices": devices,
        "strategy": name,
        "replicas": chosen.num_replicas_in_sync,
        "precision": keras.mixed_precision.global_policy().name,
        "profile": profile(),
        "xla": xla_enabled(chosen),
    }
