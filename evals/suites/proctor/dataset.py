"""The proctor suite's dataset: staged webcam clips (``proctor.staging``), each with the learner
who enrolled and the events it stages (kind, from, to: seconds of the clip), or none.

Clean clips include near misses the proctor must let pass: a 2 s glance aside (looking away is an
event from 3 s), half a second out of the picture (an absence is one from 1 s), a tilted head,
and the same video of Grace Hopper that is a mismatch against the astronaut's enrolment but not
against her own. The staged times follow the default settings (``ProctorSettings``).

A clip is rendered to a lossless H.264 file when it is scored: the frames are made from the
portraits with seeded sensor noise, so every render of a version is the same video.
"""

import enum
from dataclasses import dataclass
from pathlib import Path

from proctor.signals import Image, SignalKind

# Bump on any change to a clip, its stage in ``proctor.staging.videos``, or its staged events.
VERSION = "1"


class Person(enum.StrEnum):
    """Whose enrolment photo the clip is checked against."""

    ASTRONAUT = "astronaut"
    GRACE_HOPPER = "grace_hopper"


@dataclass(frozen=True)
class StagedEvent:
    kind: SignalKind
    started_at: float
    ended_at: float

    def __str__(self) -> str:
        return f"{self.kind.value} {self.started_at:.1f}–{self.ended_at:.1f} s"


@dataclass(frozen=True)
class StagedClip:
    """``stage`` names a scene list in ``proctor.staging.videos.STAGES``."""

    name: str
    stage: str
    enrolled: Person
    events: tuple[StagedEvent, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.events


ASTRONAUT, HOPPER = Person.ASTRONAUT, Person.GRACE_HOPPER
# A clip's last frame is at its length less 0.1 s (10 fps): an event running to the end ends
# there. Ordered so that the first few clips (``--limit``) mix clean, staged and object cases.
CLIPS: tuple[StagedClip, ...] = (
    StagedClip("steady", "steady", ASTRONAUT),
    StagedClip("absent", "absent", ASTRONAUT, (StagedEvent(SignalKind.FACE_ABSENT, 2.0, 7.0),)),
    # Two people in the picture: two faces, and two persons for an object detector that knows
    # the class (COCO's "person").
    StagedClip(
        "two_faces",
        "two_faces",
        ASTRONAUT,
        (
            StagedEvent(SignalKind.MULTIPLE_FACES, 1.0, 4.0),
            StagedEvent(SignalKind.EXTRA_PERSON, 1.0, 4.0),
        ),
    ),
    StagedClip("glance_aside", "glance_aside", ASTRONAUT),
    StagedClip(
        "other_person",
        "other_person",
        ASTRONAUT,
        (StagedEvent(SignalKind.IDENTITY_MISMATCH, 0.0, 2.9),),
    ),
    StagedClip(
        "substitution",
        "substitution",
        ASTRONAUT,
        (
            StagedEvent(SignalKind.FACE_ABSENT, 2.0, 3.5),
            StagedEvent(SignalKind.IDENTITY_MISMATCH, 3.5, 6.4),
        ),
    ),
    StagedClip("turned", "turned", ASTRONAUT, (StagedEvent(SignalKind.LOOKING_AWAY, 1.0, 5.0),)),
    StagedClip("brief_absence", "brief_absence", ASTRONAUT),
    StagedClip(
        "turned_mirrored",
        "turned_mirrored",
        ASTRONAUT,
        (StagedEvent(SignalKind.LOOKING_AWAY, 1.0, 5.0),),
    ),
    StagedClip("hopper_enrolled", "other_person", HOPPER),
    StagedClip("blank", "blank", ASTRONAUT, (StagedEvent(SignalKind.FACE_ABSENT, 0.0, 2.9),)),
    StagedClip("tilted_head", "tilted_head", ASTRONAUT),
    StagedClip("steady_mirrored", "steady_mirrored", ASTRONAUT),
)


def load(limit: int | None, seed: int) -> list[StagedClip]:
    """The first ``limit`` clips (all without one), in their versioned order. No sample is
    drawn (``seed`` is unused): each clip is its own case, not a draw from a pool."""
    return list(CLIPS if limit is None else CLIPS[:limit])


def questions() -> list[str]:
    """Nothing here is text a language model could train on."""
    return []


# The staging modules are imported when a clip is made: they bring PyAV and OpenCV, which a run
# of another suite should not wait for.


def enrolment_photo(person: Person) -> Image:
    from proctor.staging import portraits

    if person is Person.GRACE_HOPPER:
        return portraits.grace_hopper_photo()
    return portraits.astronaut_photo()


def render(clip: StagedClip, directory: Path) -> Path:
    """The clip as ``directory/<name>.mp4``."""
    from proctor.staging import videos

    pictures = videos.staged_pictures(videos.STAGES[clip.stage]())
    return videos.write_video(directory / f"{clip.name}.mp4", pictures)
