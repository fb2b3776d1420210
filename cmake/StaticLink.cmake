# berth_static_executable(NAME SOURCES ... DEPS ...): an executable whose
# C++ dependencies are all linked from static archives: the Berth libraries,
# gRPC, protobuf, Abseil, OpenSSL's libcrypto, libstdc++ and libgcc. Only
# glibc stays shared.
#
# For berth-shim, which runs once per container: every shared library costs
# each process its own dirty pages (GOT, relocated vtables and .data.rel.ro,
# .data, .bss), ~8 KiB for the smallest of Abseil's 45 and ~400 KiB for
# libcrypto, none of which is shared between shims. Linked statically, most
# of that is resolved at link time and stays in clean file pages that every
# shim shares (bench/RESULTS-shim-memory.md).
#
# The link closure of DEPS is walked as CMake would: Berth's own static
# libraries are linked by file (so that their shared interface dependencies
# do not come along), and every imported dependency is mapped to its
# archives: PkgConfig::X to `pkg-config --static` (X_STATIC_LIBRARIES),
# absl::x to libabsl_x.a, anything else to the .a beside its .so. A
# dependency with no archive is a configure error, not a silent shared link.
#
# The executable is not position-independent unless BERTH_STATIC_PIE is on:
# a PIE has every pointer in its vtables and tables (gRPC's, protobuf's)
# relocated at load, ~480 KiB of dirty pages per shim; a fixed-address
# executable has them resolved by the linker, in clean shared pages. Debian
# builds containerd-shim-runc-v2, containerd and runc the same way; the cost
# is that the executable's own code is not at a random address (its
# libraries, heap, stacks and mmaps still are).
option(BERTH_STATIC_PIE "Link berth_static_executable() targets (berth-shim) as PIE" OFF)

# Debian's grpc_unsecure.pc leaves out libgrpc_unsecure's private
# dependencies; these are what its shared library is linked with.
set(BERTH_GRPC_PRIVATE_STATIC_LIBS upb address_sorting cares z)
# Part of glibc (or its loader): linked as usual.
set(BERTH_SYSTEM_LIBS c m dl rt pthread atomic)

function(_berth_archive_for_name name out_var)
  if(name IN_LIST BERTH_SYSTEM_LIBS)
    set(${out_var} "-l${name}" PARENT_SCOPE)
    return()
  endif()
  find_library(_berth_archive_${name} NAMES lib${name}.a NO_CACHE)
  if(NOT _berth_archive_${name})
    message(FATAL_ERROR "berth_static_executable: no static archive lib${name}.a")
  endif()
  set(${out_var} ${_berth_archive_${name}} PARENT_SCOPE)
endfunction()

# Appends to the lists in the caller's scope: _berth_objs (Berth static
# libraries, dependents before their dependencies) and _berth_archives.
function(_berth_static_walk item)
  if(item MATCHES "^\\$<LINK_ONLY:(.*)>$")
    set(item ${CMAKE_MATCH_1})
  endif()
  if(item MATCHES "^-Wl,|^-pthread$|^\\$<")
    return()  # link options (--push-state, --as-needed ...) and other genexes
  endif()
  if(NOT TARGET ${item})
    if(item MATCHES "^-l(.*)$")
      _berth_archive_for_name(${CMAKE_MATCH_1} archive)
    elseif(item MATCHES "/lib([^/]*)\\.so[.0-9]*$")
      _berth_archive_for_name(${CMAKE_MATCH_1} archive)
    elseif(item MATCHES "\\.a$")
      set(archive ${item})
    else()
      _berth_archive_for_name(${item} archive)
    endif()
    set(_berth_archives ${_berth_archives} ${archive} PARENT_SCOPE)
    return()
  endif()
  get_target_property(aliased ${item} ALIASED_TARGET)
  if(aliased)
    set(item ${aliased})
  endif()
  get_property(seen GLOBAL PROPERTY _BERTH_STATIC_SEEN)
  if(item IN_LIST seen)
    return()
  endif()
  set_property(GLOBAL APPEND PROPERTY _BERTH_STATIC_SEEN ${item})

  get_target_property(type ${item} TYPE)
  get_target_property(imported ${item} IMPORTED)
  set(deps "")
  if(item MATCHES "^PkgConfig::(.*)$")
    set(prefix ${CMAKE_MATCH_1})
    set(deps ${${prefix}_STATIC_LIBRARIES})
    if(prefix STREQUAL "GRPCPP")
      list(APPEND deps ${BERTH_GRPC_PRIVATE_STATIC_LIBS})
    endif()
    if(NOT deps)
      message(FATAL_ERROR "berth_static_executable: ${prefix}_STATIC_LIBRARIES is empty")
    endif()
    set(names "")
    foreach(dep IN LISTS deps)
      _berth_archive_for_name(${dep} archive)
      list(APPEND names ${archive})
    endforeach()
    set(_berth_archives ${_berth_archives} ${names} PARENT_SCOPE)
    return()
  endif()
  if(imported AND item MATCHES "^absl::(.*)$" AND NOT type STREQUAL "INTERFACE_LIBRARY")
    _berth_archive_for_name(absl_${CMAKE_MATCH_1} archive)
    set(_berth_archives ${_berth_archives} ${archive})
  elseif(imported AND NOT type STREQUAL "INTERFACE_LIBRARY")
    get_target_property(location ${item} LOCATION)
    if(NOT location MATCHES "/lib([^/]*)\\.(so[.0-9]*|a)$")
      message(FATAL_ERROR "berth_static_executable: cannot link ${item} (${location}) statically")
    endif()
    _berth_archive_for_name(${CMAKE_MATCH_1} archive)
    set(_berth_archives ${_berth_archives} ${archive})
  elseif(NOT imported AND NOT type STREQUAL "STATIC_LIBRARY" AND NOT type STREQUAL "INTERFACE_LIBRARY"
         AND NOT type STREQUAL "OBJECT_LIBRARY")
    message(FATAL_ERROR "berth_static_executable: ${item} is a ${type}")
  endif()

  get_target_property(links ${item} INTERFACE_LINK_LIBRARIES)
  if(links)
    foreach(dep IN LISTS links)
      _berth_static_walk(${dep})
    endforeach()
  endif()
  if(NOT imported AND type STREQUAL "STATIC_LIBRARY")
    set(_berth_objs ${item} ${_berth_objs})  # before everything it depends on
  endif()
  set(_berth_objs ${_berth_objs} PARENT_SCOPE)
  set(_berth_archives ${_berth_archives} PARENT_SCOPE)
endfunction()

function(berth_static_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  # The sources compile with the usage requirements of DEPS (includes,
  # definitions); an object library does not link, so nothing shared
  # comes along.
  add_library(${name}_objects OBJECT ${ARG_SOURCES})
  target_link_libraries(${name}_objects PRIVATE ${ARG_DEPS})
  berth_target_defaults(${name}_objects)

  set_property(GLOBAL PROPERTY _BERTH_STATIC_SEEN "")
  set(_berth_objs "")
  set(_berth_archives "")
  foreach(dep IN LISTS ARG_DEPS)
    _berth_static_walk(${dep})
  endforeach()
  list(REMOVE_DUPLICATES _berth_archives)

  add_executable(${name} $<TARGET_OBJECTS:${name}_objects>)
  set(files "")
  foreach(lib IN LISTS _berth_objs)
    list(APPEND files $<TARGET_FILE:${lib}>)
    add_dependencies(${name} ${lib})
  endforeach()
  target_link_libraries(${name} PRIVATE ${files}
    -Wl,--start-group ${_berth_archives} -Wl,--end-group -pthread)
  target_link_options(${name} PRIVATE -static-libstdc++ -static-libgcc -Wl,--as-needed
    -Wl,--gc-sections $<IF:$<BOOL:${BERTH_STATIC_PIE}>,-pie,-no-pie>)
endfunction()
