"""The transparency log: sequencing, witnesses, anchors, audits, monitoring, offline log checks."""
