# Every external dependency comes from a Debian package installed by
# scripts/install-deps.sh; third_party/README.md says why each is used.
find_package(absl REQUIRED)
include(${CMAKE_CURRENT_LIST_DIR}/Absl.cmake)
find_package(fmt REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 REQUIRED)
find_package(Catch2 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SECCOMP REQUIRED IMPORTED_TARGET libseccomp)
pkg_check_modules(LIBCAP REQUIRED IMPORTED_TARGET libcap)
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)
pkg_check_modules(LIBCRYPTO REQUIRED IMPORTED_TARGET libcrypto)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(LIBCURL REQUIRED IMPORTED_TARGET libcurl)

# Static archives for berth-runtime (see Absl.cmake for why).
find_library(BERTH_SECCOMP_STATIC NAMES libseccomp.a REQUIRED)
find_library(BERTH_LIBCAP_STATIC NAMES libcap.a REQUIRED)
# nettle's archive for common/sha256 (what it costs the static programs is
# there): linked into every program, so none needs libnettle.so at run time.
find_library(BERTH_NETTLE_STATIC NAMES libnettle.a REQUIRED)

# gRPC without TLS: every Berth socket is a local unix socket, and leaving
# OpenSSL out saves each shim its relocations and pages.
pkg_check_modules(GRPCPP REQUIRED IMPORTED_TARGET grpc++_unsecure)
pkg_check_modules(PROTOBUF REQUIRED IMPORTED_TARGET protobuf)
# gRPC's server reflection from its static archive: Debian's
# libgrpc++_reflection.so is linked with the TLS libgrpc++, which must not
# share a process with libgrpc++_unsecure, while the archive's objects bind
# to whichever libgrpc++ the program links. No --whole-archive: the plugin's
# object is pulled in by the call to InitProtoReflectionServerBuilderPlugin()
# in berth_common_grpc_reflection, and the rest through its references. As a
# plain archive it also suits berth_static_executable().
find_library(BERTH_GRPCPP_REFLECTION_STATIC NAMES libgrpc++_reflection.a REQUIRED)
add_library(berth_grpcpp_reflection_static STATIC IMPORTED)
set_target_properties(berth_grpcpp_reflection_static PROPERTIES
  IMPORTED_LOCATION ${BERTH_GRPCPP_REFLECTION_STATIC}
  INTERFACE_LINK_LIBRARIES "PkgConfig::GRPCPP;PkgConfig::PROTOBUF")
include(${CMAKE_CURRENT_LIST_DIR}/StaticLink.cmake)
