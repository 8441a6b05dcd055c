"""seqbook: the companion package of *Sequence Modeling, from HMMs to Transformers*.

The book teaches each mechanism by hand; this package ships the pieces a practitioner can
import: ``runtime`` (device, precision, profile), ``data`` (data sets and pipelines),
``classical`` (n-gram language models, hidden Markov models), ``layers`` (the hand-built
layers the book teaches), ``models`` (the Keras model builders used by the chapters),
``decoding`` (greedy, beam search and sampling for any next-token model), ``metrics``
(error rates, forecast and detection scores) and ``plotting`` (attention maps).

Example
-------
>>> import seqbook
>>> seqbook.runtime.profile() in ("cpu", "accelerator")
True
"""

from seqbook import (
    callbacks, classical, continual, data, decoding, diagnostics, efficiency, layers, metrics,
    models, notebook, plotting, runtime,
)

__all__ = [
    "callbacks", "classical", "continual", "data", "decoding", "diagnostics", "efficiency",
    "layers", "metrics", "models",
    "notebook", "plotting", "runtime", "__version__",
]
__version__ = "0.1.0"
