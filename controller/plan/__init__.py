"""The pure planner: (desired, live, now) -> Plan. No I/O."""
