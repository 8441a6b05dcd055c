"""seqbook: the companion package of *Sequence Modeling, from HMMs to Transformers*.

The book teaches each mechanism by hand; this package ships the pieces a practitioner can
import: ``runtime`` (device, precision, profile), ``data`` (data sets and pipelines),
``classical`` (n-gram language models, hidden Markov models), ``layers`` (the hand-built
layers the book teaches), ``models`` (the Keras model builders used by the chapters),
``decoding`` (greedy, beam search and sampling for any next-token model), ``metrics``
(error rates, forecast and detection scores), ``plotting`` (attention maps) and
``serving`` (export, an HTTP inference server and a load test).

The subpackages load on first use (``seqbook.data`` imports ``seqbook/data`` the first time
it is read), so ``import seqbook`` does not start TensorFlow: an inference server built on
``seqbook.serving`` starts in well under a second and never loads Keras.

Example
-------
>>> import seqbook
>>> seqbook.runtime.profile() in ("cpu", "accelerator")
True
"""

from __future__ import annotations

import importlib
from typing import Any

_SUBPACKAGES = (
    "callbacks", "classical", "continual", "data", "decoding", "diagnostics", "distributed",
    "efficiency", "layers", "metrics", "models", "notebook", "plotting", "runtime", "serving",
)
__all__ = [*_SUBPACKAGES, "__version__"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # PEP 562: import a subpackage the first time it is asked for, then keep it as an attribute.
    if name in _SUBPACKAGES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SUBPACKAGES))
