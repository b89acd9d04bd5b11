"""Grading one answer against its item's rubric and model answer, every node in this file.

    measure_evidence ─┬─ blank answer → combine_grade → END
                      └─ judge_rubric → combine_grade → END

``measure_evidence`` also weighs the answer's claims against the course's material when the
deps carry the course's evidence and the answer names its course (``GradingInput.course_id``).

``judge_rubric`` raises when the LLM is down or never answers in the schema: the saga's bus
consumer then retries the whole step with back-off (a grade is never made up).
"""

from dataclasses import dataclass
from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from agents.grader import evidence, rubric
from agents.grader.schemas import GradeResult, GradingInput, RubricJudgement
from agents.grader.settings import GradingSettings
from rag.evidence import ClaimCheck, claims_of
from serving.client import LLMClient

Update = dict[str, Any]


class GradingState(TypedDict, total=False):
    grading: GradingInput
    similarity: float
    evidence_share: float
    course_support: ClaimCheck | None
    judgement: RubricJudgement | None
    result: GradeResult


@dataclass(frozen=True)
class GradingDeps:
    llm: LLMClient
    encoder: evidence.Encoder
    settings: GradingSettings
    course_evidence: evidence.CourseEvidence | None = None


def build_graph(deps: GradingDeps) -> CompiledStateGraph[Any]:
    settings = deps.settings

    async def measure_evidence(state: GradingState) -> Update:
        grading = state["grading"]
        value = await evidence.similarity(deps.encoder, grading.answer, grading.model_answer)
        share = evidence.evidence_share(
            value, settings.similarity_floor, settings.similarity_ceiling
        )
        return {
            "similarity": value,
            "evidence_share": share,
            "judgement": None,
            "course_support": await course_support(grading),
        }

    async def course_support(grading: GradingInput) -> ClaimCheck | None:
        claims = claims_of(grading.answer)
        if deps.course_evidence is None or grading.course_id is None or not claims:
            return None
        return await deps.course_evidence.check_claims(
            grading.question, claims, [grading.course_id]
        )

    async def judge_rubric(state: GradingState) -> Update:
        return {"judgement": await rubric.judge(deps.llm, state["grading"], settings)}

    async def combine_grade(state: GradingState) -> Update:
        result = rubric.combine(
            state["grading"],
            state.get("judgement"),
            state["similarity"],
            state["evidence_share"],
            settings,
            state.get("course_support"),
        )
        return {"result": result}

    def route_after_evidence(state: GradingState) -> str:
        return "combine_grade" if not state["grading"].answer.strip() else "judge_rubric"

    graph = StateGraph(GradingState)
    graph.add_node("measure_evidence", measure_evidence)
    graph.add_node("judge_rubric", judge_rubric)
    graph.add_node("combine_grade", combine_grade)
    graph.add_edge(START, "measure_evidence")
    graph.add_conditional_edges(
        "measure_evidence", route_after_evidence, ["judge_rubric", "combine_grade"]
    )
    graph.add_edge("judge_rubric", "combine_grade")
    graph.add_edge("combine_grade", END)
    return graph.compile()


async def grade_answer(graph: CompiledStateGraph[Any], grading: GradingInput) -> GradeResult:
    """Run the graph on one answer; its exceptions (a dead LLM) propagate to the caller."""
    final = await graph.ainvoke({"grading": grading})
    result: GradeResult = final["result"]
    return result
