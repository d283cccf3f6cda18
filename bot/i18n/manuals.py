"""Texts of the manuals' rules: timed playbook phases, severity guidance in help."""

from __future__ import annotations

EN: dict[str, str] = {
    "checklist.phase_open": ":arrow_forward: *{title}*: phase *{phase}* starts now, due by {due}.{owner}\n{items}",
    "checklist.phase_overdue": ":alarm_clock: *{title}*: phase *{phase}* is past its window. Still open:\n{items}",
    "checklist.phase_overdue_owner": ":alarm_clock: *{title}*: phase *{phase}* is past its window. "
                                     "Still open:\n{items}",
    "help.severities": "*Severity levels*",
    "modal.declare.type_label": "Incident type",
    "error.form_unknown_type": "This incident type is not in the policy.",
    "error.pin_not_incident_channel": "Messages can be added to a timeline from an incident channel only.",
    "error.pin_bad_message": "Slack did not say which message this is.",
    "pin.added": ":pushpin: Added to the timeline of incident #{number}.",
    "pin.already": "This message is on the timeline of incident #{number} already.",
    "timeline.pinned": "<@{actor}> added <@{author}>'s message of {posted_at}: {text} {link}",
    "usage.oncall_cover": ("Usage: `/oncall cover [rotation] <from> <to>`, each one word: `18:00`, "
                           "`2026-03-05T18:00`, `tomorrow`"),
    "error.cover_incomplete": "Say from when to when someone should cover.",
    "error.cover_which_rotation": "Name the rotation to cover (rotations: {known}).",
    "error.cover_span": "The span {start} → {end} must end after it starts, in the future.",
    "error.cover_bad_button": "This button is not one Firebell made.",
    "error.cover_own": "You asked for this cover of {rotation}; someone else has to take it.",
    "error.cover_taken": "<@{user}> already took this {rotation} shift.",
    "cover.asked": ":raising_hand: <@{user}> asks someone to cover *{rotation}* from {start} to {end}.",
    "cover.take": "I'll take it",
    "cover.posted": "Asked for cover of {rotation}; the first member to press \"I'll take it\" gets it.",
    "cover.taken": (":white_check_mark: <@{user}> covers <@{requester}>'s *{rotation}* shift from {start} "
                    "to {end}."),
    "archive.notice": (":file_cabinet: Incident #{number} is resolved: this channel will be archived {when}. "
                       "`/incident reopen` keeps it open."),
    "timeline.channel_archived": "channel <#{channel}> archived",
    "timeline.channel_unarchived": "channel <#{channel}> unarchived",
    "list.next_page": "More: add `page:{page}`.",
    "error.unknown_incident_type": "There is no incident type `{value}` in the policy (known: {known}).",
    "help.aliases": "*In Korean*: {aliases}",
    "page.reason.tier_at_declare": "Paged when the incident was declared, as the policy says.",
    "page.reason.tier_time": "Not acknowledged {after} after the declaration.",
    "error.maintenance_unknown_kind": "There is no maintenance kind `{value}` in the policy (known: {known}).",
    "error.maintenance_notice_too_short": "{kind} needs {notice} of notice: schedule it for {earliest} or later.",
    "help.severity_line": "• *{id}* {name}: {description} (acknowledge within {ack}, resolve within {resolve})",
}

KO: dict[str, str] = {
    "checklist.phase_open": ":arrow_forward: *{title}*: *{phase}* 단계를 시작합니다. 마감 {due}.{owner}\n{items}",
    "checklist.phase_overdue": ":alarm_clock: *{title}*: *{phase}* 단계 시간이 지났습니다. 남은 항목:\n{items}",
    "checklist.phase_overdue_owner": ":alarm_clock: *{title}*: *{phase}* 단계 시간이 지났습니다. "
                                     "남은 항목:\n{items}",
    "help.severities": "*장애 등급*",
    "modal.declare.type_label": "인시던트 유형",
    "error.form_unknown_type": "정책에 없는 인시던트 유형입니다.",
    "error.pin_not_incident_channel": "인시던트 채널의 메시지만 타임라인에 추가할 수 있습니다.",
    "error.pin_bad_message": "Slack이 어떤 메시지인지 알려 주지 않았습니다.",
    "pin.added": ":pushpin: 인시던트 #{number} 타임라인에 추가했습니다.",
    "pin.already": "이 메시지는 이미 인시던트 #{number} 타임라인에 있습니다.",
    "timeline.pinned": "<@{actor}> 님이 <@{author}> 님의 메시지({posted_at})를 추가: {text} {link}",
    "usage.oncall_cover": ("사용법: `/oncall 대신 [로테이션] <시작> <끝>`, 각각 한 단어: `18:00`, "
                           "`2026-03-05T18:00`, `내일`"),
    "error.cover_incomplete": "언제부터 언제까지 대신할지 적어 주세요.",
    "error.cover_which_rotation": "대신할 로테이션을 적어 주세요 (로테이션: {known}).",
    "error.cover_span": "{start} → {end}: 끝이 시작보다 뒤이고 미래여야 합니다.",
    "error.cover_bad_button": "Firebell이 만든 버튼이 아닙니다.",
    "error.cover_own": "{rotation} 대신 요청은 본인이 했습니다: 다른 사람이 맡아야 합니다.",
    "error.cover_taken": "<@{user}> 님이 이미 이 {rotation} 당번을 맡았습니다.",
    "cover.asked": ":raising_hand: <@{user}> 님이 *{rotation}* 당번 {start} ~ {end} 를 대신할 사람을 찾습니다.",
    "cover.take": "제가 할게요",
    "cover.posted": "{rotation} 대신 요청을 올렸습니다: 먼저 \"제가 할게요\"를 누른 구성원이 맡습니다.",
    "cover.taken": (":white_check_mark: <@{user}> 님이 <@{requester}> 님의 *{rotation}* 당번을 {start} ~ {end} "
                    "대신합니다."),
    "archive.notice": (":file_cabinet: 인시던트 #{number} 이(가) 해결되어 이 채널은 {when} 에 보관됩니다. "
                       "`/incident 재개` 하면 유지됩니다."),
    "timeline.channel_archived": "채널 <#{channel}> 보관",
    "timeline.channel_unarchived": "채널 <#{channel}> 보관 해제",
    "list.next_page": "더 보기: `페이지:{page}` 를 붙이세요.",
    "error.unknown_incident_type": "정책에 `{value}` 인시던트 유형이 없습니다 (가능: {known}).",
    "help.aliases": "*한국어 명령*: {aliases}",
    "page.reason.tier_at_declare": "정책에 따라 선언 즉시 호출합니다.",
    "page.reason.tier_time": "선언 후 {after}이 지나도록 인지되지 않았습니다.",
    "error.maintenance_unknown_kind": "정책에 `{value}` 점검 종류가 없습니다 (가능: {known}).",
    "error.maintenance_notice_too_short": "{kind}은(는) {notice} 전에 공지해야 합니다: {earliest} 이후로 잡아 주세요.",
    "help.severity_line": "• *{id}* {name}: {description} (인지 {ack} 이내, 해결 {resolve} 이내)",
}
