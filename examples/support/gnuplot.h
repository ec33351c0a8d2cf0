// Drawing through gnuplot (Debian's gnuplot-nox): a script is piped to a
// `gnuplot` process, and one figure is written twice, as PNG (to look at) and
// SVG (to put in documents). Nothing here knows what is plotted; a missing
// or failing gnuplot is reported and the caller carries on — results never
// depend on the plots.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace support {

/// Runs `script` through gnuplot. Its messages go to a temporary file, shown
/// only when gnuplot fails: warnings such as "empty y range" (a run that
/// diverged) would otherwise break into the program's output.
inline bool run_gnuplot(const std::string& script) {
  static bool missing = false;  // said once is enough
  if (missing) return false;
  char log[] = "/tmp/ember-gnuplot-XXXXXX";
  const int fd = mkstemp(log);
  if (fd < 0) return false;
  close(fd);
  FILE* gp = popen(("gnuplot > " + std::string(log) + " 2>&1").c_str(), "w");
  if (!gp) return false;
  std::fputs(script.c_str(), gp);
  const int status = pclose(gp);
  missing = WIFEXITED(status) && WEXITSTATUS(status) == 127;  // the shell found no gnuplot
  if (missing)
    std::fprintf(stderr, "no gnuplot: the figures are left out (Debian: apt install gnuplot-nox)\n");
  if (status != 0 && !missing) {
    std::fprintf(stderr, "gnuplot failed (status %d)\n", status);
    std::ifstream messages(log);
    std::fprintf(stderr, "%s", std::string(std::istreambuf_iterator<char>(messages), {}).c_str());
  }
  std::remove(log);
  return status == 0;
}

/// Draws `body` (gnuplot commands ending in plot or multiplot) into
/// <stem>.png and <stem>.svg, `width` × `height` pixels. Each pass starts
/// from `reset`, so what the first leaves set does not leak into the second.
/// Text is printed as given (noenhanced): gelu_tanh is no subscript.
inline bool plot_png_and_svg(const std::string& stem, int width, int height, const std::string& body) {
  const std::string size = std::to_string(width) + "," + std::to_string(height);
  return run_gnuplot("set terminal pngcairo size " + size + " font ',9' noenhanced\nset output '" + stem +
                     ".png'\nreset\n" + body + "\nset terminal svg size " + size +
                     " dynamic font ',9' noenhanced\nset output '" + stem + ".svg'\nreset\n" + body +
                     "\nset output\n");
}

/// A string as a single-quoted gnuplot literal (a quote inside is doubled).
inline std::string gnuplot_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

}  // namespace support
