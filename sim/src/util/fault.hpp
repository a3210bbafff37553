#pragma once
// Fault injection for the crash tests: with TALENTSIM_FAULT=<name>:<n> in the
// environment, the n-th time the program reaches the point <name> it kills
// itself with SIGKILL (as a pre-empted node would). Without the variable this
// is a cheap no-op. Points: "step" (after a step is recorded), "checkpoint"
// (half-way through writing a checkpoint), "checkpoint-rename" (checkpoint
// written and synced, not yet renamed), "flush" (between output blocks),
// "finish" (output complete, not yet renamed). With TALENTSIM_FAULT=
// <name>:<n>:stop it stops itself with SIGSTOP instead, keeping its files and
// locks, so a test can act while it is frozen mid-run; with <name>:<n>:term
// it sends itself SIGTERM (an interruption at an exact step).

namespace talentsim::detail {

void fault_point(const char* name) noexcept;

}  // namespace talentsim::detail
