"""Classical sequence models, before neural networks: n-gram language models and HMMs.

``NGramLM`` counts n-grams and smooths them (add-k, interpolated Kneser-Ney).
``HMM`` is a discrete hidden Markov model with forward, backward, Viterbi and Baum-Welch,
computed in log space with ``keras.ops``, batched, with padding masks; ``HMMLayer`` is the
same model as a Keras layer, trained by gradient ascent on the log-likelihood.
``lexicon_scores`` scores sentiment with a word lexicon and a negation rule (a simplified
VADER).
"""

from seqbook.classical.hmm import HMM, HMMLayer, hmm_model, hmm_negative_log_likelihood
from seqbook.classical.lexicon import lexicon_score, lexicon_scores, lexicon_tokens
from seqbook.classical.ngram import NGramLM

__all__ = ["HMM", "HMMLayer", "NGramLM", "hmm_model", "hmm_negative_log_likelihood",
           "lexicon_score", "lexicon_scores", "lexicon_tokens"]
