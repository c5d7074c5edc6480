"""CLI sub-commands, one module per command or group; each module exposes `command`
(a click command or group) and is discovered by auditor.cli, so adding a command means adding a
module here and nothing else."""
