# A guide that quotes a program piece by piece must quote all of it, unchanged
# (cmake -P, from examples/CMakeLists.txt). The ```cpp blocks of DOC, joined
# with one blank line between them, must equal PROGRAM from its first
# `#include <ember.h>` line on (the program's opening comment is not quoted).
#   -DDOC=<guide.md> -DPROGRAM=<program.cpp>
cmake_minimum_required(VERSION 3.25)

file(READ "${DOC}" doc)
file(READ "${PROGRAM}" program)

set(quoted "")
set(fence "```cpp\n")
string(FIND "${doc}" "${fence}" start)
while(start GREATER -1)
  string(LENGTH "${fence}" fence_length)
  math(EXPR start "${start} + ${fence_length}")
  string(SUBSTRING "${doc}" ${start} -1 doc)
  string(FIND "${doc}" "\n```" end)
  if(end EQUAL -1)
    message(FATAL_ERROR "${DOC}: a ```cpp block is never closed")
  endif()
  math(EXPR end "${end} + 1")
  string(SUBSTRING "${doc}" 0 ${end} block)
  string(SUBSTRING "${doc}" ${end} -1 doc)
  if(quoted STREQUAL "")
    set(quoted "${block}")
  else()
    string(APPEND quoted "\n${block}")
  endif()
  string(FIND "${doc}" "${fence}" start)
endwhile()

string(FIND "${program}" "\n#include <ember.h>\n" first_include)
if(first_include EQUAL -1)
  message(FATAL_ERROR "${PROGRAM} has no line #include <ember.h>")
endif()
math(EXPR first_include "${first_include} + 1")
string(SUBSTRING "${program}" ${first_include} -1 program)

if(NOT quoted STREQUAL program)
  file(WRITE "${CMAKE_CURRENT_BINARY_DIR}/quoted.cpp" "${quoted}")
  file(WRITE "${CMAKE_CURRENT_BINARY_DIR}/program.cpp" "${program}")
  message(FATAL_ERROR "${DOC} does not quote ${PROGRAM} as it is: compare "
                      "${CMAKE_CURRENT_BINARY_DIR}/quoted.cpp with ${CMAKE_CURRENT_BINARY_DIR}/program.cpp "
                      "(diff -u), and change the guide and the program together")
endif()
message("${DOC} quotes ${PROGRAM} unchanged")
