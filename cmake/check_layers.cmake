# The layer rule, checked before every build (and by .ci/run through it):
#
#   kernels  <-  core  <-  nn  <-  optim          core  <-  data
#
# Each folder may include only the folders its arrows reach. kernels
# (core/kernels/) knows nothing of tensors: besides itself it may include only
# core/error.h and core/shape.h, and it is the only code that includes oneDNN.
# The public headers (those ember.h reaches, the installed ones) include no
# kernel or *_detail.h header. A broken rule stops the build, naming the file,
# the line and the rule.
#   cmake -DSOURCE_DIR=<repo> -P cmake/check_layers.cmake
cmake_minimum_required(VERSION 3.25)
include(${CMAKE_CURRENT_LIST_DIR}/public_headers.cmake)

# folder -> what its files may include (prefixes of the quoted path)
set(allowed_core_kernels "core/kernels/;core/error.h;core/shape.h")
set(allowed_core "core/")
set(allowed_nn "core/;nn/")
set(allowed_optim "core/;nn/;optim/")
set(allowed_data "core/;data/")
# ... except these, though their prefix is allowed
set(forbidden_data "core/kernels/")
set(arrows "the arrows are kernels <- core <- nn <- optim and core <- data (docs/architecture.md)")

# out = TRUE when text starts with one of the prefixes
function(starts_with_any out text prefixes)
  set(found FALSE)
  foreach(prefix IN LISTS prefixes)
    string(FIND "${text}" "${prefix}" at)
    if(at EQUAL 0)
      set(found TRUE)
    endif()
  endforeach()
  set(${out} ${found} PARENT_SCOPE)
endfunction()

set(problems "")
foreach(folder core/kernels core nn optim data)
  string(REPLACE "/" "_" key ${folder})
  file(GLOB files ${SOURCE_DIR}/${folder}/*.h ${SOURCE_DIR}/${folder}/*.hpp ${SOURCE_DIR}/${folder}/*.cpp)
  foreach(file IN LISTS files)
    file(RELATIVE_PATH relative ${SOURCE_DIR} ${file})
    # Line by line, with numbers; ; [ ] are masked so that CMake's lists keep each line whole.
    file(READ ${file} content)
    string(REPLACE ";" "<semicolon>" content "${content}")
    string(REPLACE "[" "<open>" content "${content}")
    string(REPLACE "]" "<close>" content "${content}")
    string(REPLACE "\n" ";" lines "${content}")
    set(number 0)
    foreach(line IN LISTS lines)
      math(EXPR number "${number} + 1")
      if(NOT line MATCHES "^[ \t]*#[ \t]*include")
        continue()
      endif()
      if(line MATCHES "#[ \t]*include[ \t]+\"([^\"]+)\"")
        set(included ${CMAKE_MATCH_1})
        if(NOT included MATCHES "/")
          continue()  # a file beside it, in its own folder
        endif()
        starts_with_any(allowed "${included}" "${allowed_${key}}")
        starts_with_any(forbidden "${included}" "${forbidden_${key}}")
        if(NOT allowed OR forbidden)
          list(JOIN allowed_${key} ", " may)
          if(forbidden_${key})
            list(JOIN forbidden_${key} ", " may_not)
            string(APPEND may " (but not ${may_not})")
          endif()
          list(APPEND problems "${relative}:${number}: ${line}\n    ${folder}/ may include only ${may}")
        endif()
      elseif(line MATCHES "#[ \t]*include[ \t]+<(dnnl|oneapi/dnnl)" AND NOT folder STREQUAL "core/kernels")
        list(APPEND problems "${relative}:${number}: ${line}\n    only core/kernels/ includes oneDNN")
      endif()
    endforeach()
  endforeach()
endforeach()

ember_public_headers(public ${SOURCE_DIR} ember.h)
foreach(header IN LISTS public)
  if(header MATCHES "^core/kernels/" OR header MATCHES "_detail\\.h$" OR header MATCHES "\\.hpp$")
    list(APPEND problems "${header}: reached from ember.h, so it would be installed as public API, but it is internal")
  endif()
endforeach()

if(problems)
  list(LENGTH problems count)
  list(JOIN problems "\n  " text)
  message(FATAL_ERROR "layers: ${count} include(s) break the layer rule; ${arrows}:\n  ${text}")
endif()
