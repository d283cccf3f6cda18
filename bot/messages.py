"""The message catalog: every text a person reads, in English and Korean.

Keys are dotted names; values are `str.format` templates. `tests/test_messages.py` checks that both
languages have the same keys and the same placeholders.
"""

from __future__ import annotations

from typing import Any

EN: dict[str, str] = {
    # --- usage -------------------------------------------------------------------------------
    "usage.incident": (
        "*Firebell — `/incident`*\n"
        "• `/incident declare [P0-P4] <title>` — declare an incident (no text opens a form)\n"
        "• `/incident ack [#]` — acknowledge\n"
        "• `/incident update [#] <text>` — post a status update\n"
        "• `/incident severity [#] <P0-P4>` — change the severity\n"
        "• `/incident assign [#] @user [commander|comms|scribe|responder]` — give someone a role\n"
        "• `/incident mitigate [#]` — mark as mitigated\n"
        "• `/incident resolve [#] [summary]` — resolve\n"
        "• `/incident reopen [#]` — reopen a resolved incident\n"
        "• `/incident status [#]` — show the current state\n"
        "• `/incident list [open|all]` — list incidents\n"
        "• `/incident timeline [#]` — show what happened when\n"
        "Inside an incident channel the incident is implied; elsewhere name it by number "
        "(`/incident ack 42`)."
    ),
    "usage.declare": "Usage: `/incident declare [P0-P4] <title>`, e.g. `/incident declare P1 Checkout is down`",
    "usage.ack": "Usage: `/incident ack [number]`",
    "usage.update": "Usage: `/incident update [number] <text>`",
    "usage.severity": "Usage: `/incident severity [number] <P0-P4>`",
    "usage.assign": "Usage: `/incident assign [number] @user [commander|comms|scribe|responder]`",
    "usage.mitigate": "Usage: `/incident mitigate [number]`",
    "usage.resolve": "Usage: `/incident resolve [number] [summary]`",
    "usage.reopen": "Usage: `/incident reopen [number]`",
    "usage.status": "Usage: `/incident status [number]`",
    "usage.list": "Usage: `/incident list [open|all]`",
    "usage.timeline": "Usage: `/incident timeline [number]`",
    # --- errors ------------------------------------------------------------------------------
    "error.unknown_subcommand": "I don't know `{subcommand}`.",
    "error.missing_title": "The incident needs a title.",
    "error.unknown_severity": "`{value}` is not a severity. Use one of {allowed}.",
    "error.missing_severity": "Say which severity: one of {allowed}.",
    "error.bad_number": "`{value}` is not an incident number.",
    "error.number_required": "Outside an incident channel, name the incident by number.",
    "error.incident_not_found": "There is no incident #{number}.",
    "error.bad_mention": "`{value}` is not a user mention. Type `@` and pick the person.",
    "error.missing_mention": "Say who: mention the person with `@`.",
    "error.unknown_role": "`{value}` is not a role. Use one of {allowed}.",
    "error.missing_update_text": "The update needs some text.",
    "error.bad_list_filter": "`{value}` is not a filter. Use `open` or `all`.",
    "error.invalid_transition": "Incident #{number} is {status}; it cannot be {action} now.",
    "error.same_severity": "Incident #{number} is already {severity}.",
    "error.already_has_role": "<@{user}> is already {role} of incident #{number}.",
    "error.internal": "Something went wrong on our side and nothing was changed. Reference: `{ref}`.",
    "error.slack_failed": "Slack refused `{method}` ({code}).",
    "error.form_title_required": "Give the incident a title.",
    "error.form_update_required": "Write the update.",
    # --- declare flow ------------------------------------------------------------------------
    "declare.accepted": "Declaring *{title}* ({severity})…",
    "declare.done": "Incident #{number} declared: <#{channel}>.",
    "declare.done_no_channel": "Incident #{number} is recorded, but its channel could not be created ({code}). "
    "Run the incident from here with `/incident … {number}`.",
    "declare.invite_failed": "Incident #{number}: could not invite {users} to the channel ({code}).",
    "declare.feed_failed": "Incident #{number}: could not announce it in <#{channel}> ({code}).",
    "declare.topic_failed": "Incident #{number}: could not set the channel topic ({code}).",
    "declare.summary_failed": "Incident #{number}: could not post the summary in its channel ({code}).",
    "declare.title_clipped": "The title was longer than {limit} characters and was shortened.",
    "notice.update_failed": "Incident #{number}: the live message could not be refreshed ({code}).",
    "notice.post_failed": "Incident #{number}: could not post to <#{channel}> ({code}).",
    # --- confirmations (shown to the actor outside the incident channel) --------------------
    "done.ack": "Incident #{number} acknowledged.",
    "done.update": "Update posted to incident #{number}.",
    "done.severity": "Incident #{number} is now {severity}.",
    "done.assign": "<@{user}> is now {role} of incident #{number}.",
    "done.mitigate": "Incident #{number} marked as mitigated.",
    "done.resolve": "Incident #{number} resolved.",
    "done.reopen": "Incident #{number} reopened.",
    # --- statuses, roles, actions ------------------------------------------------------------
    "status.declared": "declared",
    "status.acknowledged": "acknowledged",
    "status.mitigated": "mitigated",
    "status.resolved": "resolved",
    "status.reopened": "reopened",
    "action.ack": "acknowledged",
    "action.mitigate": "mitigated",
    "action.resolve": "resolved",
    "action.reopen": "reopened",
    "action.severity": "changed in severity",
    "role.commander": "commander",
    "role.comms": "communications lead",
    "role.scribe": "scribe",
    "role.responder": "responder",
    # --- live summary message ------------------------------------------------------------------
    "summary.header": "{emoji} Incident #{number}: {title}",
    "summary.fallback": "Incident #{number} ({severity}, {status}): {title}",
    "summary.severity": "*Severity*\n{severity}",
    "summary.status": "*Status*\n{status}",
    "summary.commander": "*Commander*\n{commander}",
    "summary.nobody": "nobody yet",
    "summary.service": "*Service*\n{service}",
    "summary.declared": "*Declared*\n{declared} by <@{user}>",
    "summary.acknowledged": "*Acknowledged*\n{when} by <@{user}>",
    "summary.not_acknowledged": "*Acknowledged*\nnot yet — target {target}",
    "summary.resolved": "*Resolved*\n{when} by <@{user}>",
    "summary.channel": "Channel: <#{channel}>",
    "summary.age": "Open since {ago}",
    "summary.closed_after": "Resolved after {duration}",
    "summary.roles": "*Roles* {roles}",
    "summary.last_update": "*Latest update* ({when}): {text}",
    "summary.resolution": "*Resolution*: {text}",
    "button.ack": "Acknowledge",
    "button.update": "Post update",
    "button.resolve": "Resolve",
    "button.reopen": "Reopen",
    "confirm.resolve.title": "Resolve incident?",
    "confirm.resolve.text": "Resolve incident #{number}: {title}?",
    "confirm.resolve.yes": "Resolve",
    "confirm.resolve.no": "Cancel",
    "topic": "{severity} | {status} | {title}",
    "broadcast.here": "<!here> New {severity} incident.",
    "broadcast.channel": "<!channel> New {severity} incident.",
    # --- posts in the incident channel ----------------------------------------------------------
    "post.ack": ":eyes: <@{user}> acknowledged the incident.",
    "post.update": ":speech_balloon: *Update from <@{user}>*: {text}",
    "post.severity": ":arrows_counterclockwise: <@{user}> changed the severity from {old} to {new}.",
    "post.assign": ":bust_in_silhouette: <@{user}> made <@{target}> {role}.",
    "post.mitigate": ":adhesive_bandage: <@{user}> marked the incident as mitigated.",
    "post.resolve": ":white_check_mark: <@{user}> resolved the incident.",
    "post.resolve_summary": ":white_check_mark: <@{user}> resolved the incident: {summary}",
    "post.reopen": ":rotating_light: <@{user}> reopened the incident.",
    "post.postmortem": "Post-mortem due within 48 hours: {due}.",
    # --- modals ---------------------------------------------------------------------------------
    "modal.declare.title": "Declare an incident",
    "modal.declare.submit": "Declare",
    "modal.close": "Cancel",
    "modal.declare.title_label": "Title",
    "modal.declare.title_placeholder": "What is broken, in a few words",
    "modal.declare.severity_label": "Severity",
    "modal.declare.service_label": "Affected service",
    "modal.declare.description_label": "Description",
    "modal.declare.commander_label": "Commander",
    "modal.update.title": "Post an update",
    "modal.update.submit": "Post",
    "modal.update.label": "Update for incident #{number}",
    "severity.option": "{id} — {name}",
    # --- status, list, timeline ------------------------------------------------------------------
    "list.header": "*Incidents ({filter})*",
    "list.filter.open": "open",
    "list.filter.all": "all",
    "list.empty": "No incidents.",
    "list.item": "• #{number} {severity} *{title}* — {status}, {ago}{channel}",
    "timeline.header": "*Timeline of incident #{number}*",
    "timeline.empty": "Nothing recorded yet.",
    "timeline.item": "• {when} {text}",
    "timeline.declared": "<@{actor}> declared it ({severity}): {title}",
    "timeline.acknowledged": "<@{actor}> acknowledged",
    "timeline.update": "<@{actor}> posted an update: {text}",
    "timeline.severity": "<@{actor}> changed severity {old} → {new}",
    "timeline.assigned": "<@{actor}> made <@{target}> {role}",
    "timeline.mitigated": "<@{actor}> marked it mitigated",
    "timeline.resolved": "<@{actor}> resolved it",
    "timeline.reopened": "<@{actor}> reopened it",
    "timeline.channel_created": "channel <#{channel}> created",
    "timeline.slack_failure": "Slack `{method}` failed: {code}",
    "home.header": "Firebell",
    "home.open": "*Open incidents*",
    "home.none": "No open incidents. :sunny:",
    "duration.minutes": "{n} min",
    "duration.hours": "{h} h {m} min",
    "duration.days": "{d} d {h} h",
}

KO: dict[str, str] = {
    "usage.incident": (
        "*Firebell — `/incident`*\n"
        "• `/incident declare [P0-P4] <제목>` — 장애 선언 (내용 없이 입력하면 양식이 열립니다)\n"
        "• `/incident ack [#]` — 인지(확인)\n"
        "• `/incident update [#] <내용>` — 상황 업데이트 게시\n"
        "• `/incident severity [#] <P0-P4>` — 등급 변경\n"
        "• `/incident assign [#] @사용자 [commander|comms|scribe|responder]` — 역할 지정\n"
        "• `/incident mitigate [#]` — 완화됨으로 표시\n"
        "• `/incident resolve [#] [요약]` — 해결\n"
        "• `/incident reopen [#]` — 해결된 장애 재개\n"
        "• `/incident status [#]` — 현재 상태 보기\n"
        "• `/incident list [open|all]` — 장애 목록\n"
        "• `/incident timeline [#]` — 타임라인 보기\n"
        "장애 채널 안에서는 번호를 생략할 수 있고, 그 밖에서는 번호로 지정합니다 "
        "(`/incident ack 42`)."
    ),
    "usage.declare": "사용법: `/incident declare [P0-P4] <제목>` 예: `/incident declare P1 결제 서비스 중단`",
    "usage.ack": "사용법: `/incident ack [번호]`",
    "usage.update": "사용법: `/incident update [번호] <내용>`",
    "usage.severity": "사용법: `/incident severity [번호] <P0-P4>`",
    "usage.assign": "사용법: `/incident assign [번호] @사용자 [commander|comms|scribe|responder]`",
    "usage.mitigate": "사용법: `/incident mitigate [번호]`",
    "usage.resolve": "사용법: `/incident resolve [번호] [요약]`",
    "usage.reopen": "사용법: `/incident reopen [번호]`",
    "usage.status": "사용법: `/incident status [번호]`",
    "usage.list": "사용법: `/incident list [open|all]`",
    "usage.timeline": "사용법: `/incident timeline [번호]`",
    "error.unknown_subcommand": "`{subcommand}` 은(는) 알 수 없는 명령입니다.",
    "error.missing_title": "장애 제목이 필요합니다.",
    "error.unknown_severity": "`{value}` 은(는) 장애 등급이 아닙니다. {allowed} 중 하나를 쓰세요.",
    "error.missing_severity": "등급을 지정하세요: {allowed} 중 하나.",
    "error.bad_number": "`{value}` 은(는) 장애 번호가 아닙니다.",
    "error.number_required": "장애 채널 밖에서는 장애 번호를 지정해야 합니다.",
    "error.incident_not_found": "#{number} 장애는 없습니다.",
    "error.bad_mention": "`{value}` 은(는) 사용자 멘션이 아닙니다. `@`를 입력하고 사람을 고르세요.",
    "error.missing_mention": "대상을 `@`로 멘션하세요.",
    "error.unknown_role": "`{value}` 은(는) 역할이 아닙니다. {allowed} 중 하나를 쓰세요.",
    "error.missing_update_text": "업데이트 내용을 입력하세요.",
    "error.bad_list_filter": "`{value}` 은(는) 필터가 아닙니다. `open` 또는 `all`을 쓰세요.",
    "error.invalid_transition": "#{number} 장애는 현재 {status} 상태라 지금 {action} 처리할 수 없습니다.",
    "error.same_severity": "#{number} 장애는 이미 {severity} 등급입니다.",
    "error.already_has_role": "<@{user}> 님은 이미 #{number} 장애의 {role}입니다.",
    "error.internal": "내부 오류가 발생했으며 아무것도 변경되지 않았습니다. 참조: `{ref}`.",
    "error.slack_failed": "Slack이 `{method}` 호출을 거부했습니다 ({code}).",
    "error.form_title_required": "장애 제목을 입력하세요.",
    "error.form_update_required": "업데이트 내용을 입력하세요.",
    "declare.accepted": "*{title}* ({severity}) 장애를 선언하는 중…",
    "declare.done": "#{number} 장애가 선언되었습니다: <#{channel}>.",
    "declare.done_no_channel": "#{number} 장애는 기록되었지만 채널을 만들지 못했습니다 ({code}). "
    "여기서 `/incident … {number}` 로 대응을 이어가세요.",
    "declare.invite_failed": "#{number} 장애: {users} 님을 채널에 초대하지 못했습니다 ({code}).",
    "declare.feed_failed": "#{number} 장애: <#{channel}> 에 공지하지 못했습니다 ({code}).",
    "declare.topic_failed": "#{number} 장애: 채널 주제를 설정하지 못했습니다 ({code}).",
    "declare.summary_failed": "#{number} 장애: 장애 채널에 요약을 게시하지 못했습니다 ({code}).",
    "declare.title_clipped": "제목이 {limit}자를 넘어 줄였습니다.",
    "notice.update_failed": "#{number} 장애: 상태 메시지를 갱신하지 못했습니다 ({code}).",
    "notice.post_failed": "#{number} 장애: <#{channel}> 에 게시하지 못했습니다 ({code}).",
    "done.ack": "#{number} 장애를 인지 처리했습니다.",
    "done.update": "#{number} 장애에 업데이트를 게시했습니다.",
    "done.severity": "#{number} 장애의 등급이 이제 {severity} 입니다.",
    "done.assign": "<@{user}> 님이 이제 #{number} 장애의 {role}입니다.",
    "done.mitigate": "#{number} 장애를 완화됨으로 표시했습니다.",
    "done.resolve": "#{number} 장애를 해결 처리했습니다.",
    "done.reopen": "#{number} 장애를 재개했습니다.",
    "status.declared": "선언됨",
    "status.acknowledged": "인지됨",
    "status.mitigated": "완화됨",
    "status.resolved": "해결됨",
    "status.reopened": "재개됨",
    "action.ack": "인지",
    "action.mitigate": "완화",
    "action.resolve": "해결",
    "action.reopen": "재개",
    "action.severity": "등급 변경",
    "role.commander": "지휘자",
    "role.comms": "커뮤니케이션 담당",
    "role.scribe": "기록 담당",
    "role.responder": "대응자",
    "summary.header": "{emoji} #{number} 장애: {title}",
    "summary.fallback": "#{number} 장애 ({severity}, {status}): {title}",
    "summary.severity": "*등급*\n{severity}",
    "summary.status": "*상태*\n{status}",
    "summary.commander": "*지휘자*\n{commander}",
    "summary.nobody": "아직 없음",
    "summary.service": "*서비스*\n{service}",
    "summary.declared": "*선언*\n{declared}, <@{user}>",
    "summary.acknowledged": "*인지*\n{when}, <@{user}>",
    "summary.not_acknowledged": "*인지*\n아직 안 됨 — 목표 {target}",
    "summary.resolved": "*해결*\n{when}, <@{user}>",
    "summary.channel": "채널: <#{channel}>",
    "summary.age": "발생: {ago}",
    "summary.closed_after": "{duration} 만에 해결",
    "summary.roles": "*역할* {roles}",
    "summary.last_update": "*최근 업데이트* ({when}): {text}",
    "summary.resolution": "*해결 내용*: {text}",
    "button.ack": "인지",
    "button.update": "업데이트 게시",
    "button.resolve": "해결",
    "button.reopen": "재개",
    "confirm.resolve.title": "장애를 해결할까요?",
    "confirm.resolve.text": "#{number} 장애를 해결 처리할까요: {title}?",
    "confirm.resolve.yes": "해결",
    "confirm.resolve.no": "취소",
    "topic": "{severity} | {status} | {title}",
    "broadcast.here": "<!here> 새 {severity} 장애입니다.",
    "broadcast.channel": "<!channel> 새 {severity} 장애입니다.",
    "post.ack": ":eyes: <@{user}> 님이 장애를 인지했습니다.",
    "post.update": ":speech_balloon: *<@{user}> 님의 업데이트*: {text}",
    "post.severity": ":arrows_counterclockwise: <@{user}> 님이 등급을 {old} 에서 {new} 로 변경했습니다.",
    "post.assign": ":bust_in_silhouette: <@{user}> 님이 <@{target}> 님을 {role}(으)로 지정했습니다.",
    "post.mitigate": ":adhesive_bandage: <@{user}> 님이 장애를 완화됨으로 표시했습니다.",
    "post.resolve": ":white_check_mark: <@{user}> 님이 장애를 해결했습니다.",
    "post.resolve_summary": ":white_check_mark: <@{user}> 님이 장애를 해결했습니다: {summary}",
    "post.reopen": ":rotating_light: <@{user}> 님이 장애를 재개했습니다.",
    "post.postmortem": "사후 분석 보고서는 48시간 이내에 작성하세요: {due}.",
    "modal.declare.title": "장애 선언",
    "modal.declare.submit": "선언",
    "modal.close": "취소",
    "modal.declare.title_label": "제목",
    "modal.declare.title_placeholder": "무엇이 고장났는지 짧게",
    "modal.declare.severity_label": "등급",
    "modal.declare.service_label": "영향받는 서비스",
    "modal.declare.description_label": "설명",
    "modal.declare.commander_label": "지휘자",
    "modal.update.title": "업데이트 게시",
    "modal.update.submit": "게시",
    "modal.update.label": "#{number} 장애 업데이트",
    "severity.option": "{id} — {name}",
    "list.header": "*장애 목록 ({filter})*",
    "list.filter.open": "진행 중",
    "list.filter.all": "전체",
    "list.empty": "장애가 없습니다.",
    "list.item": "• #{number} {severity} *{title}* — {status}, {ago}{channel}",
    "timeline.header": "*#{number} 장애 타임라인*",
    "timeline.empty": "아직 기록이 없습니다.",
    "timeline.item": "• {when} {text}",
    "timeline.declared": "<@{actor}> 님이 선언 ({severity}): {title}",
    "timeline.acknowledged": "<@{actor}> 님이 인지",
    "timeline.update": "<@{actor}> 님의 업데이트: {text}",
    "timeline.severity": "<@{actor}> 님이 등급 변경 {old} → {new}",
    "timeline.assigned": "<@{actor}> 님이 <@{target}> 님을 {role}(으)로 지정",
    "timeline.mitigated": "<@{actor}> 님이 완화됨으로 표시",
    "timeline.resolved": "<@{actor}> 님이 해결",
    "timeline.reopened": "<@{actor}> 님이 재개",
    "timeline.channel_created": "채널 <#{channel}> 생성",
    "timeline.slack_failure": "Slack `{method}` 실패: {code}",
    "home.header": "Firebell",
    "home.open": "*진행 중인 장애*",
    "home.none": "진행 중인 장애가 없습니다. :sunny:",
    "duration.minutes": "{n}분",
    "duration.hours": "{h}시간 {m}분",
    "duration.days": "{d}일 {h}시간",
}

CATALOGS: dict[str, dict[str, str]] = {"en": EN, "ko": KO}


class Catalog:
    """Looks texts up in one locale. A missing key is a bug, so it raises."""

    def __init__(self, locale: str = "en") -> None:
        if locale not in CATALOGS:
            raise ValueError(f"unknown locale {locale!r}")
        self.locale = locale
        self._texts = CATALOGS[locale]

    def __call__(self, key: str, **params: Any) -> str:
        return self._texts[key].format(**params) if params else self._texts[key]
