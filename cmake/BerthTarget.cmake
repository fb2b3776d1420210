# Compile settings shared by every Berth target: strict warnings (errors by
# default), and the sanitizers when BERTH_SANITIZE is on.
set(BERTH_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
    -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough -Wno-missing-field-initializers)
if(BERTH_WERROR)
  list(APPEND BERTH_WARNINGS -Werror)
endif()

if(BERTH_SANITIZE)
  set(BERTH_SANITIZER_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer
      -fno-sanitize-recover=undefined)
  add_compile_options(${BERTH_SANITIZER_FLAGS})
  add_link_options(${BERTH_SANITIZER_FLAGS})
  # GCC 12's -Wmaybe-uninitialized misfires on instrumented code (std::function
  # inside <regex>, pulled in by catch.hpp), which -Werror turns into a failed build.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    list(APPEND BERTH_WARNINGS -Wno-maybe-uninitialized)
  endif()
endif()

function(berth_target_defaults target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:${BERTH_WARNINGS}>
    $<$<COMPILE_LANGUAGE:C>:-Wall -Wextra $<$<BOOL:${BERTH_WERROR}>:-Werror>>)
  target_compile_definitions(${target} PRIVATE _GNU_SOURCE)
endfunction()

# berth_library(NAME SOURCES... [DEPS ...]) builds a static library rooted at
# the repository top so includes read "common/status.h".
function(berth_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  berth_target_defaults(${name})
endfunction()

function(berth_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  berth_target_defaults(${name})
endfunction()
