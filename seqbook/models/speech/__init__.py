"""Speech recognition: log-mel features, SpecAugment, a CTC convolutional-recurrent model."""

from seqbook.models.speech.features import LogMelSpectrogram, SpecAugment
from seqbook.models.speech.recognizer import (
    AudioBatches,
    BLANK,
    CTCLoss,
    check_audio,
    ctc_recognizer,
    decode_transcripts,
    encode_transcripts,
    ctc_output_frames,
    pad_audio,
    recognize,
)

__all__ = [
    "AudioBatches",
    "BLANK",
    "CTCLoss",
    "LogMelSpectrogram",
    "SpecAugment",
    "check_audio",
    "ctc_recognizer",
    "decode_transcripts",
    "encode_transcripts",
    "ctc_output_frames",
    "pad_audio",
    "recognize",
]
