"""Speech features inside the model: log-mel spectrograms and SpecAugment-style masking.

Both layers are written with ``keras.ops`` on top of Keras' backend-agnostic
``keras.layers.MelSpectrogram``, so a recogniser runs on TensorFlow and on JAX, and the
features travel with a saved model (raw audio in, logits out).
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="seqbook")
class LogMelSpectrogram(keras.layers.Layer):
    """Raw audio ``[batch, samples]`` -> log-mel frames ``[batch, frames, num_mel_bins]``.

    A short-time Fourier transform with a Hann window of ``frame_length`` samples, moved by
    ``frame_step`` samples (frames are centred, so there are ``samples // frame_step + 1``),
    its power pooled into ``num_mel_bins`` triangular filters equally spaced on the mel
    scale, then decibels. Each utterance is measured from its own loudest cell (0 dB), cut
    at ``-top_db`` and scaled to about [-1, 1]: a louder or quieter recording of the same
    speech gives the same features, and silence, zero padding included, sits at the floor.

    Parameters
    ----------
    sample_rate : int
        Samples per second of the audio.
    frame_length, frame_step : int
        Window and hop, in samples (25 ms and 10 ms at 8 kHz: 200 and 80).
    num_mel_bins : int
        Mel filters.
    fft_length : int
        FFT size, >= ``frame_length``.
    top_db : float
        The dynamic range kept below each utterance's peak.

    Example
    -------
    >>> import numpy as np
    >>> layer = LogMelSpectrogram(sample_rate=8000, num_mel_bins=20)
    >>> features = layer(np.random.default_rng(0).normal(size=(2, 8000)).astype("float32"))
    >>> tuple(features.shape), float(ops.max(features)) <= 1.0
    ((2, 101, 20), True)
    """

    def __init__(
        self,
        sample_rate: int = 8000,
        frame_length: int = 200,
        frame_step: int = 80,
        num_mel_bins: int = 40,
        fft_length: int = 256,
        top_db: float = 80.0,
        normalize: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        for name, value in (("sample_rate", sample_rate), ("frame_length", frame_length),
                            ("frame_step", frame_step), ("num_mel_bins", num_mel_bins),
                            ("fft_length", fft_length)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        if fft_length < frame_length:
            raise ValueError(f"fft_length must be >= frame_length ({frame_length}), got "
                             f"{fft_length}.")
        if not top_db > 0:
            raise ValueError(f"top_db must be positive, got {top_db!r}.")
        self.sample_rate, self.frame_length = sample_rate, frame_length
        self.frame_step = frame_step
        self.num_mel_bins, self.fft_length, self.top_db = num_mel_bins, fft_length, float(top_db)
        self.normalize = bool(normalize)
        self.mel = keras.layers.MelSpectrogram(
            fft_length=fft_length,
            sequence_stride=frame_step,
            sequence_length=frame_length,
            sampling_rate=sample_rate,
            num_mel_bins=num_mel_bins,
            min_freq=20.0,
            max_freq=sample_rate / 2,
            power_to_db=False,  # decibels per utterance below, not per batch
            dtype="float32",
        )

    def build(self, input_shape) -> None:
        self.mel.build(input_shape)
        super().build(input_shape)

    def call(self, audio):
        power = ops.swapaxes(self.mel(ops.cast(audio, "float32")), 1, 2)  # [b, frames, mels]
        decibels = 10.0 * ops.log10(ops.maximum(power, 1e-10))
        decibels = decibels - ops.max(decibels, axis=(1, 2), keepdims=True)
        decibels = ops.maximum(decibels, -self.top_db)
        if self.normalize:  # zero mean, unit variance per mel bin over the utterance
            mean = ops.mean(decibels, axis=1, keepdims=True)
            std = ops.std(decibels, axis=1, keepdims=True)
            return ops.cast((decibels - mean) / (std + 1.0), self.compute_dtype)
        return ops.cast(decibels / (self.top_db / 2) + 1.0, self.compute_dtype)

    def num_frames(self, num_samples: int) -> int:
        """Frames for ``num_samples`` samples (centred frames)."""
        return int(num_samples) // self.frame_step + 1

    def compute_output_shape(self, input_shape):
        frames = None if input_shape[1] is None else self.num_frames(input_shape[1])
        return (input_shape[0], frames, self.num_mel_bins)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "sample_rate": self.sample_rate,
                "frame_length": self.frame_length, "frame_step": self.frame_step,
                "num_mel_bins": self.num_mel_bins, "fft_length": self.fft_length,
                "top_db": self.top_db, "normalize": self.normalize}


@keras.saving.register_keras_serializable(package="seqbook")
class SpecAugment(keras.layers.Layer):
    """SpecAugment-style masking of ``[batch, frames, bins]`` features, in training only.

    Each example gets ``time_masks`` bands of up to ``max_time_width`` consecutive frames,
    and ``frequency_masks`` bands of up to ``max_frequency_width`` bins, set to
    ``mask_value`` (Park et al., 2019, without time warping). At inference it is the
    identity.

    Example
    -------
    >>> import numpy as np
    >>> layer = SpecAugment(time_masks=2, max_time_width=5, frequency_masks=1,
    ...                     max_frequency_width=4, seed=0)
    >>> x = np.ones((3, 50, 20), "float32")
    >>> bool(np.all(layer(x) == x)), float(np.mean(layer(x, training=True) == x)) < 1.0
    (True, True)
    """

    def __init__(
        self,
        time_masks: int = 2,
        max_time_width: int = 8,
        frequency_masks: int = 2,
        max_frequency_width: int = 6,
        mask_value: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        for name, value in (("time_masks", time_masks), ("max_time_width", max_time_width),
                            ("frequency_masks", frequency_masks),
                            ("max_frequency_width", max_frequency_width)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}.")
        self.time_masks, self.max_time_width = time_masks, max_time_width
        self.frequency_masks, self.max_frequency_width = frequency_masks, max_frequency_width
        self.mask_value, self.seed = float(mask_value), seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _bands(self, batch, size, count, max_width):
        """A boolean ``[batch, size]``: True inside any of ``count`` random bands."""
        positions = ops.arange(size)[None, :]
        masked = ops.zeros((batch, size), dtype="bool")
        for _ in range(count):
            width = ops.floor(keras.random.uniform(
                (batch, 1), 0, max_width + 1, seed=self.seed_generator))
            start = ops.floor(keras.random.uniform((batch, 1), 0, 1, seed=self.seed_generator)
                              * ops.maximum(ops.cast(size, "float32") - width, 1.0))
            positions_f = ops.cast(positions, "float32")
            masked = ops.logical_or(masked, ops.logical_and(positions_f >= start,
                                                            positions_f < start + width))
        return masked

    def call(self, features, training=None):
        if not training or (self.time_masks == 0 and self.frequency_masks == 0):
            return features
        shape = ops.shape(features)
        batch, frames, bins = shape[0], shape[1], shape[2]
        in_time = self._bands(batch, frames, self.time_masks, self.max_time_width)
        in_frequency = self._bands(batch, bins, self.frequency_masks, self.max_frequency_width)
        masked = ops.logical_or(in_time[:, :, None], in_frequency[:, None, :])
        return ops.where(masked, ops.cast(self.mask_value, features.dtype), features)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "time_masks": self.time_masks,
                "max_time_width": self.max_time_width, "frequency_masks": self.frequency_masks,
                "max_frequency_width": self.max_frequency_width, "mask_value": self.mask_value,
                "seed": self.seed}
