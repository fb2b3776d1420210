# Two ways to link Debian's Abseil:
#   berth_absl_shared  the packaged shared libraries (gRPC links these too, so
#                      every program that uses gRPC must use them)
#   berth_absl_static  the same libraries' .a archives, for berth-runtime,
#                      which runs for every container operation and should not
#                      spend its start-up loading ~30 shared objects.
set(BERTH_ABSL_ROOTS absl::status absl::statusor absl::cord absl::cleanup absl::strings)

add_library(berth_absl_shared INTERFACE)
target_link_libraries(berth_absl_shared INTERFACE ${BERTH_ABSL_ROOTS})

function(_berth_absl_closure target visited_var)
  set(visited ${${visited_var}})
  if(target IN_LIST visited)
    return()
  endif()
  list(APPEND visited ${target})
  get_target_property(deps ${target} INTERFACE_LINK_LIBRARIES)
  if(deps)
    foreach(dep IN LISTS deps)
      if(dep MATCHES "^absl::")
        _berth_absl_closure(${dep} visited)
      endif()
    endforeach()
  endif()
  set(${visited_var} ${visited} PARENT_SCOPE)
endfunction()

set(_berth_absl_all "")
foreach(root IN LISTS BERTH_ABSL_ROOTS)
  _berth_absl_closure(${root} _berth_absl_all)
endforeach()

set(_berth_absl_archives "")
foreach(t IN LISTS _berth_absl_all)
  get_target_property(type ${t} TYPE)
  if(NOT type STREQUAL "SHARED_LIBRARY")
    continue()  # header-only (INTERFACE) targets
  endif()
  string(REPLACE "absl::" "" name ${t})
  find_library(_berth_absl_${name}_a NAMES libabsl_${name}.a NO_CACHE)
  if(NOT _berth_absl_${name}_a)
    message(FATAL_ERROR "static archive for ${t} not found (libabsl-dev)")
  endif()
  list(APPEND _berth_absl_archives ${_berth_absl_${name}_a})
endforeach()

add_library(berth_absl_static INTERFACE)
target_link_libraries(berth_absl_static INTERFACE
  -Wl,--start-group ${_berth_absl_archives} -Wl,--end-group)
