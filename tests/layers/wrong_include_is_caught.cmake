# CTest: the layer check (cmake/check_layers.cmake) catches each kind of wrong
# include. It runs on a copy of the sources with one planted violation of each
# kind, and must fail naming every one; on the real sources it must pass.
#   cmake -DSOURCE_DIR=<repo> -DWORK_DIR=<scratch> -P wrong_include_is_caught.cmake
set(check ${SOURCE_DIR}/cmake/check_layers.cmake)
execute_process(COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${SOURCE_DIR} -P ${check}
  RESULT_VARIABLE status ERROR_VARIABLE output)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "the real sources break the layer rule:\n${output}")
endif()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
file(COPY ${SOURCE_DIR}/core ${SOURCE_DIR}/nn ${SOURCE_DIR}/optim ${SOURCE_DIR}/data ${SOURCE_DIR}/ember.h
  DESTINATION ${WORK_DIR})
function(plant file text)
  file(APPEND ${WORK_DIR}/${file} "${text}\n")
endfunction()
plant(core/tensor.cpp "#include \"nn/module.h\"")                 # core reaching up into nn
plant(nn/linear.cpp "#include \"optim/sgd.h\"")                    # nn reaching up into optim
plant(data/toy.cpp "#include \"core/kernels/gemm.h\"")             # data reaching kernels
plant(core/kernels/gemm.cpp "#include \"core/tensor.h\"")          # kernels knowing tensors
plant(nn/linear.cpp "#include <oneapi/dnnl/dnnl.hpp>")             # oneDNN outside kernels
plant(nn/activation.h "#include \"nn/activation_detail.h\"")       # a detail header made public

execute_process(COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${WORK_DIR} -P ${check}
  RESULT_VARIABLE status ERROR_VARIABLE output)
if(status EQUAL 0)
  message(FATAL_ERROR "the layer check passed sources with six wrong includes")
endif()
# (the planted detail header reaches kernel headers too, each also named, so
# the count is at least six)
foreach(expected
    "include(s) break the layer rule"
    "core/tensor.cpp:" "#include \"nn/module.h\""
    "#include \"optim/sgd.h\"" "nn/ may include only core/, nn/"
    "data/toy.cpp:" "(but not core/kernels/)"
    "core/kernels/gemm.cpp:" "#include <oneapi/dnnl/dnnl.hpp>" "only core/kernels/ includes oneDNN"
    "nn/activation_detail.h: reached from ember.h")
  string(FIND "${output}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the layer check's message lacks '${expected}':\n${output}")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK_DIR})
