// BackgroundLoad: another program keeping one core busy while a benchmark
// runs — the normal case on a laptop where something else is running. It is
// a child process spinning (not a thread of the benchmark) so the scheduler
// treats it as any other program; it is killed when the object goes.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

class BackgroundLoad {
 public:
  explicit BackgroundLoad(bool on) {
    if (!on) return;
    child_ = fork();
    if (child_ < 0) {
      std::perror("background load: fork");
      std::exit(1);
    }
    if (child_ == 0) {
      volatile unsigned long spin = 0;
      for (;;) spin = spin + 1;  // what `yes > /dev/null` does, without the pipe
    }
  }
  ~BackgroundLoad() {
    if (child_ <= 0) return;
    kill(child_, SIGKILL);
    waitpid(child_, nullptr, 0);
  }
  BackgroundLoad(const BackgroundLoad&) = delete;
  BackgroundLoad& operator=(const BackgroundLoad&) = delete;

  /// Removes `flag` from argv if present (before Google Benchmark parses it);
  /// returns whether it was there.
  static bool take_flag(int& argc, char** argv, const char* flag) {
    for (int i = 1; i < argc; ++i)
      if (!std::strcmp(argv[i], flag)) {
        for (int j = i; j + 1 < argc; ++j) argv[j] = argv[j + 1];
        --argc;
        return true;
      }
    return false;
  }

 private:
  pid_t child_ = 0;
};
