// The JSON documents of an OCI image: config, manifest, index.
#pragma once

#include <string>
#include <vector>

#include "common/json_util.h"
#include "tests/testimage/image.h"

namespace berth::testimage {

// The host's architecture in GOARCH spelling ("amd64", "arm64", ...).
std::string HostArchitecture();

// application/vnd.oci.image.config.v1+json for `opts` over `layers`
// (rootfs.diff_ids and one history entry per layer).
json::Json ImageConfigJson(const ImageOptions& opts, const std::vector<LayerInfo>& layers);

// application/vnd.oci.image.manifest.v1+json.
json::Json ManifestJson(const std::string& config_digest, int64_t config_size,
                        const std::vector<LayerInfo>& layers);

// index.json of an OCI layout holding the one image `info` describes.
json::Json IndexJson(const ImageInfo& info);

}  // namespace berth::testimage
