"""Generate many realistic spec files, for benchmarks and size tests of the spec stage.

``write_specs(dir, n)`` writes ``n`` declared subscriptions, 100 per file by default,
with ids from 2000000 upward: about 80% active (a quarter of those with
renewThrough), 20% cancelled, each file one customer with defaults and guards, the
way a real repository of specs looks. Deterministic: same arguments, same files.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

FIRST_ID = 2_000_000
FIRST_CUSTOMER = 3_000_000
_REASONS = (
    "Customer moved to another provider",
    "Site closed",
    "Replaced by a new bundle",
    "Duplicate purchase",
)


def _entry(sub_id: int, rng: random.Random) -> str:
    lines = [f'  - id: "{sub_id}"', f"    name: Line {sub_id - FIRST_ID + 1}"]
    if rng.random() < 0.8:
        lines += [
            "    state: active",
            f"    autoRenew: {'true' if rng.random() < 0.9 else 'false'}",
        ]
        if rng.random() < 0.25:
            through = dt.date(2027, 1, 1) + dt.timedelta(days=rng.randrange(0, 700))
            lines.append(f"    renewThrough: {through.isoformat()}")
        if rng.random() < 0.1:
            lines.append("    protected: true")
        if rng.random() < 0.05:
            lines.append("    mode: observe")
    else:
        lines += [
            "    state: cancelled",
            "    cancellation:",
            f"      reason: {rng.choice(_REASONS)}",
            f"      approval: {'auto' if rng.random() < 0.8 else 'manual'}",
        ]
    return "\n".join(lines)


def write_specs(dirpath: Path | str, n: int, per_file: int = 100) -> list[Path]:
    """Write ``n`` subscriptions into ``ceil(n / per_file)`` files; return their paths."""
    directory = Path(dirpath)
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(n)
    paths: list[Path] = []
    for number, start in enumerate(range(0, n, per_file)):
        customer = FIRST_CUSTOMER + number
        entries = [_entry(FIRST_ID + i, rng) for i in range(start, min(n, start + per_file))]
        text = "\n".join(
            [
                "# yaml-language-server: $schema=../schemas/subscriptionset.schema.json",
                "apiVersion: subctl/v1",
                "kind: SubscriptionSet",
                "metadata:",
                f"  name: customer-{customer}",
                "defaults:",
                f'  customerId: "{customer}"',
                "  product: Comms Care",
                "subscriptions:",
                *entries,
                "",
            ]
        )
        path = directory / f"customer-{number:05d}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
