// Metadata records <-> berth.containerd.v1 messages.
#pragma once

#include <google/protobuf/any.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include "berth/containerd/v1/containers.pb.h"
#include "berth/containerd/v1/namespaces.pb.h"
#include "containerd/core/metadata/containers.h"
#include "containerd/core/metadata/namespaces.h"

namespace berth::containerd::services {

void ToProto(metadata::Timestamp t, google::protobuf::Timestamp* out);
void ToProto(const metadata::Container& c, berth::containerd::v1::Container* out);
void ToProto(const metadata::Namespace& ns, berth::containerd::v1::Namespace* out);
metadata::Container FromProto(const berth::containerd::v1::Container& c);
metadata::Namespace FromProto(const berth::containerd::v1::Namespace& ns);

}  // namespace berth::containerd::services
