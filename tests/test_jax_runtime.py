"""seqbook.runtime and seqbook.distributed on the JAX backend.

Run by the JAX half of the test command (``KERAS_BACKEND=jax``), where the root conftest.py
gives this process two CPU devices (``jax_num_cpu_devices``). The multi-process test starts
its own worker processes, one CPU device each, on the loopback interface.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from seqbook import data, distributed, runtime

ON_JAX = keras.backend.backend() == "jax"
jax_only = pytest.mark.skipif(not ON_JAX, reason="needs KERAS_BACKEND=jax (the JAX test run)")
# One SPMD program: the processes agree exactly. Against one device the reduction order of
# the gradient differs, so float32 round-off (about 1e-7 relative per step) accumulates.
SAME_LOSS = dict(rtol=1e-5, atol=1e-6)


@pytest.fixture
def float32_policy():
    yield
    keras.mixed_precision.set_global_policy("float32")


@jax_only
def test_setup_builds_data_parallel_over_every_device(float32_policy):
    chosen = runtime.setup(seed=0)
    info = runtime.describe()
    assert isinstance(chosen, runtime.JaxStrategy)
    assert isinstance(chosen.distribution, keras.distribution.DataParallel)
    assert keras.distribution.distribution() is chosen.distribution  # fit shards batches
    assert info["backend"] == "jax"
    assert info["devices"] == ["cpu:0", "cpu:1"]
    assert info["strategy"] == "DataParallel" and info["replicas"] == 2
    assert info["precision"] == "float32" and info["xla"] is True
    assert runtime.accelerator() == "cpu"
    # A batch must split evenly over the two replicas.
    assert data.whole_batches(100, batch_size=32) == 96
    with pytest.raises(ValueError, match="multiple of the 2 replicas"):
        data.whole_batches(100, batch_size=31)


@jax_only
def test_model_parallel_from_a_layout_map(float32_policy):
    import jax

    mesh = keras.distribution.DeviceMesh((1, 2), ("batch", "model"), jax.devices())
    layout_map = keras.distribution.LayoutMap(mesh)
    layout_map["wide/kernel"] = (None, "model")
    chosen = runtime.setup(seed=0, layout_map=layout_map)
    assert isinstance(chosen.distribution, keras.distribution.ModelParallel)
    assert chosen.num_replicas_in_sync == 1  # the batch axis has one device
    with chosen.scope():
        inputs = keras.Input((4,))
        model = keras.Model(inputs, keras.layers.Dense(8, name="wide")(inputs))
    kernel = model.get_layer("wide").kernel.value
    assert len(kernel.sharding.device_set) == 2  # its columns live on two devices
    assert model.predict(np.ones((2, 4), "float32"), verbose=0).shape == (2, 8)


def test_layout_map_is_refused_on_tensorflow():
    if ON_JAX:
        pytest.skip("checks the TensorFlow backend's refusal")
    with pytest.raises(ValueError, match="layout_map needs the JAX backend"):
        runtime.setup(layout_map=object())


@jax_only
def test_data_parallel_on_two_devices_and_two_processes_matches_one_device(float32_policy):
    """The same global batches give the same losses on 1 device, 2 devices, 2 processes."""
    one_device = distributed.launch_local(1)[0]
    assert one_device["devices"] == 1
    two_devices = distributed.train_demo()  # this process: DataParallel over 2 CPU devices
    assert runtime.describe()["replicas"] == 2
    two_processes = distributed.launch_local(2)
    assert [r["devices"] for r in two_processes] == [2, 2]  # each sees both processes' devices
    assert two_processes[0]["losses"] == two_processes[1]["losses"]
    losses = one_device["losses"]
    assert losses[-1] < 0.5 * losses[0]  # it learns
    np.testing.assert_allclose(two_devices, losses, **SAME_LOSS)
    np.testing.assert_allclose(two_processes[0]["losses"], losses, **SAME_LOSS)


def test_process_share_rebuilds_the_global_batches():
    rows = np.arange(24)
    shares = [distributed.process_share(rows, 8, 2, rank) for rank in (0, 1)]
    rebuilt = np.concatenate([np.stack([s[k * 4:(k + 1) * 4] for s in shares]).ravel()
                              for k in range(3)])
    assert rebuilt.tolist() == rows.tolist()
    with pytest.raises(ValueError, match="batch_size must be a multiple"):
        distributed.process_share(rows, 9, 2, 0)


def test_initialize_checks_its_arguments():
    if not ON_JAX:
        with pytest.raises(ValueError, match="needs the JAX backend"):
            distributed.initialize("127.0.0.1:1234", 2, 0)
        return
    with pytest.raises(ValueError, match="process_id"):
        distributed.initialize("127.0.0.1:1234", 2, 2)
    with pytest.raises(ValueError, match="coordinator_address"):
        distributed.initialize("localhost", 2, 0)
