// Drawing through gnuplot (Debian's gnuplot-nox): a script is piped to a
// `gnuplot` process, and one figure is written twice, as PNG (to look at) and
// SVG (to put in documents). Nothing here knows what is plotted; a missing
// gnuplot is reported once and the caller carries on — results never depend
// on the plots.
#pragma once

#include <cstdio>
#include <string>

namespace support {

/// Runs `script` through gnuplot; false (with gnuplot's message on stderr) when it fails.
inline bool run_gnuplot(const std::string& script) {
  FILE* gp = popen("gnuplot 2>&1", "w");
  if (!gp) return false;
  std::fputs(script.c_str(), gp);
  const int status = pclose(gp);
  if (status != 0) {
    static bool told = false;
    if (!told) std::fprintf(stderr, "gnuplot failed (status %d); is gnuplot-nox installed?\n", status);
    told = true;
  }
  return status == 0;
}

/// Draws `body` (gnuplot commands ending in plot or multiplot) into
/// <stem>.png and <stem>.svg, `width` × `height` pixels. Each pass starts
/// from `reset`, so what the first leaves set does not leak into the second.
inline bool plot_png_and_svg(const std::string& stem, int width, int height, const std::string& body) {
  const std::string size = std::to_string(width) + "," + std::to_string(height);
  return run_gnuplot("set terminal pngcairo size " + size + " font ',9'\nset output '" + stem +
                     ".png'\nreset\n" + body + "\nset terminal svg size " + size +
                     " dynamic font ',9'\nset output '" + stem + ".svg'\nreset\n" + body + "\nset output\n");
}

/// A string as a single-quoted gnuplot literal (a quote inside is doubled).
inline std::string gnuplot_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

}  // namespace support
