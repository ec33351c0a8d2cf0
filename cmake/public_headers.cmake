# ember_public_headers(OUT ROOT HEADER): the headers HEADER reaches through
# #include "..." lines, itself included, as paths relative to ROOT. They are
# the public API: exactly what `cmake --install` ships and what
# check_layers.cmake keeps free of kernel and detail headers.
function(ember_public_headers out root header)
  set(found "")
  set(todo ${header})
  while(todo)
    list(POP_FRONT todo current)
    if(current IN_LIST found)
      continue()
    endif()
    list(APPEND found ${current})
    file(STRINGS ${root}/${current} lines REGEX "^[ \t]*#[ \t]*include[ \t]+\"")
    foreach(line IN LISTS lines)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]+\"([^\"]+)\".*" "\\1" included "${line}")
      list(APPEND todo ${included})
    endforeach()
  endwhile()
  list(SORT found)
  set(${out} ${found} PARENT_SCOPE)
endfunction()
