"""The frame sampler on media timestamps as clients send them: exact, jittery, frozen, restarted."""

import numpy as np
import pytest

from proctor.sampler import FrameSampler
from proctor.settings import ProctorSettings

SETTINGS = ProctorSettings(frames_per_second=5.0, suspicious_frames_per_second=10.0)


def timestamps(
    fps: float, seconds: float, *, jitter: float = 0.0, start: float = 0.0
) -> list[float]:
    """Frame times of a client sending ``fps``, each off by up to ±``jitter`` s (in order)."""
    exact = start + np.arange(round(fps * seconds)) / fps
    moved = exact + np.random.default_rng(7).uniform(-jitter, jitter, len(exact))
    return [float(at) for at in np.maximum.accumulate(np.maximum(moved, 0.0))]


def analysed(sampler: FrameSampler, times: list[float], *, suspicious: bool) -> list[float]:
    return [at for at in times if sampler.should_analyse(at, suspicious=suspicious)]


@pytest.mark.parametrize(("suspicious", "rate"), [(False, 5.0), (True, 10.0)])
@pytest.mark.parametrize("jitter", [0.0, 0.012])
def test_from_30_fps_the_rate_is_the_configured_one_calm_or_suspicious(
    suspicious: bool, rate: float, jitter: float
) -> None:
    times = timestamps(30, 60, jitter=jitter)

    taken = analysed(FrameSampler.from_settings(SETTINGS), times, suspicious=suspicious)

    assert abs(len(taken) - rate * 60) <= 1
    gaps = np.diff(taken)[1:]  # the second frame comes half a slot early: see FrameSampler
    assert gaps.min() > 1 / rate - 1 / 30 - 2 * jitter - 1e-9  # never two frames for one slot
    assert gaps.max() < 1 / rate + 1 / 30 + 2 * jitter + 1e-9  # never a slot skipped


def test_jitter_does_not_drift_the_rate_down_over_a_session() -> None:
    times = timestamps(30, 600, jitter=0.015)

    taken = np.array(analysed(FrameSampler.from_settings(SETTINGS), times, suspicious=False))

    per_minute = np.histogram(taken, bins=10, range=(0, 600))[0]
    assert set(per_minute) <= {299, 300, 301}


def test_a_client_sending_at_the_suspicious_rate_has_every_frame_analysed_despite_jitter() -> None:
    times = timestamps(10, 60, jitter=0.03)

    taken = analysed(FrameSampler.from_settings(SETTINGS), times, suspicious=True)

    assert taken == times


def test_the_rate_follows_the_suspicion_as_it_opens_and_closes() -> None:
    sampler = FrameSampler.from_settings(SETTINGS)
    times = timestamps(30, 30, jitter=0.01)

    taken = [at for at in times if sampler.should_analyse(at, suspicious=10 <= at < 20)]

    per_phase = np.histogram(taken, bins=3, range=(0, 30))[0]
    assert np.abs(per_phase - [50, 100, 50]).max() <= 1, per_phase


def test_a_frozen_stream_resumes_at_the_rate_without_a_burst() -> None:
    sampler = FrameSampler.from_settings(SETTINGS)
    before = timestamps(30, 5)
    after = timestamps(30, 5, start=8.0)  # three seconds without a frame

    taken = analysed(sampler, before + after, suspicious=False)

    resumed = [at for at in taken if at >= 8.0]
    assert resumed[0] == pytest.approx(8.0, abs=0.1)
    assert abs(len(resumed) - 25) <= 1
    # Missed slots are not made up: at most one frame over the rate in any second.
    assert np.histogram(resumed, bins=5, range=(8.0, 13.0))[0].max() <= 6


def test_media_time_starting_over_is_sampled_again_at_once() -> None:
    sampler = FrameSampler.from_settings(SETTINGS)
    first_track = timestamps(30, 20)
    new_track = timestamps(30, 4)  # a reconnect whose track counts from zero again

    analysed(sampler, first_track, suspicious=False)
    taken = analysed(sampler, new_track, suspicious=False)

    assert taken[0] == 0.0
    assert abs(len(taken) - 20) <= 1


def test_rates_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        FrameSampler(0.0, 10.0)
