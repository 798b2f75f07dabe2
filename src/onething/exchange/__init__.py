"""跨省通办: signed packages exchanged with partner platforms (cases forwarded, received)."""
