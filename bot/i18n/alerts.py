"""Texts of the alerts domain (bot/alerts/), in English and Korean: same keys, same placeholders."""

from __future__ import annotations

EN: dict[str, str] = {
    "timeline.alert_fired": "alert firing ({source}): {title}",
    "timeline.alert_resolved": "alert resolved ({source}): {title}",
    "timeline.alert_acknowledged": "acknowledged by {source}",
    "timeline.alerts_more": "and {count} more alert changes ({source})",
    "timeline.alert_reopened": "reopened by a new alert ({source}): {title}",
    "alerts.live_header": ":bell: Alerts for incident #{number}",
    "alerts.live_counts": "*{firing}* firing · *{resolved}* resolved · {received} notifications received",
    "alerts.live_line": "• {state} {title}{service}",
    "alerts.live_more": "… and {count} more",
    "alerts.state_firing": ":red_circle:",
    "alerts.state_resolved": ":white_check_mark:",
    "alerts.service_suffix": " — {service}",
    "alerts.ask_resolve": ":white_check_mark: All alerts of incident #{number} have resolved — resolve the incident?",
    "alerts.resolve_button": "Resolve incident",
    "alerts.auto_resolved": "All its alerts resolved.",
    "alerts.suppressed_line": "  ↳ {count} alert(s) suppressed: {titles}",
    "alerts.suppressed_summary": ":mute: {count} alert(s) were suppressed during this window: {titles}",
    "shortcut.from_message": "From this Slack message: {link}",
}

KO: dict[str, str] = {
    "timeline.alert_fired": "알림 발생 ({source}): {title}",
    "timeline.alert_resolved": "알림 해소 ({source}): {title}",
    "timeline.alert_acknowledged": "{source}에서 확인(acknowledge)함",
    "timeline.alerts_more": "외 알림 변경 {count}건 ({source})",
    "timeline.alert_reopened": "새 알림으로 다시 열림 ({source}): {title}",
    "alerts.live_header": ":bell: 장애 #{number}의 알림",
    "alerts.live_counts": "발생 중 *{firing}* · 해소 *{resolved}* · 받은 알림 {received}건",
    "alerts.live_line": "• {state} {title}{service}",
    "alerts.live_more": "… 외 {count}건",
    "alerts.state_firing": ":red_circle:",
    "alerts.state_resolved": ":white_check_mark:",
    "alerts.service_suffix": " — {service}",
    "alerts.ask_resolve": ":white_check_mark: 장애 #{number}의 알림이 모두 해소되었습니다 — 장애를 해결 처리할까요?",
    "alerts.resolve_button": "장애 해결",
    "alerts.auto_resolved": "모든 알림이 해소되었습니다.",
    "alerts.suppressed_line": "  ↳ 억제된 알림 {count}건: {titles}",
    "alerts.suppressed_summary": ":mute: 이 점검 시간 동안 알림 {count}건이 억제되었습니다: {titles}",
    "shortcut.from_message": "이 Slack 메시지에서: {link}",
}
