"""Request ids and the access log, read from the lines the project's LOGGING writes."""

from __future__ import annotations

import logging
import re

import pytest
from celery import shared_task
from django.test import Client

from lst.request_context import TASK_HEADER, request_id_var
from tests.lst.logcapture import json_lines, project_logs

pytestmark = pytest.mark.smoke
HEX32 = re.compile(r"[0-9a-f]{32}")


@shared_task(name="tests.ops.log_inside")
def log_inside() -> str:
    logging.getLogger("tests.ops").info("inside the task")
    return "ok"


def _access(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "lst.access"]


def test_a_request_id_is_made_up_and_returned() -> None:
    first = Client().get("/healthz")
    second = Client().get("/healthz")
    assert HEX32.fullmatch(first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_safe_incoming_request_id_is_kept() -> None:
    response = Client().get("/healthz", headers={"X-Request-ID": "edge-7f3a.01:b_c"})
    assert response["X-Request-ID"] == "edge-7f3a.01:b_c"


@pytest.mark.parametrize("bad", ["x" * 65, "two words", "semi;colon", "<script>", "é"])
def test_an_unsafe_incoming_request_id_is_replaced(bad: str) -> None:
    response = Client().get("/healthz", headers={"X-Request-ID": bad})
    assert HEX32.fullmatch(response["X-Request-ID"])


def test_one_json_access_line_per_request_without_secrets(alice) -> None:  # type: ignore[no-untyped-def]
    with project_logs("json") as buffer:
        response = alice.client.get(
            f"/api/v1/stores/{alice.store.pk}/stock/?token=hunter2",
            headers={"X-Request-ID": "req-42", "Authorization": "Bearer sekrit-jwt"},
        )
    assert response.status_code == 200
    (line,) = _access(json_lines(buffer))
    assert line["request_id"] == "req-42" == response["X-Request-ID"]
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["path"] == f"/api/v1/stores/{alice.store.pk}/stock/"
    assert line["route"] == "/api/v1/stores/<int:store_id>/stock/"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] == alice.user.pk
    assert line["store_id"] == alice.store.pk
    assert {"time", "logger", "message", "task_id", "process"} <= set(line)
    assert "hunter2" not in buffer.getvalue()
    assert "sekrit-jwt" not in buffer.getvalue()


def test_a_request_body_is_never_logged(db) -> None:  # type: ignore[no-untyped-def]
    with project_logs("json") as buffer:
        response = Client().post(
            "/api/v1/auth/token/",
            {"username": "nobody", "password": "correct-horse-battery"},
            content_type="application/json",
        )
    assert response.status_code in (400, 401)
    (line,) = _access(json_lines(buffer))
    assert line["route"] == "/api/v1/auth/token/"
    assert line["user_id"] is None
    assert "correct-horse-battery" not in buffer.getvalue()


def test_django_s_4xx_warning_carries_the_request_id_in_plain_lines() -> None:
    with project_logs("plain") as buffer:
        Client().get("/no/such/page", headers={"X-Request-ID": "plain-1"})
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert re.fullmatch(
        r"\S+ \S+ INFO lst\.access \[plain-1 -\] GET /no/such/page 404 \d+\.\dms user=- store=-",
        lines[0],
    )
    assert re.fullmatch(r"\S+ \S+ WARNING django\.request \[plain-1 -\] Not Found: .*", lines[1])


def test_control_characters_in_the_path_cannot_forge_a_line() -> None:
    with project_logs("plain") as buffer:
        Client().get("/x%0A2026-01-01 00:00:00 INFO lst.access forged")
    lines = buffer.getvalue().splitlines()
    assert [line.split(" ")[3] for line in lines] == ["lst.access", "django.request"]
    assert "/x\\x0a2026-01-01 00:00:00 INFO lst.access forged 404" in lines[0]


def test_probes_that_answer_well_stay_out_of_the_info_log(db) -> None:  # type: ignore[no-untyped-def]
    with project_logs("json") as buffer:
        Client().get("/healthz")
    assert _access(json_lines(buffer)) == []
    with project_logs("json", level="DEBUG") as buffer:
        Client().get("/healthz")
    (line,) = _access(json_lines(buffer))
    assert line["level"] == "DEBUG"
    assert line["route"] == "/healthz"


def test_the_request_id_does_not_outlive_its_request() -> None:
    Client().get("/healthz")
    assert request_id_var.get() is None


def test_a_task_logs_its_id_and_the_request_id_it_was_queued_under() -> None:
    token = request_id_var.set("req-task-1")  # as inside a request (tasks run eagerly here)
    try:
        with project_logs("json") as buffer:
            result = log_inside.delay()
    finally:
        request_id_var.reset(token)
    lines = json_lines(buffer)
    (inside,) = [line for line in lines if line["message"] == "inside the task"]
    assert inside["task_id"] == result.id
    assert inside["task_name"] == "tests.ops.log_inside"
    assert inside["request_id"] == "req-task-1"
    (done,) = [line for line in lines if line["logger"] == "lst.tasks"]
    assert done["task_id"] == result.id and done["request_id"] == "req-task-1"
    assert done["task_state"] == "SUCCESS"
    assert isinstance(done["duration_ms"], float)


def test_a_task_takes_the_request_id_from_its_message_header() -> None:
    with project_logs("json") as buffer:
        result = log_inside.apply(headers={TASK_HEADER: "from-the-header"})
    (inside,) = [line for line in json_lines(buffer) if line["message"] == "inside the task"]
    assert inside["request_id"] == "from-the-header"
    assert inside["task_id"] == result.id
    assert request_id_var.get() is None


def test_publishing_puts_the_request_id_in_the_header_and_routes_by_kind() -> None:
    from lst.celery import app
    from recommendations.tasks import nightly_pipeline, score_chunk
    from shoppers.tasks import expire_orders

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    token = request_id_var.set("req-publish")
    try:
        with app.connection_for_write("memory://") as conn:
            score_chunk.apply_async(args=[1], connection=conn)
            nightly_pipeline.apply_async(connection=conn)
            expire_orders.apply_async(connection=conn)
            received = {}
            for queue in ("scoring", "training", "celery"):
                with conn.SimpleQueue(queue) as q:
                    messages = []
                    while True:  # every message, to see that none went to two queues
                        try:
                            message = q.get(block=False)
                        except q.Empty:
                            break
                        messages.append((message.headers["task"], message.headers[TASK_HEADER]))
                        message.ack()
                    received[queue] = messages
    finally:
        request_id_var.reset(token)
        app.conf.task_always_eager = saved
    assert received == {
        "scoring": [("lst.recommendations.score_chunk", "req-publish")],
        "training": [("lst.recommendations.nightly_pipeline", "req-publish")],
        "celery": [("lst.shoppers.expire_orders", "req-publish")],
    }
