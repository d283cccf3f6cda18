"""Texts of post-mortems and action items (issue 12), in English and Korean."""

from __future__ import annotations

EN: dict[str, str] = {
    # The Markdown document (plain text: Markdown, not Slack mrkdwn).
    "pm.title": "Post-mortem: incident #{number}: {title}",
    "pm.status_line": "Status: {status} · due {due} · times in {zone}",
    "pm.link_line": "Published document: {link}",
    "pm.status.draft": "draft",
    "pm.status.in_review": "in review",
    "pm.status.published": "published",
    "pm.field": "Field",
    "pm.value": "Value",
    "pm.field.severity": "Severity",
    "pm.field.service": "Service",
    "pm.field.declared_by": "Declared by",
    "pm.field.started": "Started",
    "pm.field.acknowledged": "Acknowledged",
    "pm.field.mitigated": "Mitigated",
    "pm.field.resolved": "Resolved",
    "pm.field.tta": "Time to acknowledge",
    "pm.field.ttm": "Time to mitigate",
    "pm.field.ttr": "Time to resolve",
    "pm.field.roles": "Roles",
    "pm.field.paged": "Paged",
    "pm.field.resolution": "Resolution",
    "pm.not_yet": "not yet",
    "pm.nobody": "nobody",
    "pm.none": "none",
    "pm.page": "{target} ({via}, {when}, {status})",
    "pm.fill_in": "_To be filled in._",
    "pm.hint.impact": "Who and what was affected, how many users, for how long.",
    "pm.hint.business_impact": "Revenue, contracts, SLA credits, reputation.",
    "pm.hint.root_cause": "Why it happened (five whys), not only what broke.",
    "pm.hint.went_well": "What helped: detection, tooling, people.",
    "pm.hint.went_wrong": "What slowed the response down.",
    "pm.timeline_empty": "Nothing recorded.",
    "pm.actions_none": "_No action items yet._ Add one with `/incident action add @owner <due> <text>`.",
    "pm.actions_head": "| # | Owner | Due | Status | Item |",
    "pm.action_status.open": "open",
    "pm.action_status.done": "done",
    # Slack: the upload, the commands and the reminders.
    "postmortem.file_comment": "Post-mortem draft of incident #{number} (revision {revision}), due {due}. "
                               "Fill in the sections, then `/incident postmortem done <url>` with the link "
                               "of the published document.",
    "postmortem.regenerating": "The post-mortem of incident #{number} is being drafted again "
                               "(revision {revision}); it will appear in {channel}.",
    "postmortem.published": "The post-mortem of incident #{number} is published: {link}",
    "postmortem.status_set": "The post-mortem of incident #{number} is now {status}.",
    "postmortem.reminder": "Reminder: the post-mortem of incident #{number} ({title}) is due {due}. "
                           "When it is written: `/incident postmortem done <url>`.",
    "postmortem.overdue": "The post-mortem of incident #{number} ({title}) is overdue since {due}; "
                          "its commander is {commander}.",
    "postmortem.upload_failed": "Could not upload the post-mortem of incident #{number}: {code}.",
    "postmortem.export_missing": "Incident #{number} has no post-mortem yet: it is drafted when it is resolved.",
    "usage.postmortem": "Usage: `/incident postmortem [number]` drafts the post-mortem again from the "
                        "timeline; `/incident postmortem review [number]` marks it in review; "
                        "`/incident postmortem done [number] <url>` publishes it with its link.",
    "error.postmortem_not_resolved": "Incident #{number} is not resolved yet: its post-mortem is drafted at "
                                     "resolution.",
    "error.postmortem_bad_url": "`{value}` is not a link: give the published document's address "
                                "(https://…).",
    "error.postmortem_missing_url": "Give the link of the published post-mortem.",
    "timeline.postmortem_drafted": "post-mortem drafted (revision {revision})",
    "timeline.postmortem_status": "<@{actor}> marked the post-mortem {status}",
    "timeline.postmortem_published": "<@{actor}> published the post-mortem: {link}",
    # Action items.
    "usage.action": "Usage: `/incident action add @owner <due> <text>` in the incident's channel (due: "
                    "`2026-12-01`, `3d`, `1w`, `tomorrow`); `/incident action done <id>`; "
                    "`/incident actions [mine | open | overdue]`.",
    "error.action_missing_owner": "Name the owner first: `/incident action add @owner <due> <text>`.",
    "error.action_bad_owner": "`{value}` is not a person: mention the owner, like @name.",
    "error.action_bad_due": "`{value}` is not a due date: use `2026-12-01`, `3d`, `1w` or `tomorrow`.",
    "error.action_due_past": "The due date {when} has passed already.",
    "error.action_missing_text": "Say what is to be done after the due date.",
    "error.action_bad_id": "`{value}` is not an action item number.",
    "error.action_not_found": "There is no action item {id}.",
    "error.action_bad_filter": "`{value}` is not a filter: use mine, open or overdue.",
    "error.action_not_owner": "Only <@{owner}>, the incident's commander or whoever added it may close "
                              "action item {id}.",
    "action.added": "Action item {id} for <@{owner}>, due {due}: {text}",
    "action.done": "Action item {id} is done: {text}",
    "action.already_done": "Action item {id} was done already.",
    "action.list.mine": "*Your open action items*",
    "action.list.open": "*Open action items*",
    "action.list.overdue": "*Overdue action items*",
    "action.list_item": "• `{id}` {text}: <@{owner}>, due {due} (incident #{number})",
    "action.list_empty": "None.",
    "action.reminder": "Reminder: your action item {id} from incident #{number} is due {due}: {text}\n"
                       "When it is done: `/incident action done {id}`.",
    "action.overdue": "Your action item {id} from incident #{number} is overdue since {due}: {text}\n"
                      "When it is done: `/incident action done {id}`.",
    "timeline.action_added": "<@{actor}> added action item {id} for <@{owner}>: {text}",
    "timeline.action_done": "<@{actor}> completed action item {id}",
}

KO: dict[str, str] = {
    "pm.title": "사후 분석: 장애 #{number}: {title}",
    "pm.status_line": "상태: {status} · 기한 {due} · 시간대 {zone}",
    "pm.link_line": "게시된 문서: {link}",
    "pm.status.draft": "초안",
    "pm.status.in_review": "검토 중",
    "pm.status.published": "게시됨",
    "pm.field": "항목",
    "pm.value": "내용",
    "pm.field.severity": "등급",
    "pm.field.service": "서비스",
    "pm.field.declared_by": "선언자",
    "pm.field.started": "발생",
    "pm.field.acknowledged": "확인",
    "pm.field.mitigated": "완화",
    "pm.field.resolved": "해결",
    "pm.field.tta": "확인까지 걸린 시간",
    "pm.field.ttm": "완화까지 걸린 시간",
    "pm.field.ttr": "해결까지 걸린 시간",
    "pm.field.roles": "역할",
    "pm.field.paged": "호출",
    "pm.field.resolution": "해결 내용",
    "pm.not_yet": "아직 없음",
    "pm.nobody": "없음",
    "pm.none": "없음",
    "pm.page": "{target} ({via}, {when}, {status})",
    "pm.fill_in": "_작성 필요._",
    "pm.hint.impact": "영향받은 사용자와 기능, 사용자 수, 지속 시간.",
    "pm.hint.business_impact": "매출, 계약, SLA 보상, 평판.",
    "pm.hint.root_cause": "무엇이 고장났는지뿐 아니라 왜 일어났는지 (5 Whys).",
    "pm.hint.went_well": "도움이 된 것: 탐지, 도구, 사람.",
    "pm.hint.went_wrong": "대응을 늦춘 것.",
    "pm.timeline_empty": "기록 없음.",
    "pm.actions_none": "_후속 조치가 아직 없습니다._ `/incident action add @담당자 <기한> <내용>` 으로 추가하세요.",
    "pm.actions_head": "| # | 담당자 | 기한 | 상태 | 내용 |",
    "pm.action_status.open": "진행 중",
    "pm.action_status.done": "완료",
    "postmortem.file_comment": "장애 #{number} 사후 분석 초안 (버전 {revision}), 기한 {due}. 각 항목을 채운 뒤 "
                               "게시된 문서 링크와 함께 `/incident postmortem done <url>` 을 입력하세요.",
    "postmortem.regenerating": "장애 #{number} 사후 분석을 다시 작성합니다 (버전 {revision}); {channel} 에 "
                               "올라갑니다.",
    "postmortem.published": "장애 #{number} 사후 분석이 게시되었습니다: {link}",
    "postmortem.status_set": "장애 #{number} 사후 분석 상태: {status}.",
    "postmortem.reminder": "알림: 장애 #{number} ({title}) 사후 분석 기한은 {due} 입니다. "
                           "작성을 마치면 `/incident postmortem done <url>`.",
    "postmortem.overdue": "장애 #{number} ({title}) 사후 분석이 {due} 부터 기한을 넘겼습니다; "
                          "지휘자는 {commander} 입니다.",
    "postmortem.upload_failed": "장애 #{number} 사후 분석을 올리지 못했습니다: {code}.",
    "postmortem.export_missing": "장애 #{number} 에는 아직 사후 분석이 없습니다: 해결될 때 작성됩니다.",
    "usage.postmortem": "사용법: `/incident postmortem [번호]` 타임라인으로 사후 분석을 다시 작성; "
                        "`/incident postmortem review [번호]` 검토 중으로 표시; "
                        "`/incident postmortem done [번호] <url>` 링크와 함께 게시.",
    "error.postmortem_not_resolved": "장애 #{number} 는 아직 해결되지 않았습니다: 사후 분석은 해결 시 작성됩니다.",
    "error.postmortem_bad_url": "`{value}` 는 링크가 아닙니다: 게시된 문서 주소 (https://…) 를 주세요.",
    "error.postmortem_missing_url": "게시된 사후 분석의 링크를 주세요.",
    "timeline.postmortem_drafted": "사후 분석 초안 작성 (버전 {revision})",
    "timeline.postmortem_status": "<@{actor}> 님이 사후 분석을 {status} 로 표시",
    "timeline.postmortem_published": "<@{actor}> 님이 사후 분석을 게시: {link}",
    "usage.action": "사용법: 장애 채널에서 `/incident action add @담당자 <기한> <내용>` (기한: `2026-12-01`, "
                    "`3d`, `1w`, `내일`); `/incident action done <번호>`; "
                    "`/incident actions [mine | open | overdue]`.",
    "error.action_missing_owner": "먼저 담당자를 지정하세요: `/incident action add @담당자 <기한> <내용>`.",
    "error.action_bad_owner": "`{value}` 는 사람이 아닙니다: @이름 처럼 담당자를 멘션하세요.",
    "error.action_bad_due": "`{value}` 는 기한이 아닙니다: `2026-12-01`, `3d`, `1w`, `내일` 처럼 쓰세요.",
    "error.action_due_past": "기한 {when} 은 이미 지났습니다.",
    "error.action_missing_text": "기한 뒤에 할 일을 적어 주세요.",
    "error.action_bad_id": "`{value}` 는 후속 조치 번호가 아닙니다.",
    "error.action_not_found": "후속 조치 {id} 가 없습니다.",
    "error.action_bad_filter": "`{value}` 는 필터가 아닙니다: mine, open, overdue 중 하나를 쓰세요.",
    "error.action_not_owner": "후속 조치 {id} 는 <@{owner}> 님, 장애 지휘자 또는 추가한 사람만 완료할 수 있습니다.",
    "action.added": "후속 조치 {id}: <@{owner}> 님, 기한 {due}: {text}",
    "action.done": "후속 조치 {id} 완료: {text}",
    "action.already_done": "후속 조치 {id} 는 이미 완료되었습니다.",
    "action.list.mine": "*내 후속 조치*",
    "action.list.open": "*진행 중인 후속 조치*",
    "action.list.overdue": "*기한이 지난 후속 조치*",
    "action.list_item": "• `{id}` {text}: <@{owner}>, 기한 {due} (장애 #{number})",
    "action.list_empty": "없음.",
    "action.reminder": "알림: 장애 #{number} 의 후속 조치 {id} 기한은 {due} 입니다: {text}\n"
                       "완료하면: `/incident action done {id}`.",
    "action.overdue": "장애 #{number} 의 후속 조치 {id} 가 {due} 부터 기한을 넘겼습니다: {text}\n"
                      "완료하면: `/incident action done {id}`.",
    "timeline.action_added": "<@{actor}> 님이 <@{owner}> 님의 후속 조치 {id} 추가: {text}",
    "timeline.action_done": "<@{actor}> 님이 후속 조치 {id} 완료",
}
