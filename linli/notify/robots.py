"""Posting a text message to a WeCom (企业微信) or DingTalk (钉钉) group robot.

Both accept ``{"msgtype": "text", "text": {"content": ...}}`` and answer ``{"errcode": 0, ...}``
on success. A DingTalk robot with "加签" security wants ``timestamp`` (milliseconds) and ``sign``
(base64 HMAC-SHA256 of ``"{timestamp}\\n{secret}"`` keyed by the secret) added to the URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

TIMEOUT_SECONDS = 5.0
MAX_CONTENT = 2000  # DingTalk truncates long texts; WeCom refuses over 2048 bytes of content


class RobotError(Exception):
    """The robot did not take the message (network error, HTTP error, or a non-zero errcode)."""


def payload(text: str) -> dict[str, object]:
    return {"msgtype": "text", "text": {"content": text[:MAX_CONTENT]}}


def dingtalk_signed_url(url: str, secret: str, *, now_ms: int | None = None) -> str:
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = base64.b64encode(digest).decode()
    query = urllib.parse.urlencode({"timestamp": timestamp, "sign": sign})
    return f"{url}{'&' if '?' in url else '?'}{query}"


def robot_post(
    *, kind: str, url: str, text: str, secret: str = "", timeout: float = TIMEOUT_SECONDS, key: str = ""
) -> None:
    """Send one message or raise ``RobotError`` saying why not.

    ``key`` goes out as an ``Idempotency-Key`` header. WeCom and DingTalk ignore it (a resend after a
    worker died mid-post can then show twice in the group); a relay in front of them can honour it.
    """
    if kind == "dingtalk" and secret:
        url = dingtalk_signed_url(url, secret)
    if not url.startswith(("http://", "https://")):
        raise RobotError("webhook URL must be http or https")
    body = json.dumps(payload(text), ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (checked)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (URL checked on entry)
            raw = response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        raise RobotError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise RobotError(f"network: {getattr(exc, 'reason', exc)}") from exc
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        return  # a relay that answers 200 with no JSON has taken the message
    if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
        raise RobotError(f"errcode {answer.get('errcode')}: {str(answer.get('errmsg', ''))[:200]}")
