"""The policy file: the operations manual as validated YAML."""

from __future__ import annotations

from bot.policy.fields import format_duration
from bot.policy.schema import Policy
from bot.policy.summary_manuals import manual_lines


def summarise(policy: Policy) -> str:
    lines = [f"ok: timezone {policy.timezone}, {len(policy.severities)} severities, "
             f"{len(policy.escalation_policies)} escalation policies, {len(policy.rotations)} rotations"]
    for s in policy.severities:
        escalation = policy.escalation_policies.get(s.escalation or "")
        tiers = f", escalation {s.escalation} ({len(escalation.tiers)} tiers)" if escalation else ""
        update = f", update every {format_duration(s.update_every)}" if s.update_every else ""
        lines.append(
            f"  {s.id} {s.name['en']}: ack within {format_duration(s.ack_within)}, "
            f"resolve within {format_duration(s.resolve_within)}, broadcast {s.broadcast.value}{update}{tiers}"
        )
    for name, rotation in policy.rotations.items():
        layers = ", ".join(f"{layer.name or 'layer'} ({len(layer.members)} people, {format_duration(layer.shift)})"
                           for layer in rotation.layers)
        lines.append(f"  rotation {name}: {layers}")
    lines += manual_lines(policy)
    return "\n".join(lines)
