"""seqbook: the companion package of *Sequence Modeling, from HMMs to Transformers*.

The book teaches each mechanism by hand; this package ships the pieces a practitioner can
import: the runtime helpers that pick a device and precision, data sets and pipelines, and
the Keras model builders used by the chapters.

Example
-------
>>> import seqbook
>>> seqbook.runtime.profile() in ("cpu", "accelerator")
True
"""

from seqbook import data, models, runtime

__all__ = ["data", "models", "runtime", "__version__"]
__version__ = "0.1.0"
