"""QTI 2.1 export: every item kind packs into a content package that passes the QTI 2.1 check
of ``qti_checker`` (structural: no installable package carries the IMS XSD)."""

import io
import math
import zipfile
from collections.abc import Callable

import pytest
from lxml import etree

from agents.content.schemas import (
    ChoiceOption,
    MultipleChoiceItem,
    NumericItem,
    ShortAnswerItem,
)
from platform_api.content.qti import (
    ITEM_RESOURCE_TYPE,
    MANIFEST_FILE,
    TEST_FILE,
    TEST_RESOURCE_TYPE,
    QtiItem,
    assessment_item_xml,
    qti_package,
)
from tests.content.qti_checker import (
    CP,
    QTI,
    NotQti,
    check_assessment_item,
    check_manifest,
    check_package,
    local,
    parse,
)

AWKWARD = "Is 3 < 5 && \"x\" > 'y'? — café, Ünïcödé, 水, ½ ✓"


# ---- factories ------------------------------------------------------------------------------

HINTS = ("First & <nudge>", 'Second — "closer" to it', "Third: ½ of the way")


def multiple_choice(text: str = AWKWARD, key: int = 2) -> MultipleChoiceItem:
    options = [
        ChoiceOption(text=f"Option {n}: {text}", rationale=f"Because {n}: {text}") for n in range(4)
    ]
    return MultipleChoiceItem(stem=f"Stem: {text}", options=options, key=key)


def numeric(text: str = AWKWARD, answer: float = 9.81, tolerance: float = 0.05) -> NumericItem:
    return NumericItem(
        stem=f"Stem: {text}", answer=answer, tolerance=tolerance, unit="m/s²", rubric=text
    )


def short_answer(text: str = AWKWARD) -> ShortAnswerItem:
    return ShortAnswerItem(
        stem=f"Stem: {text}", model_answer=f"Model: {text}", rubric=[f"Names {text}", "Is brief"]
    )


FACTORIES: dict[str, Callable[[], MultipleChoiceItem | NumericItem | ShortAnswerItem]] = {
    "multiple_choice": multiple_choice,
    "numeric": numeric,
    "short_answer": short_answer,
}


def item_root(item: QtiItem) -> etree._Element:
    return check_assessment_item(assessment_item_xml(item))


def texts(root: etree._Element, tag: str) -> list[str]:
    return ["".join(element.itertext()).strip() for element in root.iter(f"{QTI}{tag}")]


# ---- the exporter ---------------------------------------------------------------------------


@pytest.mark.parametrize("hints", [(), HINTS], ids=["no-hints", "hints"])
@pytest.mark.parametrize("kind", FACTORIES)
def test_each_kind_packs_into_a_valid_package(kind: str, hints: tuple[str, ...]) -> None:
    item = QtiItem(f"{kind}-1", f"Title {AWKWARD}", FACTORIES[kind](), hints)

    archive = check_package(qti_package([item], f"Quiz {AWKWARD}"))

    assert archive.namelist() == [MANIFEST_FILE, TEST_FILE, f"items/{kind}-1.xml"]
    root = parse(archive.read(f"items/{kind}-1.xml"))
    assert (root.get("identifier"), root.get("title")) == (f"{kind}-1", f"Title {AWKWARD}")
    assert (root.get("adaptive"), root.get("timeDependent")) == ("false", "false")
    assert parse(archive.read(TEST_FILE)).get("title") == f"Quiz {AWKWARD}"


def test_a_mixed_package_lists_and_references_every_item_in_order() -> None:
    items = [
        QtiItem(f"q{n}", f"Item {n}", factory(), HINTS[:n])
        for n, factory in enumerate(FACTORIES.values())
    ]

    archive = check_package(qti_package(items, "Mixed"))

    listed = check_manifest(archive)
    assert listed == {
        TEST_FILE: TEST_RESOURCE_TYPE,
        "items/q0.xml": ITEM_RESOURCE_TYPE,
        "items/q1.xml": ITEM_RESOURCE_TYPE,
        "items/q2.xml": ITEM_RESOURCE_TYPE,
    }
    manifest = parse(archive.read(MANIFEST_FILE))
    test_resource = manifest.find(f"{CP}resources/{CP}resource[@type='{TEST_RESOURCE_TYPE}']")
    assert test_resource is not None
    needs = [d.get("identifierref") for d in test_resource.iter(f"{CP}dependency")]
    assert needs == ["RES-ITEM-q0", "RES-ITEM-q1", "RES-ITEM-q2"]
    refs = parse(archive.read(TEST_FILE)).iter(f"{QTI}assessmentItemRef")
    assert [ref.get("identifier") for ref in refs] == ["q0", "q1", "q2"]


@pytest.mark.parametrize("kind", FACTORIES)
def test_awkward_text_is_escaped_and_comes_back_unchanged(kind: str) -> None:
    document = assessment_item_xml(QtiItem("awkward", AWKWARD, FACTORIES[kind](), HINTS))

    assert b"3 &lt; 5 &amp;&amp;" in document
    assert "Ünïcödé, 水".encode() in document
    root = check_assessment_item(document)
    assert root.get("title") == AWKWARD
    body_text = "".join(root.itertext())
    assert f"Stem: {AWKWARD}" in body_text
    assert texts(root, "feedbackBlock") == list(HINTS)


def test_multiple_choice_scores_the_key_and_explains_every_option() -> None:
    question = multiple_choice(key=1)

    root = item_root(QtiItem("mc", "MC", question))

    interaction = root.find(f"{QTI}itemBody/{QTI}choiceInteraction")
    assert interaction is not None
    assert (interaction.get("maxChoices"), interaction.get("shuffle")) == ("1", "false")
    assert texts(interaction, "simpleChoice") == [option.text for option in question.options]
    assert texts(interaction, "prompt") == [question.stem]
    assert texts(root, "correctResponse") == ["B"]
    assert root.find(f".//{QTI}match") is not None
    feedback = list(root.iter(f"{QTI}modalFeedback"))
    assert [f.get("identifier") for f in feedback] == ["A", "B", "C", "D"]
    assert [f.get("title") for f in feedback] == ["Incorrect", "Correct", "Incorrect", "Incorrect"]
    assert texts(root, "modalFeedback") == [option.rationale for option in question.options]
    chosen = root.find(f".//{QTI}setOutcomeValue[@identifier='FEEDBACK']/{QTI}variable")
    assert chosen is not None and chosen.get("identifier") == "RESPONSE"


def test_numeric_item_scores_within_the_absolute_tolerance() -> None:
    root = item_root(QtiItem("num", "Numeric", numeric(answer=-1.5e-3, tolerance=2.5e-4)))

    assert texts(root, "correctResponse") == ["-0.0015"]
    equal = root.find(f".//{QTI}responseIf/{QTI}equal")
    assert equal is not None
    assert (equal.get("toleranceMode"), equal.get("tolerance")) == ("absolute", "0.00025")
    assert [local(operand) for operand in equal] == ["variable", "correct"]
    entry = root.find(f"{QTI}itemBody/{QTI}p/{QTI}textEntryInteraction")
    assert entry is not None and entry.tail == " m/s²"
    assert texts(root, "rubricBlock") == [AWKWARD]
    scores = root.findall(f".//{QTI}setOutcomeValue[@identifier='SCORE']/{QTI}baseValue")
    assert [score.text for score in scores] == ["1.0", "0.0"]


def test_short_answer_is_left_to_a_scorer_with_the_rubric() -> None:
    question = short_answer()

    root = item_root(QtiItem("essay", "Essay", question))

    assert root.find(f"{QTI}responseProcessing") is None
    assert root.find(f".//{QTI}correctResponse") is None
    rubric = root.find(f"{QTI}itemBody/{QTI}rubricBlock[@view='scorer']")
    assert rubric is not None
    assert texts(rubric, "p") == [f"Model answer: {question.model_answer}"]
    assert texts(rubric, "li") == question.rubric


def test_hints_are_asked_for_without_using_an_attempt_and_scoring_waits() -> None:
    root = item_root(QtiItem("hinted", "Hinted", multiple_choice(), HINTS))

    asks = list(root.iter(f"{QTI}endAttemptInteraction"))
    assert [a.get("title") for a in asks] == ["Hint 1", "Hint 2", "Hint 3"]
    assert {a.get("countAttempt") for a in asks} == {"false"}
    blocks = list(root.iter(f"{QTI}feedbackBlock"))
    assert [b.get("identifier") for b in blocks] == ["HINT_1", "HINT_2", "HINT_3"]
    top = root.find(f"{QTI}responseProcessing/{QTI}responseCondition")
    assert top is not None
    assert [local(branch) for branch in top] == [
        "responseIf",
        "responseElseIf",
        "responseElseIf",
        "responseElse",
    ]
    assert top[-1].find(f".//{QTI}match") is not None


def test_the_package_is_byte_for_byte_deterministic() -> None:
    def build() -> bytes:
        items = [QtiItem(f"q{n}", "T", f(), HINTS) for n, f in enumerate(FACTORIES.values())]
        return qti_package(items, "Same")

    first = build()

    assert first == build()
    infos = zipfile.ZipFile(io.BytesIO(first)).infolist()
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}


@pytest.mark.parametrize("identifier", ["1st", "has space", "../escape", "", "é"])
def test_identifiers_that_are_not_qti_identifiers_are_refused(identifier: str) -> None:
    with pytest.raises(ValueError, match="NCName"):
        QtiItem(identifier, "T", short_answer())


@pytest.mark.parametrize(
    "build",
    [
        lambda: qti_package([], "Empty"),
        lambda: qti_package([QtiItem("a", "T", short_answer())] * 2, "Twice"),
        lambda: assessment_item_xml(QtiItem("a", "T", numeric(answer=math.inf))),
        lambda: assessment_item_xml(QtiItem("a", "T", numeric(tolerance=math.nan))),
        lambda: assessment_item_xml(QtiItem("a", "T", multiple_choice(text="bell \x07"))),
    ],
    ids=["empty", "duplicate", "infinite-answer", "nan-tolerance", "control-character"],
)
def test_what_cannot_be_valid_qti_is_refused(build: Callable[[], bytes]) -> None:
    with pytest.raises(ValueError):
        build()


# ---- the check itself fails on broken documents -----------------------------------------------


def first(root: etree._Element, path: str) -> etree._Element:
    found = root.find(path.replace("q:", QTI))
    assert found is not None, path
    return found


def move_entry_out_of_paragraph(root: etree._Element) -> None:
    body = first(root, "q:itemBody")
    body.append(first(root, ".//q:textEntryInteraction"))


BREAKAGES: dict[str, tuple[Callable[[], QtiItem], Callable[[etree._Element], None]]] = {
    "no-correct-response": (
        lambda: QtiItem("m", "T", multiple_choice()),
        lambda root: first(root, "q:responseDeclaration").remove(
            first(root, "q:responseDeclaration/q:correctResponse")
        ),
    ),
    "key-not-a-choice": (
        lambda: QtiItem("m", "T", multiple_choice()),
        lambda root: setattr(first(root, ".//q:correctResponse/q:value"), "text", "E"),
    ),
    "unbound-interaction": (
        lambda: QtiItem("m", "T", multiple_choice()),
        lambda root: first(root, ".//q:choiceInteraction").set("responseIdentifier", "OTHER"),
    ),
    "unknown-attribute": (
        lambda: QtiItem("m", "T", multiple_choice()),
        lambda root: first(root, ".//q:choiceInteraction").set("maxChoice", "1"),
    ),
    "not-a-boolean": (
        lambda: QtiItem("m", "T", multiple_choice()),
        lambda root: root.set("adaptive", "no"),
    ),
    "body-after-processing": (
        lambda: QtiItem("m", "T", multiple_choice()),
        lambda root: first(root, "q:responseProcessing").addnext(first(root, "q:itemBody")),
    ),
    "feedback-on-a-float": (
        lambda: QtiItem("m", "T", multiple_choice()),
        lambda root: first(root, "q:modalFeedback").set("outcomeIdentifier", "SCORE"),
    ),
    "inline-in-body": (lambda: QtiItem("n", "T", numeric()), move_entry_out_of_paragraph),
    "loose-body-text": (
        lambda: QtiItem("n", "T", numeric()),
        lambda root: setattr(first(root, "q:itemBody"), "text", "stray"),
    ),
    "foreign-element": (
        lambda: QtiItem("s", "T", short_answer()),
        lambda root: first(root, "q:itemBody").append(etree.Element("{urn:x}thing")),
    ),
    "score-not-float": (
        lambda: QtiItem("s", "T", short_answer()),
        lambda root: first(root, "q:outcomeDeclaration").set("baseType", "integer"),
    ),
    "bad-view": (
        lambda: QtiItem("s", "T", short_answer()),
        lambda root: first(root, ".//q:rubricBlock").set("view", "student"),
    ),
    "unknown-hint-variable": (
        lambda: QtiItem("h", "T", short_answer(), HINTS),
        lambda root: first(root, ".//q:responseIf/q:variable").set("identifier", "NOPE"),
    ),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_check_rejects(breakage: str) -> None:
    make_item, break_it = BREAKAGES[breakage]
    root = parse(assessment_item_xml(make_item()))
    check_assessment_item(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))

    break_it(root)

    with pytest.raises(NotQti):
        check_assessment_item(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def test_check_rejects_a_package_whose_manifest_misses_a_file() -> None:
    package = qti_package([QtiItem("a", "T", short_answer())], "P")
    source = zipfile.ZipFile(io.BytesIO(package))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as copy:
        for name in source.namelist():
            copy.writestr(name, source.read(name))
        copy.writestr("items/stray.xml", source.read("items/a.xml"))

    with pytest.raises(NotQti, match="manifest vs zip"):
        check_package(buffer.getvalue())
