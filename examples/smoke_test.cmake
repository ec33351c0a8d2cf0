# A smoke run of one example program (cmake -P, from examples/CMakeLists.txt):
# runs PROGRAM with ARGS in a fresh WORK_DIR and fails unless it exits with 0,
# every path of FILES (relative to WORK_DIR) exists and is not empty, and its
# output (stdout and stderr together) matches EXPECT when given.
#   -DPROGRAM=<path> -DWORK_DIR=<dir> [-DARGS=a|b|c] [-DFILES=x|y] [-DEXPECT=<regex>] [-DNEEDS=<path>]
# Lists are separated by "|" (a ";" would split the test's command line).
# NEEDS names a file the program reads that a package provides (a dataset):
# when it is missing the run prints "ember-smoke-skip:" and CTest reports the
# test as skipped (SKIP_REGULAR_EXPRESSION), as the GoogleTest suites do.
cmake_minimum_required(VERSION 3.25)

if(DEFINED NEEDS AND NOT EXISTS "${NEEDS}")
  message("ember-smoke-skip: ${NEEDS} is not installed (scripts/install_deps.sh installs it)")
  return()
endif()

string(REPLACE "|" ";" args "${ARGS}")
string(REPLACE "|" ";" files "${FILES}")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

get_filename_component(name "${PROGRAM}" NAME)
string(JOIN " " shown ${name} ${args})
message("$ ${shown}    (in ${WORK_DIR})")
execute_process(COMMAND "${PROGRAM}" ${args}
                WORKING_DIRECTORY "${WORK_DIR}"
                RESULT_VARIABLE status
                OUTPUT_VARIABLE output
                ERROR_VARIABLE output)
message("${output}")

if(NOT status EQUAL 0)
  message(FATAL_ERROR "${shown}: exited with ${status}")
endif()
foreach(f IN LISTS files)
  if(NOT EXISTS "${WORK_DIR}/${f}")
    message(FATAL_ERROR "${shown}: did not write ${f}")
  endif()
  file(SIZE "${WORK_DIR}/${f}" size)
  if(size EQUAL 0)
    message(FATAL_ERROR "${shown}: wrote ${f}, but it is empty")
  endif()
endforeach()
if(DEFINED EXPECT AND NOT output MATCHES "${EXPECT}")
  message(FATAL_ERROR "${shown}: the output does not match \"${EXPECT}\"")
endif()
string(JOIN ", " written ${files})
if(written)
  set(written "; wrote ${written}")
endif()
message("${name}: exit 0${written}")
