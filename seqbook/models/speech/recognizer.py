"""A CTC speech recogniser: log-mel features, a convolutional front end, bidirectional GRUs.

The recipe of Graves et al. (2006) with the front end of later systems (Deep Speech 2):
audio in, one distribution over ``vocabulary_size`` symbols plus the CTC *blank* per output
frame. The blank is index 0 (Keras' ``mask_index`` default); symbol ``k`` of the alphabet is
index ``k + 1``; label rows are padded with 0, which is safe because the loss reads only the
first ``label_length`` entries of each row (tested).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import ops

from seqbook.models._common import compile_model
from seqbook.models.speech.features import LogMelSpectrogram, SpecAugment

#: The CTC blank's index in every output of this module.
BLANK = 0


@keras.saving.register_keras_serializable(package="seqbook")
class CTCLoss(keras.losses.Loss):
    """CTC negative log-likelihood through ``keras.ops.ctc_loss``, blank = 0.

    ``y_true`` is ``[batch, max_label_length]`` of symbol indices ``1..V`` padded with 0;
    ``y_pred`` is ``[batch, frames, V + 1]`` logits. Every frame is an input frame: padded
    audio is silence, which the blank absorbs (the package's decoders take lengths).

    Example
    -------
    >>> import numpy as np
    >>> logits = np.zeros((1, 4, 3), "float32")   # uniform over blank, a, b
    >>> round(float(CTCLoss()(np.array([[1, 0]]), logits)), 2)   # -log P("a") = -log(10/81)
    2.09
    """

    def __init__(self, name: str = "ctc_loss", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        labels = ops.cast(y_true, "int32")
        label_length = ops.sum(ops.cast(labels != 0, "int32"), axis=-1)
        shape = ops.shape(y_pred)
        frames = ops.full((shape[0],), shape[1], dtype="int32")
        return ops.ctc_loss(labels, y_pred, label_length, frames, mask_index=BLANK)


def ctc_recognizer(
    vocabulary_size: int,
    sample_rate: int = 8000,
    num_mel_bins: int = 40,
    frame_length: int = 200,
    frame_step: int = 80,
    filters: int = 64,
    units: int = 64,
    num_layers: int = 1,
    dropout: float = 0.1,
    time_masks: int = 2,
    frequency_masks: int = 2,
    learning_rate: float = 3e-3,
    seed: int | None = None,
) -> keras.Model:
    """Build and compile a CTC acoustic model: audio ``[batch, samples]`` -> logits.

    Log-mel frames (:class:`LogMelSpectrogram`), SpecAugment masks in training
    (:class:`SpecAugment`), two 1-D convolutions with batch normalisation (the first with
    stride 2, halving the frame rate: one output frame per ``2 * frame_step`` samples),
    ``num_layers`` bidirectional GRUs of ``units`` each way, and a dense layer to
    ``vocabulary_size + 1`` logits (blank = 0), in float32.

    Parameters
    ----------
    vocabulary_size : int
        Symbols of the alphabet, without the blank.
    sample_rate, num_mel_bins, frame_length, frame_step
        Of the features (:class:`LogMelSpectrogram`).
    filters, units, num_layers, dropout
        Convolution channels, GRU state size per direction, GRU layers, dropout rate.
    time_masks, frequency_masks : int
        SpecAugment bands per example (0 and 0 turn it off).
    learning_rate : float
        Adam's.
    seed : int, optional
        Seeds the masks.

    Example
    -------
    >>> import numpy as np
    >>> model = ctc_recognizer(vocabulary_size=10, filters=8, units=8)
    >>> tuple(model(np.zeros((2, 8000), "float32")).shape)   # 101 frames -> 51 (stride 2)
    (2, 51, 11)
    """
    for name, value in (("vocabulary_size", vocabulary_size), ("filters", filters),
                        ("units", units), ("num_layers", num_layers)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
    audio = keras.Input((None,), name="audio")
    x = LogMelSpectrogram(sample_rate=sample_rate, frame_length=frame_length,
                          frame_step=frame_step, num_mel_bins=num_mel_bins,
                          name="log_mel")(audio)
    x = SpecAugment(time_masks=time_masks, frequency_masks=frequency_masks,
                    max_frequency_width=max(1, num_mel_bins // 8), seed=seed,
                    name="spec_augment")(x)
    for strides in (2, 1):
        x = keras.layers.Conv1D(filters, 5, strides=strides, padding="same")(x)
        x = keras.layers.Activation("relu")(keras.layers.BatchNormalization(momentum=0.9)(x))
    for _ in range(num_layers):
        x = keras.layers.Bidirectional(keras.layers.GRU(units, return_sequences=True))(x)
        x = keras.layers.Dropout(dropout)(x)
    logits = keras.layers.Dense(vocabulary_size + 1, dtype="float32", name="logits")(x)
    model = keras.Model(audio, logits, name="ctc_recognizer")
    return compile_model(model, CTCLoss(), learning_rate=learning_rate)


def ctc_output_frames(num_samples: int | np.ndarray, frame_step: int = 80) -> np.ndarray:
    """Output frames of :func:`ctc_recognizer` for audio of ``num_samples`` samples.

    Example
    -------
    >>> ctc_output_frames([8000, 800]).tolist()
    [51, 6]
    """
    features = np.asarray(num_samples, dtype=np.int64) // frame_step + 1
    return (features + 1) // 2  # stride-2 convolution with "same" padding


def check_audio(audio: Any, sample_rate: int, expected_sample_rate: int = 8000) -> np.ndarray:
    """Return ``audio`` as a float32 mono array, or raise a ValueError saying what is wrong.

    Example
    -------
    >>> check_audio([0.0, 0.5], 8000).dtype
    dtype('float32')
    >>> check_audio([0.0, 0.5], 16000)
    Traceback (most recent call last):
    ...
    ValueError: sample_rate must be 8000 Hz (the model's), got 16000 Hz; resample the audio first.
    """
    if sample_rate != expected_sample_rate:
        raise ValueError(f"sample_rate must be {expected_sample_rate} Hz (the model's), got "
                         f"{sample_rate} Hz; resample the audio first.")
    array = np.asarray(audio, dtype=np.float32)
    if array.ndim == 2 and 1 in array.shape:
        array = array.reshape(-1)  # [samples, 1] or [1, samples]: mono
    if array.ndim != 1:
        raise ValueError(f"audio must be mono, one dimension of samples, got shape "
                         f"{array.shape} (stereo? average the channels first).")
    if array.size == 0:
        raise ValueError("audio must hold at least one sample, got an empty array.")
    if not np.all(np.isfinite(array)):
        raise ValueError("audio must be finite, got NaN or infinite samples.")
    return array


def pad_audio(
    audios: Sequence[Any], sample_rate: int, expected_sample_rate: int = 8000
) -> tuple[np.ndarray, np.ndarray]:
    """Check and zero-pad a list of utterances into ``([batch, samples], lengths)``.

    Example
    -------
    >>> batch, lengths = pad_audio([np.ones(3), np.ones(5)], sample_rate=8000)
    >>> batch.shape, lengths.tolist()
    ((2, 5), [3, 5])
    """
    checked = [check_audio(a, sample_rate, expected_sample_rate) for a in audios]
    if not checked:
        raise ValueError("audios must hold at least one utterance, got none.")
    lengths = np.array([len(a) for a in checked])
    batch = np.zeros((len(checked), lengths.max()), np.float32)
    for row, a in zip(batch, checked, strict=True):
        row[: len(a)] = a
    return batch, lengths


def encode_transcripts(
    transcripts: Sequence[str], alphabet: str, frames: Sequence[int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Turn transcripts into CTC targets: ``([batch, max_length] of 1..V padded with 0,
    lengths)``.

    Symbol ``alphabet[k]`` becomes ``k + 1`` (0 is the blank). With ``frames`` (output frames
    per utterance), a transcript that cannot fit is refused: CTC needs one frame per symbol
    plus a blank between each pair of equal neighbours.

    Example
    -------
    >>> labels, lengths = encode_transcripts(["10", "7"], "0123456789")
    >>> labels.tolist(), lengths.tolist()
    ([[2, 1], [8, 0]], [2, 1])
    >>> encode_transcripts(["11"], "0123456789", frames=[2])
    Traceback (most recent call last):
    ...
    ValueError: transcripts[0] needs at least 3 output frames ('11': 2 symbols, 1 repeats), got 2.
    """
    if not isinstance(alphabet, str) or not alphabet or len(set(alphabet)) != len(alphabet):
        raise ValueError(f"alphabet must be a non-empty string of distinct symbols, got "
                         f"{alphabet!r}.")
    index = {symbol: k + 1 for k, symbol in enumerate(alphabet)}
    rows = []
    for i, text in enumerate(transcripts):
        unknown = sorted({c for c in str(text) if c not in index})
        if unknown:
            raise ValueError(f"transcripts[{i}] must use only the alphabet {alphabet!r}, got "
                             f"{text!r} with {unknown}.")
        rows.append([index[c] for c in str(text)])
    if not rows:
        raise ValueError("transcripts must hold at least one transcript, got none.")
    if frames is not None:
        if len(frames) != len(rows):
            raise ValueError(f"frames must give one count per transcript ({len(rows)}), got "
                             f"{len(frames)}.")
        for i, (row, available) in enumerate(zip(rows, frames, strict=True)):
            repeats = sum(a == b for a, b in zip(row, row[1:]))
            if len(row) + repeats > available:
                raise ValueError(
                    f"transcripts[{i}] needs at least {len(row) + repeats} output frames "
                    f"({transcripts[i]!r}: {len(row)} symbols, {repeats} repeats), got "
                    f"{available}.")
    lengths = np.array([len(r) for r in rows])
    labels = np.zeros((len(rows), max(1, lengths.max())), np.int32)
    for row, symbols in zip(labels, rows, strict=True):
        row[: len(symbols)] = symbols
    return labels, lengths


def decode_transcripts(sequences: Sequence[Sequence[int]], alphabet: str) -> list[str]:
    """Turn decoded index sequences (1..V; 0 skipped) back into strings.

    Example
    -------
    >>> decode_transcripts([[2, 1], [8]], "0123456789")
    ['10', '7']
    """
    return ["".join(alphabet[int(k) - 1] for k in seq if int(k) != BLANK) for seq in sequences]


class AudioBatches(keras.utils.PyDataset):
    """Batches of utterances of similar length, each padded only to its own longest.

    Sorting by length before cutting batches keeps the zero padding (silence) short; the
    order of the batches is reshuffled every epoch with ``seed``. Works on every backend.

    Parameters
    ----------
    audios : list of arrays
        Mono utterances (already checked, e.g. by :func:`pad_audio`'s rules).
    labels : array [n, max_length], optional
        CTC targets from :func:`encode_transcripts`; None for prediction batches.
    batch_size : int
    shuffle : bool
        Reshuffle the batch order each epoch (training).
    seed : int
    pad_multiple : int
        Pad each batch to a multiple of this many samples, so that a compiled predict
        function sees few distinct shapes (and is traced few times).

    Example
    -------
    >>> batches = AudioBatches([np.ones(5), np.ones(3), np.ones(4)], batch_size=2)
    >>> [batch.shape for batch in (batches[0], batches[1])], batches.order.tolist()
    ([(2, 4), (1, 5)], [1, 2, 0])
    """

    def __init__(self, audios: Sequence[Any], labels: np.ndarray | None = None,
                 batch_size: int = 32, shuffle: bool = False, seed: int = 0,
                 pad_multiple: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
        self.audios = [np.asarray(a, np.float32) for a in audios]
        if labels is not None and len(labels) != len(self.audios):
            raise ValueError(f"labels must have one row per utterance ({len(self.audios)}), "
                             f"got {len(labels)}.")
        if isinstance(pad_multiple, bool) or not isinstance(pad_multiple, int) or (
                pad_multiple < 1):
            raise ValueError(f"pad_multiple must be a positive integer, got {pad_multiple!r}.")
        self.labels, self.batch_size, self.shuffle = labels, batch_size, shuffle
        self.pad_multiple = pad_multiple
        self.order = np.argsort([len(a) for a in self.audios], kind="stable")
        self.batches = [self.order[i: i + batch_size]
                        for i in range(0, len(self.order), batch_size)]
        self.rng = np.random.default_rng(seed)
        self.sequence = np.arange(len(self.batches))
        self.on_epoch_end()

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, index: int):
        rows = self.batches[self.sequence[index]]
        longest = max(len(self.audios[i]) for i in rows)
        longest = -(-longest // self.pad_multiple) * self.pad_multiple
        batch = np.zeros((len(rows), longest), np.float32)
        for j, i in enumerate(rows):
            batch[j, : len(self.audios[i])] = self.audios[i]
        if self.labels is None:
            return batch
        return batch, self.labels[rows]

    def on_epoch_end(self) -> None:
        if self.shuffle:
            self.sequence = self.rng.permutation(len(self.batches))


def recognize(
    model: keras.Model,
    audios: Sequence[Any],
    alphabet: str,
    beam_width: int = 1,
    batch_size: int = 64,
    frame_step: int = 80,
    pad_multiple: int = 4000,
) -> list[str]:
    """Transcribe utterances: batches of similar length, then greedy (``beam_width=1``) or
    prefix beam search decoding over each utterance's own frames. Batches are padded to a
    multiple of ``pad_multiple`` samples (0.5 s at 8 kHz) so that few shapes are compiled;
    the padding is silence, which a bidirectional model does see, so pass 1 to pad only to
    each batch's longest utterance.

    Example
    -------
    >>> model = ctc_recognizer(vocabulary_size=10, filters=4, units=4)
    >>> len(recognize(model, [np.zeros(800), np.zeros(1600)], "0123456789"))
    2
    """
    from seqbook.decoding import ctc_beam_search, ctc_greedy

    batches = AudioBatches(audios, batch_size=batch_size, pad_multiple=pad_multiple)
    texts: list[str] = [""] * len(batches.audios)
    for b in range(len(batches)):
        rows = batches.batches[b]
        logits = np.asarray(model.predict_on_batch(batches[b]))
        frames = ctc_output_frames([len(batches.audios[i]) for i in rows], frame_step)
        if beam_width == 1:
            decoded = ctc_greedy(logits, frames, blank=BLANK)
        else:
            decoded = ctc_beam_search(logits, beam_width, frames, blank=BLANK)
        for i, text in zip(rows, decode_transcripts(decoded, alphabet), strict=True):
            texts[i] = text
    return texts
