#pragma once
// Wires the backend together and runs it until SIGTERM/SIGINT: schema check,
// PostgreSQL pool, Redis subscriber, head feed, group commit, API, listener.
// Graceful shutdown: stop accepting, answer held waiters, close WebSockets
// with a close frame, then leave.

#include "server/config.h"

namespace ink::server {

// Returns the process exit status.
int run_backend(const Config& config);

}  // namespace ink::server
