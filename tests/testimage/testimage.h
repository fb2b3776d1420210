// Everything tests and benchmarks use from berth_testimage.
#pragma once

#include "tests/testimage/bundle.h"          // IWYU pragma: export
#include "tests/testimage/digest.h"          // IWYU pragma: export
#include "tests/testimage/docker_archive.h"  // IWYU pragma: export
#include "tests/testimage/image.h"           // IWYU pragma: export
#include "tests/testimage/oci_layout.h"      // IWYU pragma: export
#include "tests/testimage/rootfs.h"          // IWYU pragma: export
#include "tests/testimage/runtime_config.h"  // IWYU pragma: export
#include "tests/testimage/tar_reader.h"      // IWYU pragma: export
