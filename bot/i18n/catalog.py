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
        "• `/incident escalate [#] [reason]` — page the next escalation tier now\n"
        "• `/incident remind <30m | tomorrow 09:00> <text>` — a reminder in the incident channel "
        "(`remind cancel <id>`)\n"
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
    "usage.escalate": "Usage: `/incident escalate [number] [reason]`",
    "error.permission_denied": "You may not {permission}: the policy allows only {allowed}.",
    "error.no_escalation_policy": "Incident #{number} ({severity}) has no escalation policy to page.",
    "permission.declare": "declare incidents",
    "permission.resolve": "resolve incidents",
    "permission.severity": "change severities",
    "permission.escalate": "escalate incidents",
    "action.escalate": "escalated",
    "done.escalate": "Incident #{number} escalated: {sent} paged.",
    "done.escalate_failed": "Incident #{number}: escalation paged {sent}; failed: {failed}.",
    "button.escalate": "Escalate",
    "button.open_channel": "Open channel",
    "page.header": ":rotating_light: Page: incident #{number}",
    "page.text": "Page: incident #{number} ({severity}) {title}: {reason}",
    "page.body": "*{title}*\n{severity} · {status} · open for {age}\n{reason}",
    "page.tier": "*Tier*: {tier}",
    "page.tier_number": "tier {tier}",
    "page.already": "*Already paged*: {who}",
    "page.late": ":warning: This page is {late} late: Firebell was not running when it was due.",
    "page.reason.ack_timeout": "Not acknowledged within {target}.",
    "page.reason.manual": "<@{user}> escalated: {reason}",
    "page.reason.no_reason": "no reason given",
    "page.reason.declare": "New {severity} incident.",
    "post.paged": ":loudspeaker: Paging {tier}: {mentions} — {reason}",
    "post.page_failed": (
        ":warning: Incident #{number}: these pages failed: {failures}. The next targets were still paged."
    ),
    "post.resolve_breach": ":hourglass: Incident #{number} missed its resolve target of {target}.",
    "post.nudge": ":memo: Incident #{number} has had no status update for {window}. Post one with `/incident update`.",
    "status.pending": "*Scheduled*",
    "status.pending.escalate": "• page {tier} {when}",
    "status.pending.resolve_deadline": "• resolve target {when}",
    "status.pending.update_nudge": "• update reminder {when}",
    "status.pending.none": "• nothing scheduled",
    "timeline.paged": "paged {target} via {via} (tier {tier})",
    "timeline.page_failed": "could not page {target} via {via}: {reason}",
    "timeline.nudged": "reminded <@{target}> to post an update",
    "timeline.resolve_breach": "missed the resolve target of {target}",
    "timeline.escalated": "<@{actor}> escalated: {text}",
    "usage.oncall": (
        "*Firebell — `/oncall`*\n"
        "• `/oncall` — who is on call now in every rotation, and the next handoff\n"
        "• `/oncall <rotation> [days]` — the coming shifts (default 7 days, at most 31)\n"
        "• `/oncall me` — your next shifts\n"
        "• `/oncall override <rotation> @user <2h | until tomorrow 09:00>` — cover a rotation from now\n"
        "• `/oncall overrides <rotation>` — current and coming overrides\n"
        "• `/oncall override remove <id>` — remove an override\n"
        "• `/oncall swap <rotation> @a @b` — each takes the other's next shift"
    ),
    "usage.oncall_override": (
        "Usage: `/oncall override <rotation> @user <duration | until <time>>`, e.g. "
        "`/oncall override l1 @kim 4h` or `… until tomorrow 09:00`; `/oncall override remove <id>`"
    ),
    "usage.oncall_swap": "Usage: `/oncall swap <rotation> @first @second`",
    "error.unknown_rotation": "There is no rotation `{name}`. Rotations: {known}.",
    "error.not_a_member": "<@{user}> is not a member of rotation *{rotation}*.",
    "error.bad_span": "`{value}` is not a duration or time. Use `4h`, `until 18:00`, `until tomorrow 09:00`.",
    "error.override_in_past": "That override would end in the past ({when}).",
    "error.override_too_long": "Overrides may last at most {limit} in this rotation.",
    "error.override_overlaps": "It overlaps override #{id} (<@{user}>, {start} → {end}). Remove that one first.",
    "error.override_not_found": "There is no active override #{id}.",
    "error.swap_same": "Swap two different people.",
    "error.no_upcoming_shift": "<@{user}> has no shift in the next {days} days to swap.",
    "error.unexpected_words": "I did not expect `{value}` there.",
    "error.bad_override_id": "`{value}` is not an override number.",
    "error.override_incomplete": "Say which rotation, who, and for how long.",
    "error.swap_incomplete": "Say which rotation and the two people.",
    "error.bad_days": "`{value}` is not a number of days from 1 to {max}.",
    "permission.override": "change on-call schedules",
    "oncall.header": "*On call now*",
    "oncall.none_configured": "No rotations are configured. Add `rotations:` to the policy file.",
    "oncall.now": "• *{rotation}*: {user} — next handoff {next}",
    "oncall.no_handoff": "none scheduled",
    "oncall.nobody": "nobody",
    "oncall.schedule_header": "*{rotation}: the next {days} days*",
    "oncall.shift": "• {user}: {start} → {end}{note}",
    "oncall.override_note": " (override)",
    "oncall.mine_header": "*Your shifts in the next 14 days*",
    "oncall.mine_item": "• *{rotation}*: {start} → {end}",
    "oncall.mine_none": "You have no shifts in the next 14 days.",
    "oncall.override_done": "Override #{id}: <@{user}> covers *{rotation}* from {start} until {end}.",
    "oncall.override_removed": "Override #{id} removed.",
    "oncall.swap_done": "Swapped in *{rotation}*: {details}.",
    "oncall.swap_item": "<@{user}> covers {start} → {end} (#{id})",
    "oncall.overrides_header": "*Overrides of {rotation}*",
    "oncall.overrides_item": "• #{id} <@{user}>: {start} → {end}",
    "oncall.overrides_none": "No current or coming overrides.",
    "handoff.header": ":arrows_counterclockwise: *{rotation}* handoff: {outgoing} → {incoming} (until {until})",
    "handoff.late": ":warning: This handoff notice is late: Firebell was not running at handoff time.",
    "handoff.no_incidents": "No open incidents.",
    "handoff.incident": "• #{number} {severity} *{title}* — {status}, open {age}",
    "handoff.commanded": "<@{user}> commands {numbers}: hand over with `/incident assign <#> @user commander`.",
    "handoff.unacknowledged": "Unacknowledged: {numbers}.",
    "usage.checklist": (
        "*Firebell — `/checklist`*\n"
        "• `/checklist` — the checklists and today's runs\n"
        "• `/checklist start <name>` — start a run now\n"
        "• `/checklist status [name]` — open runs and what is missing\n"
        "• `/checklist history <name> [n]` — the last runs, when they completed and who did what"
    ),
    "usage.checklist_history": "Usage: `/checklist history <name> [n]` (n from 1 to 20)",
    "error.unknown_checklist": "There is no checklist `{name}`. Checklists: {known}.",
    "error.run_not_found": "There is no checklist run #{id}.",
    "error.run_closed": "Checklist run #{id} ({title}) is closed; nothing was changed.",
    "error.no_such_item": "Checklist run #{id} has no item {index}.",
    "error.bad_count": "`{value}` is not a number from 1 to 20.",
    "error.missing_checklist": "Say which checklist.",
    "error.bad_number_generic": "`{value}` is not a number.",
    "error.maintenance_incomplete": "Say when it starts, how long it lasts and what it is.",
    "checklist.fallback": "{title}: {done}/{total} done",
    "checklist.progress": "*{done}/{total}* done",
    "checklist.completed_by": "completed by <@{user}> {when}",
    "checklist.due": "due {when}",
    "checklist.done_by": "✓ <@{user}> {when}",
    "checklist.na_by": "N/A (<@{user}>): {reason}",
    "checklist.undo": "Undo",
    "checklist.check": "Done",
    "checklist.mark_na": "Mark an item N/A",
    "checklist.na_title": "Not applicable",
    "checklist.na_submit": "Save",
    "checklist.na_item": "Item",
    "checklist.na_reason": "Why does it not apply?",
    "checklist.completed": ":white_check_mark: *{title}* completed by <@{user}> after {duration}.",
    "checklist.overdue": ":alarm_clock: *{title}* is overdue: {done}/{total} done. Still open:\n{missing}",
    "checklist.overdue_owner": ":alarm_clock: *{title}* is overdue. Still open and yours:\n{items}",
    "checklist.open_line": "• {title}: {done}/{total}{channel}",
    "checklist.templates_header": "*Checklists*",
    "checklist.template_line": "• `{name}` — {title} ({count} items){schedule}",
    "checklist.schedule_note": ", `{cron}` ({zone}) in {channel}",
    "checklist.no_channel": "no channel (set channels.ops)",
    "checklist.none_configured": "No checklists are configured. Add `checklists:` to the policy file.",
    "checklist.today_header": "*Today's runs*",
    "checklist.run_line": "• #{id} {title}: {done}/{total}, {state}",
    "checklist.none_today": "No runs today.",
    "checklist.status_header": "*Open checklist runs*",
    "checklist.status_none": "No open runs.",
    "checklist.missing": "    still open: {items}",
    "checklist.history_header": "*The last runs of `{name}`*",
    "checklist.history_line": "• #{id} started {start}: {done}/{total}, {outcome}",
    "checklist.history_who": "    {who}",
    "checklist.outcome_completed": "completed {when} by <@{user}>",
    "checklist.state.open": "open",
    "checklist.state.completed": "completed",
    "checklist.started": "Started *{title}*: run #{id}{channel}.",
    "handoff.checklists": "Open checklists:",
    "usage.maintenance": (
        "*Firebell — `/maintenance`*\n"
        "• `/maintenance schedule <start> <duration> <title> [services:api,db]` — e.g. "
        "`/maintenance schedule tomorrow 02:00 4h DB upgrade services:db`\n"
        "• `/maintenance list` — scheduled and active windows\n"
        "• `/maintenance cancel <id>` — cancel a window"
    ),
    "usage.maintenance_schedule": (
        "Usage: `/maintenance schedule <start> <duration> <title> [services:api,db]`, "
        "start like `22:00`, `tomorrow 02:00` or `2026-11-29 02:00`"
    ),
    "usage.maintenance_cancel": "Usage: `/maintenance cancel <id>`",
    "error.bad_time": "`{value}` is not a time. Use `30m`, `18:00`, `tomorrow 09:00` or `2026-11-29 02:00`.",
    "error.bad_duration": "`{value}` is not a duration. Use `30m`, `4h` or `1d`.",
    "error.maintenance_too_long": "A maintenance window may last at most {limit}.",
    "error.time_in_past": "That time is in the past ({when}).",
    "error.missing_title_maintenance": "The window needs a title.",
    "error.maintenance_not_found": "There is no maintenance window #{id}.",
    "error.maintenance_already_cancelled": "Maintenance window #{id} was already cancelled.",
    "error.maintenance_over": "Maintenance window #{id} is already over.",
    "permission.maintenance": "schedule maintenance",
    "maintenance.scheduled": (
        ":construction: Maintenance #{id} scheduled: *{title}*, {start} → {end} ({duration}); services: {services}."
    ),
    "maintenance.cancelled": ":x: Maintenance #{id} (*{title}*) was cancelled by <@{user}>.",
    "maintenance.notice": (
        ":loudspeaker: Maintenance #{id} *{title}* starts {start} ({duration}); services: {services}."
    ),
    "maintenance.started": (
        ":construction: Maintenance #{id} *{title}* has started; it runs until {end}. Services: {services}."
    ),
    "maintenance.ended": ":white_check_mark: Maintenance #{id} *{title}* has ended.",
    "maintenance.incident_note": (
        ":construction: {service} is in maintenance window #{id} (*{title}*) until {end}: this may be expected."
    ),
    "maintenance.late": ":warning: Late: Firebell was not running at the scheduled time.",
    "maintenance.all_services": "all services",
    "maintenance.list_header": "*Maintenance windows*",
    "maintenance.list_line": "• #{id} *{title}* {start} → {end}; {services}{active}",
    "maintenance.active_note": " — :construction: active now",
    "maintenance.list_none": "No maintenance windows scheduled.",
    "maintenance.done_cancel": "Maintenance #{id} cancelled.",
    "usage.remind": (
        "Usage: `/incident remind <30m | 2h | 18:00 | tomorrow 09:00> <text>` in an incident channel; "
        "`/incident remind cancel <id>`"
    ),
    "error.missing_reminder_text": "The reminder needs some text.",
    "error.reminder_not_found": "Incident #{number} has no pending reminder #{id}.",
    "reminder.post": ":alarm_clock: Reminder from <@{user}>: {text}",
    "reminder.late": "_(late: Firebell was not running when it was due)_",
    "reminder.recurring": ":alarm_clock: {text}",
    "reminder.set": "Reminder #{id} set for {when}.",
    "reminder.cancelled": "Reminder #{id} cancelled.",
    "status.pending.reminder": "• reminder #{id} {when}: {text}",
    "timeline.reminder_set": "<@{actor}> set a reminder: {text}",
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
        "• `/incident escalate [#] [사유]` — 다음 에스컬레이션 단계를 지금 호출\n"
        "• `/incident remind <30m | tomorrow 09:00> <내용>` — 장애 채널에 알림 "
        "(`remind cancel <번호>`)\n"
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
    "usage.escalate": "사용법: `/incident escalate [번호] [사유]`",
    "error.permission_denied": "{permission} 권한이 없습니다. 정책상 허용 대상: {allowed}.",
    "error.no_escalation_policy": "#{number} 장애({severity})에는 호출할 에스컬레이션 정책이 없습니다.",
    "permission.declare": "장애 선언",
    "permission.resolve": "장애 해결",
    "permission.severity": "등급 변경",
    "permission.escalate": "에스컬레이션",
    "action.escalate": "에스컬레이션",
    "done.escalate": "#{number} 장애를 에스컬레이션했습니다: {sent} 호출.",
    "done.escalate_failed": "#{number} 장애 에스컬레이션: {sent} 호출, 실패: {failed}.",
    "button.escalate": "에스컬레이션",
    "button.open_channel": "채널 열기",
    "page.header": ":rotating_light: 호출: #{number} 장애",
    "page.text": "호출: #{number} 장애 ({severity}) {title}: {reason}",
    "page.body": "*{title}*\n{severity} · {status} · 발생 후 {age}\n{reason}",
    "page.tier": "*단계*: {tier}",
    "page.tier_number": "{tier}단계",
    "page.already": "*이미 호출됨*: {who}",
    "page.late": ":warning: 이 호출은 {late} 늦었습니다: 예정 시각에 Firebell이 실행 중이 아니었습니다.",
    "page.reason.ack_timeout": "{target} 안에 인지되지 않았습니다.",
    "page.reason.manual": "<@{user}> 님이 에스컬레이션: {reason}",
    "page.reason.no_reason": "사유 없음",
    "page.reason.declare": "새 {severity} 장애입니다.",
    "post.paged": ":loudspeaker: {tier} 호출: {mentions} — {reason}",
    "post.page_failed": (
        ":warning: #{number} 장애: 다음 호출이 실패했습니다: {failures}. 다음 대상은 계속 호출했습니다."
    ),
    "post.resolve_breach": ":hourglass: #{number} 장애가 해결 목표 {target}을(를) 넘겼습니다.",
    "post.nudge": ":memo: #{number} 장애에 {window} 동안 상황 업데이트가 없습니다. `/incident update` 로 게시하세요.",
    "status.pending": "*예정된 작업*",
    "status.pending.escalate": "• {tier} 호출 {when}",
    "status.pending.resolve_deadline": "• 해결 목표 {when}",
    "status.pending.update_nudge": "• 업데이트 알림 {when}",
    "status.pending.none": "• 예정된 작업 없음",
    "timeline.paged": "{target} 호출 ({via}, {tier}단계)",
    "timeline.page_failed": "{target} 호출 실패 ({via}): {reason}",
    "timeline.nudged": "<@{target}> 님에게 업데이트 요청",
    "timeline.resolve_breach": "해결 목표 {target} 초과",
    "timeline.escalated": "<@{actor}> 님이 에스컬레이션: {text}",
    "usage.oncall": (
        "*Firebell — `/oncall`*\n"
        "• `/oncall` — 모든 로테이션의 현재 당직자와 다음 교대 시각\n"
        "• `/oncall <로테이션> [일수]` — 앞으로의 근무 (기본 7일, 최대 31일)\n"
        "• `/oncall me` — 내 다음 근무\n"
        "• `/oncall override <로테이션> @사용자 <2h | until tomorrow 09:00>` — 지금부터 대신 당직\n"
        "• `/oncall overrides <로테이션>` — 현재 및 예정된 대체 근무\n"
        "• `/oncall override remove <번호>` — 대체 근무 삭제\n"
        "• `/oncall swap <로테이션> @a @b` — 서로의 다음 근무 교환"
    ),
    "usage.oncall_override": (
        "사용법: `/oncall override <로테이션> @사용자 <기간 | until <시각>>` 예: "
        "`/oncall override l1 @kim 4h` 또는 `… until tomorrow 09:00`; `/oncall override remove <번호>`"
    ),
    "usage.oncall_swap": "사용법: `/oncall swap <로테이션> @첫번째 @두번째`",
    "error.unknown_rotation": "`{name}` 로테이션은 없습니다. 로테이션: {known}.",
    "error.not_a_member": "<@{user}> 님은 *{rotation}* 로테이션의 구성원이 아닙니다.",
    "error.bad_span": (
        "`{value}` 은(는) 기간이나 시각이 아닙니다. `4h`, `until 18:00`, `until tomorrow 09:00` 처럼 쓰세요."
    ),
    "error.override_in_past": "그 대체 근무는 과거에 끝납니다 ({when}).",
    "error.override_too_long": "이 로테이션의 대체 근무는 최대 {limit} 까지입니다.",
    "error.override_overlaps": "#{id} 대체 근무(<@{user}>, {start} → {end})와 겹칩니다. 먼저 그것을 삭제하세요.",
    "error.override_not_found": "#{id} 대체 근무는 없습니다.",
    "error.swap_same": "서로 다른 두 사람을 지정하세요.",
    "error.no_upcoming_shift": "<@{user}> 님은 앞으로 {days}일 안에 교환할 근무가 없습니다.",
    "error.unexpected_words": "`{value}` 은(는) 이 자리에 올 수 없습니다.",
    "error.bad_override_id": "`{value}` 은(는) 대체 근무 번호가 아닙니다.",
    "error.override_incomplete": "로테이션, 대상, 기간을 지정하세요.",
    "error.swap_incomplete": "로테이션과 두 사람을 지정하세요.",
    "error.bad_days": "`{value}` 은(는) 1에서 {max} 사이의 일수가 아닙니다.",
    "permission.override": "당직 일정 변경",
    "oncall.header": "*현재 당직자*",
    "oncall.none_configured": "설정된 로테이션이 없습니다. 정책 파일에 `rotations:` 를 추가하세요.",
    "oncall.now": "• *{rotation}*: {user} — 다음 교대 {next}",
    "oncall.no_handoff": "예정 없음",
    "oncall.nobody": "없음",
    "oncall.schedule_header": "*{rotation}: 앞으로 {days}일*",
    "oncall.shift": "• {user}: {start} → {end}{note}",
    "oncall.override_note": " (대체 근무)",
    "oncall.mine_header": "*앞으로 14일간 내 근무*",
    "oncall.mine_item": "• *{rotation}*: {start} → {end}",
    "oncall.mine_none": "앞으로 14일간 근무가 없습니다.",
    "oncall.override_done": "#{id} 대체 근무: <@{user}> 님이 *{rotation}* 을(를) {start} 부터 {end} 까지 맡습니다.",
    "oncall.override_removed": "#{id} 대체 근무를 삭제했습니다.",
    "oncall.swap_done": "*{rotation}* 근무 교환: {details}.",
    "oncall.swap_item": "<@{user}> 님이 {start} → {end} 근무 (#{id})",
    "oncall.overrides_header": "*{rotation} 대체 근무*",
    "oncall.overrides_item": "• #{id} <@{user}>: {start} → {end}",
    "oncall.overrides_none": "현재 또는 예정된 대체 근무가 없습니다.",
    "handoff.header": ":arrows_counterclockwise: *{rotation}* 교대: {outgoing} → {incoming} ({until} 까지)",
    "handoff.late": ":warning: 이 교대 알림은 늦었습니다: 교대 시각에 Firebell이 실행 중이 아니었습니다.",
    "handoff.no_incidents": "진행 중인 장애가 없습니다.",
    "handoff.incident": "• #{number} {severity} *{title}* — {status}, 발생 후 {age}",
    "handoff.commanded": "<@{user}> 님이 지휘 중: {numbers}. `/incident assign <#> @사용자 commander` 로 넘기세요.",
    "handoff.unacknowledged": "미인지: {numbers}.",
    "usage.checklist": (
        "*Firebell — `/checklist`*\n"
        "• `/checklist` — 체크리스트 목록과 오늘의 실행\n"
        "• `/checklist start <이름>` — 지금 실행 시작\n"
        "• `/checklist status [이름]` — 진행 중인 실행과 남은 항목\n"
        "• `/checklist history <이름> [n]` — 최근 실행, 완료 시각, 누가 무엇을 했는지"
    ),
    "usage.checklist_history": "사용법: `/checklist history <이름> [n]` (n은 1에서 20)",
    "error.unknown_checklist": "`{name}` 체크리스트는 없습니다. 체크리스트: {known}.",
    "error.run_not_found": "#{id} 체크리스트 실행은 없습니다.",
    "error.run_closed": "#{id} 체크리스트 실행({title})은 종료되어 아무것도 변경하지 않았습니다.",
    "error.no_such_item": "#{id} 체크리스트 실행에는 {index}번 항목이 없습니다.",
    "error.bad_count": "`{value}` 은(는) 1에서 20 사이의 숫자가 아닙니다.",
    "error.missing_checklist": "체크리스트 이름을 지정하세요.",
    "error.bad_number_generic": "`{value}` 은(는) 숫자가 아닙니다.",
    "error.maintenance_incomplete": "시작 시각, 기간, 제목을 지정하세요.",
    "checklist.fallback": "{title}: {done}/{total} 완료",
    "checklist.progress": "*{done}/{total}* 완료",
    "checklist.completed_by": "<@{user}> 님이 완료 {when}",
    "checklist.due": "마감 {when}",
    "checklist.done_by": "✓ <@{user}> {when}",
    "checklist.na_by": "해당 없음 (<@{user}>): {reason}",
    "checklist.undo": "취소",
    "checklist.check": "완료",
    "checklist.mark_na": "항목을 해당 없음으로",
    "checklist.na_title": "해당 없음",
    "checklist.na_submit": "저장",
    "checklist.na_item": "항목",
    "checklist.na_reason": "해당하지 않는 이유",
    "checklist.completed": ":white_check_mark: *{title}* 을(를) <@{user}> 님이 {duration} 만에 완료했습니다.",
    "checklist.overdue": ":alarm_clock: *{title}* 마감이 지났습니다: {done}/{total} 완료. 남은 항목:\n{missing}",
    "checklist.overdue_owner": ":alarm_clock: *{title}* 마감이 지났습니다. 담당 항목:\n{items}",
    "checklist.open_line": "• {title}: {done}/{total}{channel}",
    "checklist.templates_header": "*체크리스트*",
    "checklist.template_line": "• `{name}` — {title} ({count}개 항목){schedule}",
    "checklist.schedule_note": ", `{cron}` ({zone}) {channel}",
    "checklist.no_channel": "채널 미지정 (channels.ops 설정 필요)",
    "checklist.none_configured": "설정된 체크리스트가 없습니다. 정책 파일에 `checklists:` 를 추가하세요.",
    "checklist.today_header": "*오늘의 실행*",
    "checklist.run_line": "• #{id} {title}: {done}/{total}, {state}",
    "checklist.none_today": "오늘 실행이 없습니다.",
    "checklist.status_header": "*진행 중인 체크리스트 실행*",
    "checklist.status_none": "진행 중인 실행이 없습니다.",
    "checklist.missing": "    남은 항목: {items}",
    "checklist.history_header": "*`{name}` 최근 실행*",
    "checklist.history_line": "• #{id} 시작 {start}: {done}/{total}, {outcome}",
    "checklist.history_who": "    {who}",
    "checklist.outcome_completed": "{when} <@{user}> 님이 완료",
    "checklist.state.open": "진행 중",
    "checklist.state.completed": "완료",
    "checklist.started": "*{title}* 시작: #{id} 실행{channel}.",
    "handoff.checklists": "진행 중인 체크리스트:",
    "usage.maintenance": (
        "*Firebell — `/maintenance`*\n"
        "• `/maintenance schedule <시작> <기간> <제목> [services:api,db]` — 예: "
        "`/maintenance schedule tomorrow 02:00 4h DB 업그레이드 services:db`\n"
        "• `/maintenance list` — 예정 및 진행 중인 점검\n"
        "• `/maintenance cancel <번호>` — 점검 취소"
    ),
    "usage.maintenance_schedule": (
        "사용법: `/maintenance schedule <시작> <기간> <제목> [services:api,db]`, "
        "시작은 `22:00`, `tomorrow 02:00`, `2026-11-29 02:00` 처럼"
    ),
    "usage.maintenance_cancel": "사용법: `/maintenance cancel <번호>`",
    "error.bad_time": (
        "`{value}` 은(는) 시각이 아닙니다. `30m`, `18:00`, `tomorrow 09:00`, `2026-11-29 02:00` 처럼 쓰세요."
    ),
    "error.bad_duration": "`{value}` 은(는) 기간이 아닙니다. `30m`, `4h`, `1d` 처럼 쓰세요.",
    "error.maintenance_too_long": "점검 시간은 최대 {limit} 입니다.",
    "error.time_in_past": "과거 시각입니다 ({when}).",
    "error.missing_title_maintenance": "점검 제목이 필요합니다.",
    "error.maintenance_not_found": "#{id} 점검은 없습니다.",
    "error.maintenance_already_cancelled": "#{id} 점검은 이미 취소되었습니다.",
    "error.maintenance_over": "#{id} 점검은 이미 끝났습니다.",
    "permission.maintenance": "점검 일정 등록",
    "maintenance.scheduled": (
        ":construction: #{id} 점검 예정: *{title}*, {start} → {end} ({duration}); 대상 서비스: {services}."
    ),
    "maintenance.cancelled": ":x: #{id} 점검(*{title}*)을 <@{user}> 님이 취소했습니다.",
    "maintenance.notice": (
        ":loudspeaker: #{id} 점검 *{title}* 이(가) {start} 에 시작합니다 ({duration}); 대상 서비스: {services}."
    ),
    "maintenance.started": (
        ":construction: #{id} 점검 *{title}* 이(가) 시작되었습니다. {end} 까지 진행합니다. 대상 서비스: {services}."
    ),
    "maintenance.ended": ":white_check_mark: #{id} 점검 *{title}* 이(가) 끝났습니다.",
    "maintenance.incident_note": (
        ":construction: {service} 은(는) {end} 까지 #{id} 점검(*{title}*) 중입니다: 예상된 현상일 수 있습니다."
    ),
    "maintenance.late": ":warning: 지연: 예정 시각에 Firebell이 실행 중이 아니었습니다.",
    "maintenance.all_services": "전체 서비스",
    "maintenance.list_header": "*점검 일정*",
    "maintenance.list_line": "• #{id} *{title}* {start} → {end}; {services}{active}",
    "maintenance.active_note": " — :construction: 진행 중",
    "maintenance.list_none": "예정된 점검이 없습니다.",
    "maintenance.done_cancel": "#{id} 점검을 취소했습니다.",
    "usage.remind": (
        "사용법: 장애 채널에서 `/incident remind <30m | 2h | 18:00 | tomorrow 09:00> <내용>`; "
        "`/incident remind cancel <번호>`"
    ),
    "error.missing_reminder_text": "알림 내용을 입력하세요.",
    "error.reminder_not_found": "#{number} 장애에 대기 중인 #{id} 알림이 없습니다.",
    "reminder.post": ":alarm_clock: <@{user}> 님의 알림: {text}",
    "reminder.late": "_(지연: 예정 시각에 Firebell이 실행 중이 아니었습니다)_",
    "reminder.recurring": ":alarm_clock: {text}",
    "reminder.set": "#{id} 알림을 {when} 으로 설정했습니다.",
    "reminder.cancelled": "#{id} 알림을 취소했습니다.",
    "status.pending.reminder": "• #{id} 알림 {when}: {text}",
    "timeline.reminder_set": "<@{actor}> 님이 알림 설정: {text}",
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

    @property
    def keys(self) -> set[str]:
        return set(self._texts)

    def __call__(self, key: str, **params: Any) -> str:
        return self._texts[key].format(**params) if params else self._texts[key]
