"""What the proctor suite reports, and what counts as passing.

Measured here (version 1, default settings, no detector weights): the 8 scorable staged events
of the 7 clips that stage any all found (recall 1.0), no false alarm on any of the 13 clips (0.0),
the object check 0.0 (unavailable: the extra person of ``two_faces`` goes unscored). Scoring is
deterministic (lossless clips, dlib's models): a run differs from the last only when the proctor
or its settings changed. The thresholds leave room for one borderline case that another build of
dlib or FFmpeg may read differently (a face turned past the yaw limit is near the edge of what
dlib's frontal detector finds, see ``TURN_DEGREES`` in ``proctor.staging.videos``): one event
of a two-event clip missed (recall 6.5 / 7 = 0.93), or one false alarm in 13 clips (0.08).
"""

from evals.suite import Metric, Thresholds

THRESHOLDS = Thresholds(
    target="event_recall",
    metrics=(
        Metric(
            "event_recall",
            "Staged events the proctor raised: same kind, start and end within 1 s (clips with "
            "events the proctor can judge).",
            threshold=0.9,
        ),
        Metric(
            "false_alarm",
            "Clips on which the proctor raised an event nobody staged (any event on a clean clip).",
            better="lower",
            threshold=0.1,
        ),
        Metric(
            "object_check",
            "Share of analysed frames the object detector judged: 0 without detector weights "
            "(the check is unavailable, which is not a pass).",
            threshold=1.0,
        ),
    ),
)
