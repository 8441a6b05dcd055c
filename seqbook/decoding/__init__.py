"""Decoding: turn a next-token distribution into whole sequences.

Every strategy here drives a loop in NumPy and asks a *log-probability function* for the
next token at each step::

    log_prob_fn(prefixes) -> log_probs
    prefixes:  int array [batch, t]   (the start token, then the tokens chosen so far)
    log_probs: array [batch, vocab]   (log P(next token | prefix) for every token)

so a Keras model (``lambda p: keras.ops.log_softmax(model(p)[:, -1])``), a lookup table
or any plain function can be decoded. The output may be a NumPy array or a backend tensor;
it is read with ``keras.ops.convert_to_numpy``. The vocabulary size is taken from the first
call, and the start tokens and ``end_token`` are checked against it.

Every strategy returns sequences of ``max_length + 1`` tokens: the start token, then up to
``max_length`` generated tokens. Once a sequence emits ``end_token`` it is finished, and
the rest of its row is ``end_token`` padding.

- :func:`greedy` takes the most probable token at each step.
- :func:`beam_search` keeps the ``beam_width`` best partial sequences at each step, ranked
  with GNMT's length penalty.
- :func:`sample` draws each token at random, with temperature, top-k and nucleus (top-p)
  filtering.
- :func:`ctc_greedy`, :func:`ctc_beam_search` and :func:`ctc_log_likelihood` work on the
  per-frame outputs of a CTC model instead (best path, prefix beam search, the forward
  recursion).

:func:`greedy` and :func:`beam_search` also take ``no_repeat_ngram_size``: with ``n > 0`` no
output contains the same n-gram twice (a common remedy for the loops that small models fall into
when they translate or summarise).
"""

from seqbook.decoding._beam import beam_search, gnmt_length_penalty
from seqbook.decoding._common import LogProbFn
from seqbook.decoding._ctc import ctc_beam_search, ctc_greedy, ctc_log_likelihood
from seqbook.decoding._greedy import greedy
from seqbook.decoding._sampling import sample

__all__ = ["beam_search", "gnmt_length_penalty", "greedy", "sample"]
__all__ += ["ctc_beam_search", "ctc_greedy", "ctc_log_likelihood"]  # CTC outputs (speech)
