"""seqbook.runtime on a CPU-only machine: detection, profiles, strategies and precision.

The root conftest.py splits the CPU into two logical devices, so MirroredStrategy can be
exercised here the way it runs over two GPUs.
"""

import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from seqbook import models, runtime


@pytest.fixture
def float32_policy():
    yield
    keras.mixed_precision.set_global_policy("float32")


def test_cpu_machine_detected_as_cpu(monkeypatch):
    monkeypatch.delenv("SEQBOOK_PROFILE", raising=False)
    for name in ("TPU_NAME", "COLAB_TPU_ADDR", "TPU_ACCELERATOR_TYPE"):
        monkeypatch.delenv(name, raising=False)
    assert runtime.accelerator() == "cpu"
    assert runtime.profile() == "cpu"
    assert runtime.precision_policy() == "float32"


def test_profile_env_override_read_at_each_call(monkeypatch):
    monkeypatch.setenv("SEQBOOK_PROFILE", "accelerator")
    assert runtime.profile() == "accelerator"
    assert runtime.pick(cpu=1, accelerator=2) == 2
    monkeypatch.setenv("SEQBOOK_PROFILE", "cpu")
    assert runtime.profile() == "cpu"
    assert runtime.pick(cpu=1, accelerator=2) == 1


def test_bad_profile_names_the_valid_ones(monkeypatch):
    monkeypatch.setenv("SEQBOOK_PROFILE", "gpu")
    with pytest.raises(ValueError, match="cpu, accelerator.*'gpu'"):
        runtime.profile()


def test_precision_policy_per_device():
    assert runtime.precision_policy("tpu") == "mixed_bfloat16"
    assert runtime.precision_policy("gpu") == "mixed_float16"
    assert runtime.precision_policy("cpu") == "float32"
    with pytest.raises(ValueError, match="device"):
        runtime.precision_policy("npu")


@pytest.mark.tensorflow_only  # TensorFlow's TPU cluster resolver
def test_no_tpu_probe_without_a_hint(monkeypatch):
    """With no TPU hint the resolver is never asked, so a CPU machine cannot hang on it."""
    for name in ("TPU_NAME", "COLAB_TPU_ADDR", "TPU_ACCELERATOR_TYPE"):
        monkeypatch.delenv(name, raising=False)
    start = time.perf_counter()
    assert runtime._connect_tpu() is None
    assert time.perf_counter() - start < 1.0


@pytest.mark.tensorflow_only  # tf.distribute; JAX: test_jax_runtime.py
def test_strategy_on_cpu_is_the_default_one():
    chosen = runtime.strategy()
    assert chosen is runtime.strategy()  # created once
    assert not isinstance(chosen, (tf.distribute.MirroredStrategy, tf.distribute.TPUStrategy))
    assert chosen.num_replicas_in_sync == 1


@pytest.mark.tensorflow_only  # JAX: test_jax_runtime.py
def test_setup_and_describe(float32_policy):
    chosen = runtime.setup(seed=3)
    info = runtime.describe()
    assert chosen is runtime.strategy()
    assert info["backend"] == "tensorflow"
    assert info["precision"] == "float32"
    assert info["profile"] == "cpu"
    assert info["replicas"] == 1
    assert any("CPU" in device for device in info["devices"])


def _regression_data(n=256, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8, 3)).astype("float32")
    y = x.sum(axis=(1, 2), keepdims=False)[:, None].astype("float32") * 0.1
    return x, y


def _small_model():
    return models.recurrent_forecaster(window=8, features=3, units=8)


def test_trains_under_mirrored_strategy_on_two_logical_cpus(two_cpu_strategy):
    mirrored = two_cpu_strategy
    assert mirrored.num_replicas_in_sync == 2
    x, y = _regression_data()
    with mirrored.scope():
        model = _small_model()
    # TensorFlow's XLA cannot span logical devices of one CPU (real GPU replicas keep it);
    # JAX always compiles (xla_enabled).
    assert model.jit_compile is runtime.xla_enabled(mirrored)
    history = model.fit(x, y, batch_size=32, epochs=5, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


def test_xla_and_mixed_bfloat16_keep_float32_outputs(float32_policy, force_xla):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    x, y = _regression_data()
    model = _small_model()
    assert model.jit_compile is True
    assert model.layers[1].compute_dtype == "bfloat16"  # the GRU computes in bf16
    history = model.fit(x, y, batch_size=32, epochs=5, verbose=0)
    prediction = model(x[:4])
    assert prediction.dtype == "float32"
    assert np.all(np.isfinite(history.history["loss"]))
    assert history.history["loss"][-1] < history.history["loss"][0]


@pytest.mark.tensorflow_only  # tf.distribute strategies
def test_xla_policy_by_device(monkeypatch, two_cpu_strategy):
    monkeypatch.delenv("SEQBOOK_XLA", raising=False)
    default = tf.distribute.get_strategy()
    assert runtime.xla_enabled(default) is False  # a CPU: compiling costs more than it saves
    assert runtime.describe()["xla"] is False
    monkeypatch.setattr(runtime, "accelerator", lambda: "gpu")
    assert runtime.xla_enabled(default) is True
    assert runtime.xla_enabled(tf.distribute.MirroredStrategy(["/cpu:0"])) is True
    # Replicas on logical devices of one CPU: XLA cannot read the other replicas' variables.
    assert runtime.xla_enabled(two_cpu_strategy) is False


def test_xla_switch_forces_either_way(monkeypatch):
    monkeypatch.setenv("SEQBOOK_XLA", "on")
    assert runtime.xla_enabled() is True
    assert models.recurrent_forecaster(window=8, features=3, units=8).jit_compile is True
    monkeypatch.setenv("SEQBOOK_XLA", " OFF ")
    monkeypatch.setattr(runtime, "accelerator", lambda: "tpu")
    assert runtime.xla_enabled() is False
    monkeypatch.setenv("SEQBOOK_XLA", "auto")
    assert runtime.xla_enabled() is True
    monkeypatch.setenv("SEQBOOK_XLA", "yes")
    with pytest.raises(ValueError, match="SEQBOOK_XLA.*on, off, auto.*'yes'"):
        runtime.xla_enabled()


def test_compile_model_follows_the_policy_and_refuses_bad_input(monkeypatch):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    monkeypatch.setenv("SEQBOOK_XLA", "on")
    assert models.compile_model(model, "mse").jit_compile is True
    # supports_xla=False marks TensorFlow's XLA limits; JAX compiles every model anyway.
    compiled = models.compile_model(model, "mse", supports_xla=False)
    assert compiled.jit_compile is (runtime.backend() == "jax")
    sgd = keras.optimizers.SGD(0.1)
    assert models.compile_model(model, "mse", optimizer=sgd).optimizer is sgd
    with pytest.raises(ValueError, match="learning_rate must be > 0; got 0"):
        models.compile_model(model, "mse", learning_rate=0)
    with pytest.raises(TypeError, match="optimizer must be"):
        models.compile_model(model, "mse", optimizer="adam")
