"""Action, block and callback ids: defined once, used by renderers and listeners alike."""

from __future__ import annotations

ACK = "incident.ack"
UPDATE = "incident.update"
RESOLVE = "incident.resolve"
REOPEN = "incident.reopen"
ESCALATE = "incident.escalate"
OPEN_CHANNEL = "incident.open_channel"
PAGE_ACTIONS_BLOCK = "page.actions"
INCIDENT_ACTIONS_BLOCK = "incident.actions"

DECLARE_VIEW = "incident.declare"
DECLARE_TITLE_BLOCK = "title"
DECLARE_TITLE_ACTION = "title_input"
DECLARE_SEVERITY_BLOCK = "severity"
DECLARE_SEVERITY_ACTION = "severity_select"
DECLARE_SERVICE_BLOCK = "service"
DECLARE_SERVICE_ACTION = "service_input"
DECLARE_DESCRIPTION_BLOCK = "description"
DECLARE_DESCRIPTION_ACTION = "description_input"
DECLARE_COMMANDER_BLOCK = "commander"
DECLARE_COMMANDER_ACTION = "commander_select"

UPDATE_VIEW = "incident.update"
UPDATE_TEXT_BLOCK = "update"
UPDATE_TEXT_ACTION = "update_input"

CHECKLIST_TOGGLE = "checklist.toggle"
CHECKLIST_ITEM = "checklist.item"
CHECKLIST_NA = "checklist.na"
CHECKLIST_BLOCK = "checklist"
CHECKLIST_NA_VIEW = "checklist.na"
CHECKLIST_NA_ITEM_BLOCK = "item"
CHECKLIST_NA_ITEM_ACTION = "item_select"
CHECKLIST_NA_REASON_BLOCK = "reason"
CHECKLIST_NA_REASON_ACTION = "reason_input"

# /oncall cover: "I'll take it" on a request to cover a shift (bot/oncall/cover.py)
ONCALL_COVER_TAKE = "oncall.cover_take"

# The message shortcut "Add to incident timeline" (handlers/pins.py)
TIMELINE_ADD = "add_to_timeline"

# The declare form's incident type menu (shown when the policy has incident_types)
DECLARE_TYPE_BLOCK = "incident_type"
DECLARE_TYPE_ACTION = "incident_type_select"
