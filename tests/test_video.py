"""Video: OpenCV's vtest.avi read out of opencv-doc and its time split, the moving-digit
clips, the video builders (shapes, save/load, errors, learning), the rollout and SSIM."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import keras
import numpy as np
import pytest

from seqbook import data, metrics, models
from seqbook.data.sources import video_clips

_USER_CACHE = Path(os.environ.get("SEQBOOK_DATA_DIR") or "~/.cache/seqbook").expanduser()


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """Decode vtest.avi into a private cache (the clip or the .deb copied from the user's
    cache when there), so the decoder runs on the real file and no user file is written."""
    private = tmp_path_factory.mktemp("video-data")
    for relative in ("video/vtest.avi", f"downloads/{video_clips.PACKAGE[2]}"):
        if (_USER_CACHE / relative).is_file():
            (private / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(_USER_CACHE / relative, private / relative)
            break
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEQBOOK_DATA_DIR", str(private))
        frames = {split: video_clips.video_frames(split, size=16)
                  for split in ("train", "validation", "test", "all")}
        assert (private / "video" / "vtest-grey-16.npy").is_file()  # cached
        loaded = list(video_clips.load_video_frames("test", size=16))
    return frames, loaded


def test_vtest_has_795_grey_frames_split_in_time_without_overlap(clip):
    frames, loaded = clip
    whole = frames["all"]
    assert whole.shape == (795, 16, 16) and whole.dtype == np.float32
    assert 0.0 <= whole.min() and whole.max() <= 1.0 and 0.3 < whole.mean() < 0.7
    # Consecutive frames are close (a real video, not noise), but not equal (people move).
    step = np.abs(np.diff(whole, axis=0)).mean()
    assert 0.0005 < step < 0.05
    assert [len(frames[s]) for s in ("train", "validation", "test")] == [636, 79, 80]
    parts = video_clips.split_indices(len(whole))
    assert not set(parts["train"]) & set(parts["validation"])
    assert not set(parts["validation"]) & set(parts["test"])
    assert parts["train"].max() < parts["validation"].min() <= parts["validation"].max() \
        < parts["test"].min()
    np.testing.assert_array_equal(whole[parts["test"]], frames["test"])
    # The catalogue's tf.data view: the same test frames, with their index in the clip.
    assert int(loaded[0]["index"]) == 715 and len(loaded) == 80
    np.testing.assert_array_equal(loaded[3]["frame"].numpy()[..., 0], frames["test"][3])
    assert data.info("video_clips").num_examples["test"] == 80


def test_frame_windows_are_consecutive_and_refuse_bad_input():
    clip = np.arange(10, dtype="float32")[:, None, None] * np.ones((1, 3, 3))
    x, y = data.frame_windows(clip, context=3, horizon=2)
    assert x.shape == (6, 3, 3, 3, 1) and y.shape == (6, 2, 3, 3, 1)
    assert x[2, :, 0, 0, 0].tolist() == [2, 3, 4] and y[2, :, 0, 0, 0].tolist() == [5, 6]
    with pytest.raises(ValueError, match="one size"):
        data.frame_windows([np.zeros((4, 4)), np.zeros((5, 4))], context=1)
    with pytest.raises(ValueError, match="at least context \\+ horizon = 11"):
        data.frame_windows(clip, context=10)
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match="context must be a positive integer"):
            data.frame_windows(clip, context=bad)


@pytest.mark.parametrize("task", ["direction", "order"])
def test_moving_digit_labels_depend_only_on_the_order_of_frames(task):
    clips, labels = data.moving_digit_clips(40, task=task, seed=3, noise=0.0)
    assert clips.shape == (40, 8, 16, 16, 1) and labels.tolist() == [0] * 20 + [1] * 20
    assert clips.min() >= 0.0 and clips.max() <= 1.0
    if task == "direction":
        # Which way the digit moves: where its mass is in the first and the last frame.
        columns = np.arange(16)
        mass = clips[..., 0].sum(axis=2)  # [clip, frame, column]
        centre = (mass * columns).sum(-1) / mass.sum(-1)
        moves_right = centre[:, -1] > centre[:, 0]
        np.testing.assert_array_equal(moves_right, labels == 1)
        # The same frames played backwards move the other way: the other label.
        flipped = (mass[:, ::-1] * columns).sum(-1) / mass[:, ::-1].sum(-1)
        np.testing.assert_array_equal(flipped[:, -1] > flipped[:, 0], labels == 0)
    else:
        # Each clip shows one scan in its first half, another in its second.
        first, second = clips[:, 0].sum(axis=(1, 2, 3)), clips[:, -1].sum(axis=(1, 2, 3))
        assert np.all(first > 0) and np.all(second > 0)
    # Order-blind statistics carry no label: the mean frame of each class is alike.
    mean_frames = [clips[labels == k].mean(axis=(0, 1)) for k in (0, 1)]
    assert np.abs(mean_frames[0] - mean_frames[1]).mean() < 0.1
    with pytest.raises(ValueError, match="task must be one of"):
        data.moving_digit_clips(4, task="speed")
    with pytest.raises(ValueError, match="size must be >= 8 \\+ num_frames - 1 = 15"):
        data.moving_digit_clips(4, task="direction", size=12)
    parts = data.digit_scan_split()
    assert not set(parts["train"]) & set(parts["test"])
    assert not set(parts["validation"]) & set(parts["test"])


def _predictor(kind):
    build = {"convlstm": models.convlstm_predictor, "conv3d": models.conv3d_predictor}[kind]
    return build(context=3, frame_size=(12, 12), filters=4)


def _classifier(kind):
    build = {"average": models.clip_average_classifier,
             "lstm": models.clip_lstm_classifier}[kind]
    return build(num_frames=8, frame_size=(16, 16), filters=4)


@pytest.mark.parametrize("kind", ["convlstm", "conv3d", "average", "lstm"])
def test_shapes_float32_output_and_save_load_round_trip(kind, tmp_path):
    keras.utils.set_random_seed(0)
    if kind in ("convlstm", "conv3d"):
        model = _predictor(kind)
        x = np.random.default_rng(0).random((2, 3, 12, 12, 1)).astype("float32")
        assert model.output_shape == (None, 12, 12, 1)
        # Untrained, the change convolution is zero: the model copies the last frame.
        np.testing.assert_allclose(model.predict(x, verbose=0), x[:, -1], atol=1e-6)
        model.fit(x, x[:, -1] + 0.1, epochs=1, verbose=0)  # move the weights off zero
    else:
        model = _classifier(kind)
        x = np.random.default_rng(0).random((2, 8, 16, 16, 1)).astype("float32")
        assert model.output_shape == (None, 2)
    assert model.layers[-1].dtype_policy.compute_dtype == "float32"
    before = model.predict(x, verbose=0)
    path = tmp_path / f"{kind}.keras"
    model.save(path)
    after = keras.saving.load_model(path).predict(x, verbose=0)
    np.testing.assert_allclose(after, before, atol=1e-6)


def test_the_average_classifier_cannot_see_order_and_the_lstm_can():
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(1).random((3, 8, 16, 16, 1)).astype("float32")
    backwards = x[:, ::-1]
    average, lstm = _classifier("average"), _classifier("lstm")
    np.testing.assert_allclose(average.predict(backwards, verbose=0),
                               average.predict(x, verbose=0), atol=1e-5)
    assert np.abs(lstm.predict(backwards, verbose=0) - lstm.predict(x, verbose=0)).max() > 1e-4


def test_bad_builder_arguments_are_refused():
    with pytest.raises(ValueError, match="context must be an integer >= 1"):
        models.convlstm_predictor(context=0)
    with pytest.raises(ValueError, match="context must be an integer >= 1"):
        models.conv3d_predictor(context=2.0)
    with pytest.raises(ValueError, match="frame_size must be \\(height, width\\)"):
        models.conv3d_predictor(frame_size=32)
    with pytest.raises(ValueError, match="filters"):
        models.convlstm_predictor(filters=0)
    with pytest.raises(ValueError, match="frame_size must be at least 2 x 2"):
        models.clip_lstm_classifier(frame_size=(1, 8))


def test_rollout_feeds_its_own_predictions_back():
    # A model that adds 1 to the last frame: k steps later the frame is last + k, which
    # only holds if each step reads the previous prediction, not a true frame.
    frames = keras.Input((2, 4, 4, 1))
    plus_one = keras.Model(frames, keras.layers.Rescaling(1.0, offset=1.0)(
        models.LastFrame()(frames)))
    start = np.full((3, 2, 4, 4, 1), 5.0, dtype="float32")
    predicted = models.rollout(plus_one, start, steps=4)
    assert predicted.shape == (3, 4, 4, 4, 1)
    np.testing.assert_allclose(predicted[:, :, 0, 0, 0], [[6, 7, 8, 9]] * 3)
    # A model that averages its context: step 2 reads [true frame 2, prediction 1].
    mean = lambda clip: clip.mean(axis=1)  # noqa: E731
    start = np.stack([np.zeros((4, 4, 1)), np.full((4, 4, 1), 4.0)])[None]
    assert models.rollout(mean, start, 3)[0, :, 0, 0, 0].tolist() == [2.0, 3.0, 2.5]
    np.testing.assert_array_equal(models.copy_last_rollout(start, 2)[0, :, 0, 0, 0], [4, 4])
    with pytest.raises(ValueError, match="context_frames must be"):
        models.rollout(mean, np.zeros((2, 4, 4)), 2)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        models.rollout(mean, start, 0)


def test_ssim_agrees_with_scikit_image():
    structural_similarity = pytest.importorskip("skimage.metrics").structural_similarity
    rng = np.random.default_rng(0)
    true = rng.random((3, 24, 20))
    predicted = np.clip(true + rng.normal(0, 0.1, true.shape), 0, 1)
    predicted[1] = np.roll(true[1], 2, axis=1)
    ours = metrics.ssim(true, predicted[..., None])
    reference = [structural_similarity(t, p, data_range=1.0, gaussian_weights=True, sigma=1.5,
                                       use_sample_covariance=False)
                 for t, p in zip(true, predicted)]
    np.testing.assert_allclose(ours, reference, atol=1e-6)
    assert metrics.ssim(true, true).tolist() == pytest.approx([1.0, 1.0, 1.0])
    np.testing.assert_allclose(metrics.frame_mse(true, predicted),
                               ((true - predicted) ** 2).mean(axis=(1, 2)))
    with pytest.raises(ValueError, match="predicted must have the shape"):
        metrics.ssim(true, true[:, :10])
    with pytest.raises(ValueError, match="at least 11 x 11"):
        metrics.ssim(true[:, :8, :8], true[:, :8, :8])


def test_a_conv3d_predictor_learns_a_moving_bar():
    """A bright column steps one pixel right per frame: copying the last frame is wrong
    everywhere the bar moves; a few epochs of training must do much better."""
    keras.utils.set_random_seed(0)
    clips = np.zeros((64, 4, 12, 12, 1), dtype="float32")
    for n in range(64):
        start = n % 8
        for t in range(4):
            clips[n, t, :, start + t] = 1.0
    x, y = clips[:, :3], clips[:, 3]
    model = models.conv3d_predictor(context=3, frame_size=(12, 12), filters=8,
                                    learning_rate=1e-2)
    copy_error = float(np.mean((x[:, -1] - y) ** 2))
    model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    error = float(np.mean((model.predict(x, verbose=0) - y) ** 2))
    assert error < 0.25 * copy_error, (error, copy_error)
