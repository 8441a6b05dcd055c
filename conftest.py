"""Test-session set-up shared by the unit tests (tests/) and the notebooks (book/, via nbval).

* Two logical CPU devices, so that data-parallel training can be tested on a one-CPU
  machine. This must happen before the backend initialises its devices, hence here, at
  collection. On TensorFlow, tests share one ``MirroredStrategy`` (the ``two_cpu_strategy``
  fixture): two strategies training in one process can pick the same collective-op keys and
  abort each other. On JAX (``KERAS_BACKEND=jax``) the same fixture is a
  ``keras.distribution.DataParallel`` over two CPU devices (JAX's ``jax_num_cpu_devices``,
  set in this process only: notebook kernels and worker processes keep one device), so the
  same tests train data-parallel there.
* ``tensorflow_only``: a marker for tests of TensorFlow-only code (``tf.distribute``,
  TensorFlow's XLA rules); the JAX run skips them.
* ``force_xla``: XLA on for the tests that check a model compiles with it.
* A per-chapter summary (time, passed or failed): nbval reports each cell; the budget is
  per chapter.
* Chapters shared between the two jobs of `make test` (see the Makefile): with
  ``SEQBOOK_CHAPTER_CLAIMS`` set to a directory, the first job to reach a chapter creates
  its claim file there and runs it; the other job finds the claim and skips the chapter.
"""

from __future__ import annotations

import collections
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("SEQBOOK_PROFILE", "cpu")

ON_JAX = os.environ.get("KERAS_BACKEND", "tensorflow") == "jax"
if ON_JAX:
    import jax

    jax.config.update("jax_num_cpu_devices", 2)

import keras  # noqa: E402  (after the environment is set)
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

_cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(
    _cpus[0], [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "tensorflow_only: tests TensorFlow-only code; skipped on the JAX backend"
    )


def pytest_collection_modifyitems(config, items):
    if not ON_JAX:
        return
    skip = pytest.mark.skip(reason="TensorFlow-only code (tf.distribute or TF's XLA rules)")
    for item in items:
        if "tensorflow_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=ON_JAX)
def _no_leftover_distribution():
    """On JAX, a test that calls ``runtime.setup()`` sets a global distribution: undo it."""
    yield
    if ON_JAX:
        from seqbook import runtime

        keras.distribution.set_distribution(None)
        runtime._strategy_cache.clear()


@pytest.fixture
def force_xla(monkeypatch):
    """Force XLA on through the runtime's one switch (SEQBOOK_XLA=on).

    On this CPU the policy compiles without XLA; the tests that prove a model also trains
    under XLA (as it will on a GPU or TPU) ask for it with this fixture.
    """
    monkeypatch.setenv("SEQBOOK_XLA", "on")


@pytest.fixture(scope="session")
def two_cpu_strategy():
    """One data-parallel strategy over two CPU devices, shared by every test that needs it.

    TensorFlow: a ``MirroredStrategy`` over the two logical CPUs. JAX: a
    ``seqbook.runtime.JaxStrategy`` around ``keras.distribution.DataParallel`` over two host
    devices. Both have ``scope()`` and ``num_replicas_in_sync == 2``.
    """
    if ON_JAX:
        import jax

        from seqbook import runtime

        devices = jax.devices()
        assert len(devices) == 2, devices
        return runtime.JaxStrategy(keras.distribution.DataParallel(devices=devices), devices)
    devices = [device.name for device in tf.config.list_logical_devices("CPU")]
    assert len(devices) == 2, devices
    return tf.distribute.MirroredStrategy(devices)


_notebook_seconds: dict[str, float] = collections.defaultdict(float)
_notebook_failures: dict[str, int] = collections.defaultdict(int)
CHAPTER_CLAIMS = os.environ.get("SEQBOOK_CHAPTER_CLAIMS")
OTHER_JOB = "run by the other job of make test"
_chapter_is_ours: dict[str, bool] = {}


def _claim(chapter: str) -> bool:
    """Whether this process runs ``chapter``: true for the first process to ask (creating a
    file is atomic, so two jobs asking at once cannot both win)."""
    claim = os.path.join(CHAPTER_CLAIMS, chapter.replace("/", "__"))
    try:
        os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    chapter = item.nodeid.split("::")[0]
    if not CHAPTER_CLAIMS or not chapter.endswith(".ipynb"):
        return
    if chapter not in _chapter_is_ours:
        _chapter_is_ours[chapter] = _claim(chapter)
    if not _chapter_is_ours[chapter]:
        # Before nbval's own set-up, so no kernel is started for a chapter that is skipped.
        pytest.skip(OTHER_JOB)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb") and _chapter_is_ours.get(path, True):
        _notebook_seconds[path] += report.duration
        if report.failed:
            _notebook_failures[path] += 1


def pytest_terminal_summary(terminalreporter):
    if not _chapter_is_ours and not _notebook_seconds:
        return
    terminalreporter.section("chapters: time and result (budget: 60 s each on 2 CPU cores)")
    for path, seconds in sorted(_notebook_seconds.items()):
        failed = _notebook_failures.get(path, 0)
        result = f"FAILED ({failed} cell{'s' * (failed > 1)})" if failed else "passed"
        flag = "  OVER BUDGET" if seconds > 60 else ""
        terminalreporter.write_line(f"{seconds:7.1f} s  {result:<18} {path}{flag}")
    failed = sum(1 for path in _notebook_seconds if _notebook_failures.get(path))
    count = len(_notebook_seconds)
    terminalreporter.write_line(f"{count} chapter{'s' * (count != 1)}, {failed} failed, "
                                f"{sum(_notebook_seconds.values()):.0f} s in all")
    left = sum(not ours for ours in _chapter_is_ours.values())
    if left:
        terminalreporter.write_line(f"{left} more chapter{'s' * (left != 1)} {OTHER_JOB}")
