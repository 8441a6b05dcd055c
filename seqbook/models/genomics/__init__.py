"""Models of DNA sequences (chapter applications/genomics): a DeepBind-style CNN, a
DanQ-style CNN + BiLSTM hybrid, a small Transformer, the k-mer and position weight matrix
baselines, and in-silico mutagenesis to read what a model learned."""

from seqbook.models.genomics.baselines import (
    PositionWeightMatrixClassifier,
    kmer_counts,
)
from seqbook.models.genomics.danq import danq_classifier
from seqbook.models.genomics.deepbind import deepbind_classifier
from seqbook.models.genomics.mutagenesis import in_silico_mutagenesis, motif_importance
from seqbook.models.genomics.transformer import dna_transformer_classifier

__all__ = [
    "PositionWeightMatrixClassifier",
    "danq_classifier",
    "deepbind_classifier",
    "dna_transformer_classifier",
    "in_silico_mutagenesis",
    "kmer_counts",
    "motif_importance",
]
