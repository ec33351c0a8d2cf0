// Ctrl-C as a request, not a kill: the first SIGINT (or SIGTERM) sets a flag
// that a training loop checks between batches, so it can finish the batch,
// save a checkpoint and exit cleanly. The handler resets itself (SA_RESETHAND):
// a second Ctrl-C ends the program at once, as a user pressing it twice expects.
#pragma once

#include <csignal>

namespace support {

inline volatile std::sig_atomic_t interrupt_signal = 0;

inline void on_interrupt(int signal) { interrupt_signal = signal; }

/// Routes SIGINT and SIGTERM to the flag.
inline void catch_interrupts() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

inline bool interrupted() { return interrupt_signal != 0; }

}  // namespace support
