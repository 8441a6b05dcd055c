"""Text classification and regression (chapter sentiment-analysis): one model builder whose
backbone is an argument (a BiLSTM, a BiGRU, a 1-D CNN, or a pretrained language model), the
input checks that go with it, and token attribution by occlusion."""

from seqbook.models.text.attribution import token_occlusion
from seqbook.models.text.classifier import model_vocabulary_size, text_classifier
from seqbook.models.text.inputs import encode_labels, encode_texts
from seqbook.models.text.layers import TokenMaxPooling, ZeroPadding

__all__ = [
    "TokenMaxPooling",
    "ZeroPadding",
    "encode_labels",
    "encode_texts",
    "model_vocabulary_size",
    "text_classifier",
    "token_occlusion",
]
