"""Speech recognition: data (synthetic digit strings, the real Asterisk speaker), features,
the CTC recogniser and its input checks."""

import io
import wave

import keras
import numpy as np
import pytest

from seqbook import data, decoding, models
from seqbook.data.builders.speech import DIGIT_STRINGS_RATE, load_digit_strings
from seqbook.data.sources import asterisk_sounds, speech

ALPHABET = "0123456789"


@pytest.fixture(scope="module")
def recognizer():
    keras.utils.set_random_seed(0)
    return models.ctc_recognizer(vocabulary_size=10, filters=8, units=8, num_mel_bins=16,
                                 seed=0)


def test_digit_strings_split_by_voice_at_8_khz():
    options = dict(num_train=6, num_validation=4, num_test=4, max_digits=3, seed=3)
    splits = {s: list(load_digit_strings(s, **options).as_numpy_iterator())
              for s in ("train", "validation", "test")}
    assert [len(splits[s]) for s in splits] == [6, 4, 4]
    voices = {s: {e["voice"].decode() for e in splits[s]} for s in splits}
    assert voices["train"] <= set(speech.TRAIN_VOICES)
    assert voices["validation"] <= set(speech.VALIDATION_VOICES)
    assert not voices["train"] & (voices["validation"] | voices["test"])
    for e in splits["train"]:
        digits, words = e["digits"].decode(), e["transcript"].decode()
        assert 1 <= len(digits) <= 3 and speech.digits_to_words(digits) == words
        seconds = len(e["audio"]) / DIGIT_STRINGS_RATE
        assert 0.2 < seconds < 3.5 and e["audio"].dtype == np.float32
    again = list(load_digit_strings("train", **options).as_numpy_iterator())
    np.testing.assert_array_equal(again[0]["audio"], splits["train"][0]["audio"])


def test_digit_strings_options_are_checked():
    with pytest.raises(ValueError, match="train_voices must not overlap"):
        load_digit_strings("train", validation_voices=speech.TRAIN_VOICES[:1])
    with pytest.raises(ValueError, match="noise_snr_db"):
        load_digit_strings("train", noise_snr_db=(30, 10))
    with pytest.raises(ValueError, match="voices"):
        load_digit_strings("train", test_voices=["no-such-voice"])


def test_digits_to_words_and_resample():
    assert speech.digits_to_words("0451") == "zero four five one"
    with pytest.raises(ValueError, match="digits must"):
        speech.digits_to_words("4a")
    tone = np.sin(2 * np.pi * 440 * np.arange(16000) / 16000).astype(np.float32)
    down = speech.resample(tone, 16000, 8000)
    assert down.shape == (8000,)
    spectrum = np.abs(np.fft.rfft(down))
    assert np.argmax(spectrum) == 440  # 1 Hz bins over one second


def test_asterisk_digits_are_the_real_speaker():
    recordings = asterisk_sounds.digit_recordings()
    assert sorted(recordings) == [str(d) for d in range(10)]
    for audio in recordings.values():
        assert audio.dtype == np.float32 and 0.3 < len(audio) / 8000 < 1.5
        assert 0.05 < np.abs(audio).max() <= 1.0
    isolated = list(asterisk_sounds.load_asterisk_digits(kind="isolated").as_numpy_iterator())
    assert [e["transcript"].decode() for e in isolated] == list(speech.DIGIT_WORDS)
    spliced = list(data.load("asterisk_digits", split="test", kind="spliced", num_strings=5,
                             seed=2).as_numpy_iterator())
    assert len(spliced) == 5
    for e in spliced:
        digits = e["digits"].decode()
        pieces = sum(len(recordings[d]) for d in digits)
        pause = len(e["audio"]) - pieces
        assert 0.05 * 8000 * (len(digits) - 1) - len(digits) <= pause
        assert pause <= 0.3 * 8000 * (len(digits) - 1)
    with pytest.raises(ValueError, match="kind"):
        asterisk_sounds.load_asterisk_digits(kind="words")


def _wav(channels=1, rate=8000, samples=10):
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.zeros(samples * channels, np.int16).tobytes())
    return buffer.getvalue()


def test_read_wav_refuses_stereo_empty_and_wrong_rate():
    assert asterisk_sounds.read_wav(_wav()).shape == (10,)
    with pytest.raises(ValueError, match="mono"):
        asterisk_sounds.read_wav(_wav(channels=2))
    with pytest.raises(ValueError, match="8000 Hz, got 16000"):
        asterisk_sounds.read_wav(_wav(rate=16000))
    with pytest.raises(ValueError, match="empty"):
        asterisk_sounds.read_wav(_wav(samples=0))


def test_log_mel_shapes_gain_invariance_and_padding():
    layer = models.LogMelSpectrogram(sample_rate=8000, num_mel_bins=16)
    rng = np.random.default_rng(0)
    audio = rng.normal(size=(1, 4000)).astype("float32") * 0.1
    features = keras.ops.convert_to_numpy(layer(audio))
    assert features.shape == (1, 4000 // 80 + 1, 16)
    louder = keras.ops.convert_to_numpy(layer(audio * 5))
    np.testing.assert_allclose(features, louder, atol=1e-4)
    assert features.max() == pytest.approx(1.0, abs=1e-6) and features.min() >= -1.0
    padded = np.concatenate([audio, np.zeros((1, 800), "float32")], axis=1)
    tail = keras.ops.convert_to_numpy(layer(padded))[0, -5:]
    np.testing.assert_allclose(tail, -1.0)  # silence sits at the floor
    with pytest.raises(ValueError, match="fft_length must be >= frame_length"):
        models.LogMelSpectrogram(frame_length=400, fft_length=256)


def test_spec_augment_masks_only_in_training():
    layer = models.SpecAugment(time_masks=2, max_time_width=6, frequency_masks=2,
                               max_frequency_width=3, seed=1)
    x = np.random.default_rng(0).normal(size=(4, 40, 16)).astype("float32") + 5
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x)), x)
    masked = keras.ops.convert_to_numpy(layer(x, training=True))
    zero = masked == 0
    assert 0 < zero.mean() < 0.6
    # Masks are whole bands: a zeroed frame is zero in every bin, or a bin in every frame.
    for example in zero:
        full_frames = example.all(axis=1)
        full_bins = example.all(axis=0)
        assert np.array_equal(example, full_frames[:, None] | full_bins[None, :])


def test_recognizer_shapes_and_variable_length_audio(recognizer):
    batch, lengths = models.pad_audio([np.zeros(8000), np.zeros(3000)], sample_rate=8000)
    logits = keras.ops.convert_to_numpy(recognizer(batch))
    assert logits.shape == (2, int(models.ctc_output_frames(8000)), 11)
    assert logits.dtype == np.float32
    frames = models.ctc_output_frames(lengths)
    assert frames.tolist() == [51, 19]
    # The short utterance's own frames are computed from its samples only up to the
    # receptive field of the convolutions at its end; decoding reads its frames only.
    assert len(decoding.ctc_greedy(logits, frames)) == 2


def test_recognizer_save_load_round_trip(recognizer, tmp_path):
    audio = np.random.default_rng(1).normal(size=(2, 4000)).astype("float32") * 0.1
    path = tmp_path / "asr.keras"
    recognizer.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(restored(audio)),
                               keras.ops.convert_to_numpy(recognizer(audio)), atol=1e-5)


def test_recognizer_learns_a_toy_task():
    """Two tones as two symbols: the CTC model must learn to spell "01" and "10"."""
    keras.utils.set_random_seed(0)
    t = np.arange(2400) / 8000
    low, high = (np.sin(2 * np.pi * f * t).astype("float32") * 0.5 for f in (1000, 3000))
    gap = np.zeros(800, "float32")
    pieces = {"0": low, "1": high}
    texts = ["01", "10"] * 12
    audio = [np.concatenate([pieces[a], gap, pieces[b]]) for a, b in texts]
    batch, lengths = models.pad_audio(audio, sample_rate=8000)
    labels, _ = models.encode_transcripts(texts, ALPHABET,
                                          frames=models.ctc_output_frames(lengths))
    model = models.ctc_recognizer(vocabulary_size=10, filters=16, units=16, num_mel_bins=16,
                                  time_masks=0, frequency_masks=0)
    history = model.fit(batch, labels, batch_size=8, epochs=40, verbose=0)
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]
    # Every utterance here has one length, as in training: no padding at all.
    decoded = models.recognize(model, audio[:2], ALPHABET, pad_multiple=1)
    assert decoded == ["01", "10"]
    assert models.recognize(model, audio[:2], ALPHABET, beam_width=4,
                            pad_multiple=1) == decoded


def test_transcripts_encode_decode_and_refuse_bad_input():
    labels, lengths = models.encode_transcripts(["907", "1"], ALPHABET)
    assert labels.tolist() == [[10, 1, 8], [2, 0, 0]] and lengths.tolist() == [3, 1]
    assert models.decode_transcripts([[10, 1, 8], [2]], ALPHABET) == ["907", "1"]
    with pytest.raises(ValueError, match=r"transcripts\[1\] must use only the alphabet"):
        models.encode_transcripts(["12", "1a"], ALPHABET)
    with pytest.raises(ValueError, match="needs at least 5 output frames"):
        models.encode_transcripts(["1223"], ALPHABET, frames=[4])


@pytest.mark.parametrize(
    ("audio", "rate", "message"),
    [
        (np.zeros((2, 800)), 8000, "mono"),
        (np.zeros(0), 8000, "empty"),
        (np.zeros(800), 16000, "sample_rate must be 8000 Hz"),
        (np.array([0.0, np.nan]), 8000, "finite"),
    ],
)
def test_bad_audio_is_refused(audio, rate, message):
    with pytest.raises(ValueError, match=message):
        models.pad_audio([audio], sample_rate=rate)
