"""The stand-in LLM server: OpenAI-compatible answers, latency, injected faults, keep-alive, control."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator

import openai
import pytest

from credit_ocr.faces.llm_server import CONTROL_HEADER, STANDIN_MODEL, StandInLLM, start_llm_server_process
from credit_ocr.reading.extraction.fields import FIELD_NAMES
from credit_ocr.reading.extraction.llm import build_messages

DOCUMENT = """Loan Application for a Commercial Real Estate Loan
Company Name Hafenblick Logistik GmbH
Legal Form Limited Liability Company (GmbH)
Date of Incorporation 03/11/2009
VAT ID / Tax Number DE 987 654 321
Purchase Price / Construction Costs EUR 4.750.000
Year of Construction 1998
Total Area 5.200 m2
Term 20 years
"""


@pytest.fixture
def llm() -> Iterator[StandInLLM]:
    with StandInLLM().start() as server:
        yield server


def _client(llm: StandInLLM) -> openai.OpenAI:
    return openai.OpenAI(base_url=llm.url, api_key="not-needed", max_retries=0, timeout=10)


def _post(
    conn: http.client.HTTPConnection, headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    body = json.dumps({"model": "m", "messages": build_messages(DOCUMENT)})
    conn.request(
        "POST", "/v1/chat/completions", body, {"Content-Type": "application/json", **(headers or {})}
    )
    response = conn.getresponse()
    response.read()
    return response


def _control(llm: StandInLLM, settings: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        llm.url.removesuffix("/v1") + "/_control", json.dumps(settings).encode(), method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_models_endpoint_says_it_is_a_stand_in(llm: StandInLLM) -> None:
    models = _client(llm).models.list().data
    assert [m.id for m in models] == [STANDIN_MODEL]
    assert "STAND-IN" in models[0].owned_by


def test_completion_has_the_openai_shape_and_the_fields_of_the_document(llm: StandInLLM) -> None:
    response = _client(llm).chat.completions.create(
        model="any-model", messages=build_messages(DOCUMENT), response_format={"type": "json_object"}
    )
    assert response.id.startswith("chatcmpl-")
    assert response.object == "chat.completion"
    assert response.model == "any-model"
    assert response.choices[0].finish_reason == "stop"
    assert response.usage.total_tokens == response.usage.prompt_tokens + response.usage.completion_tokens > 0
    answer = json.loads(response.choices[0].message.content)
    assert list(answer) == list(FIELD_NAMES)
    assert answer["company_name"] == "Hafenblick Logistik GmbH"
    assert answer["founding_date"] == "03.11.2009"
    assert answer["vat_id"] == "DE987654321"
    assert answer["purchase_price"] == "€4,750,000"
    assert answer["construction_year"] == 1998
    assert answer["total_area"] == "5,200 m²"
    assert answer["loan_amount"] is None  # not in the document


def test_latency_is_honoured_and_can_be_changed_while_running(llm: StandInLLM) -> None:
    client = _client(llm)
    llm.configure(latency=1.0)
    started = time.perf_counter()
    client.chat.completions.create(model="m", messages=build_messages(DOCUMENT))
    assert time.perf_counter() - started >= 1.0  # the stand-in slept the configured latency
    llm.configure(latency=0.0)
    started = time.perf_counter()
    client.chat.completions.create(model="m", messages=build_messages(DOCUMENT))
    assert time.perf_counter() - started < 1.0  # ... and no longer does: the change took effect


def _statuses(llm: StandInLLM, calls: int) -> list[tuple[int, str | None]]:
    conn = http.client.HTTPConnection(*llm.address, timeout=10)
    out = []
    for _ in range(calls):
        response = _post(conn)
        out.append((response.status, response.getheader("Retry-After")))
    conn.close()
    return out


def test_injected_failures_follow_the_rate_and_the_seed(llm: StandInLLM) -> None:
    llm.configure(fail_rate=0.3, seed=11, retry_after=2)
    first = _statuses(llm, 200)
    counts = Counter(status for status, _ in first)
    assert set(counts) == {200, 500, 429}
    assert 0.2 < (counts[500] + counts[429]) / 200 < 0.4
    assert all(retry == "2" for status, retry in first if status == 429)  # Retry-After on every 429
    assert all(retry is None for status, retry in first if status != 429)
    stats = llm.stats()
    assert stats.calls == 200
    assert (stats.injected_500, stats.injected_429) == (counts[500], counts[429])

    llm.configure(seed=11)  # the same seed draws the same failures again
    assert _statuses(llm, 200) == first


def test_many_calls_share_one_keep_alive_connection_without_nagle_delay(llm: StandInLLM) -> None:
    client = _client(llm)
    client.chat.completions.create(model="m", messages=build_messages(DOCUMENT))  # warm up
    durations = []
    for _ in range(20):
        started = time.perf_counter()
        client.chat.completions.create(model="m", messages=build_messages(DOCUMENT))
        durations.append(time.perf_counter() - started)
    assert llm.stats().connections == 1
    assert llm.stats().calls == 21
    # With Nagle on, every call waited ~45 ms for a delayed ACK; with TCP_NODELAY, 2-5 ms (README).
    # Timing is reported by `credit-ocr bench`, never asserted here: these machines are shared.
    assert len(durations) == 20


def test_control_endpoint_changes_behaviour_and_refuses_nonsense(llm: StandInLLM) -> None:
    status, config = _control(llm, {"fail_rate": 1.0, "fail_codes": [503]})
    assert status == 200 and config["fail_rate"] == 1.0
    with pytest.raises(openai.InternalServerError) as info:
        _client(llm).chat.completions.create(model="m", messages=build_messages(DOCUMENT))
    assert info.value.status_code == 503

    status, error = _control(llm, {"fail_rate": 2})
    assert status == 400 and "between 0 and 1" in error["error"]["message"]
    status, error = _control(llm, {"latncy": 1})
    assert status == 400 and "latncy" in error["error"]["message"]

    with urllib.request.urlopen(llm.url.removesuffix("/v1") + "/_stats", timeout=5) as response:
        stats = json.loads(response.read())
    assert stats["calls"] == 1 and stats["failures_injected"] == 1

    status, _ = _control(llm, {"fail_rate": 0.0, "reset_stats": True})
    assert status == 200 and llm.stats().calls == 0


def test_control_header_changes_one_request_only(llm: StandInLLM) -> None:
    conn = http.client.HTTPConnection(*llm.address, timeout=10)
    override = {CONTROL_HEADER: json.dumps({"fail_rate": 1, "fail_codes": [429], "retry_after": 7})}
    response = _post(conn, override)
    assert response.status == 429 and response.getheader("Retry-After") == "7"
    assert _post(conn).status == 200
    assert _post(conn, {CONTROL_HEADER: "{not json"}).status == 400
    conn.close()


@pytest.mark.parametrize("kind", ["not_json", "fenced", "missing_keys"])
def test_malformed_answers_of_each_kind(llm: StandInLLM, kind: str) -> None:
    llm.configure(malformed_rate=1.0, malformed=kind)
    content = (
        _client(llm)
        .chat.completions.create(model="m", messages=build_messages(DOCUMENT))
        .choices[0]
        .message.content
    )
    if kind == "not_json":
        with pytest.raises(json.JSONDecodeError):
            json.loads(content)
        assert "{" in content  # half an object: a local repair cannot rescue it
    elif kind == "fenced":
        assert "```json" in content
        inner = json.loads(content[content.index("{") : content.rindex("}") + 1])
        assert set(inner) == set(FIELD_NAMES)
    else:
        assert 0 < len(json.loads(content)) < len(FIELD_NAMES)
    assert llm.stats().malformed == 1


def test_a_required_api_key_is_enforced(llm: StandInLLM) -> None:
    llm.configure(api_key="sk-right")
    wrong = openai.OpenAI(base_url=llm.url, api_key="sk-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        wrong.chat.completions.create(model="m", messages=build_messages(DOCUMENT))
    right = openai.OpenAI(base_url=llm.url, api_key="sk-right", max_retries=0)
    assert right.chat.completions.create(model="m", messages=build_messages(DOCUMENT)).choices
    assert llm.stats().unauthorized == 1


def test_separate_process_answers_and_is_steered_over_http() -> None:
    with start_llm_server_process(latency=0.0, fail_rate=0.0, seed=3) as proc:
        client = openai.OpenAI(base_url=proc.url, api_key="x", max_retries=0, timeout=10)
        answer = client.chat.completions.create(model="m", messages=build_messages(DOCUMENT))
        assert json.loads(answer.choices[0].message.content)["company_name"] == "Hafenblick Logistik GmbH"
        proc.configure(fail_rate=1.0, fail_codes=[500])
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(model="m", messages=build_messages(DOCUMENT))
        assert proc.stats().calls == 2 and proc.stats().injected_500 == 1
    assert proc.process.poll() is not None  # stopped on leaving the block
