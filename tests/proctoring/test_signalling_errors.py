"""The WebRTC signalling endpoint refuses what is not an offer before anything reaches the proctor:
an answer sent without an offer, trickled ICE candidates (the platform takes none: candidates
travel inside the offer), a body that is not JSON or holds no SDP, an SDP past the limit. Each is
a 422 with the stable ``validation_error`` code; a well-formed offer for a session that was never
created is a 404. (SDP that parses as text but is not SDP is the proctor's to refuse:
tests/proctor/test_ingest.py and test_streaming_to_the_proctor.py.)"""

import uuid

from serving.proctoring.contract import MAX_SDP_CHARACTERS
from tests.fixtures.app import Api

SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"


async def test_what_is_not_an_offer_is_refused_before_the_proctor(api: Api) -> None:
    learner = await api.account("student")
    path = f"/api/v1/proctor/sessions/{uuid.uuid4()}/offer"
    bodies: dict[str, object] = {
        "an answer without an offer": {"sdp": SDP, "type": "answer"},
        "a rollback": {"sdp": SDP, "type": "rollback"},
        "ICE before any offer": {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host"},
        "an offer with a trickled candidate": {"sdp": SDP, "candidate": "candidate:1"},
        "no SDP": {"type": "offer"},
        "empty SDP": {"sdp": "", "type": "offer"},
        "SDP of the wrong type": {"sdp": 5, "type": "offer"},
        "SDP past the limit": {"sdp": "a" * (MAX_SDP_CHARACTERS + 1), "type": "offer"},
        "a list": [{"sdp": SDP, "type": "offer"}],
    }
    refused = {}
    for name, body in bodies.items():
        response = await api.client.post(path, json=body, headers=learner.headers)
        refused[name] = (response.status_code, response.json()["error"]["code"])
    not_json = await api.client.post(
        path, content=b"v=0\r\n", headers={**learner.headers, "Content-Type": "application/sdp"}
    )
    unknown_session = await api.client.post(
        path, json={"sdp": SDP, "type": "offer"}, headers=learner.headers
    )

    assert refused == {name: (422, "validation_error") for name in bodies}
    assert (not_json.status_code, not_json.json()["error"]["code"]) == (422, "validation_error")
    assert (unknown_session.status_code, unknown_session.json()["error"]["code"]) == (
        404,
        "not_found",
    )
