#include "containerd/services/proto_convert.h"

namespace berth::containerd::services {
namespace {

namespace pb = ::berth::containerd::v1;

metadata::Any FromProto(const google::protobuf::Any& any) {
  return {any.type_url(), any.value()};
}

void ToProto(const metadata::Any& any, google::protobuf::Any* out) {
  out->set_type_url(any.type_url);
  out->set_value(any.value);
}

}  // namespace

void ToProto(metadata::Timestamp t, google::protobuf::Timestamp* out) {
  int64_t nanos = metadata::ToUnixNanos(t);
  int64_t secs = nanos / 1000000000;
  int64_t frac = nanos % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    --secs;
  }
  out->set_seconds(secs);
  out->set_nanos(static_cast<int32_t>(frac));
}

void ToProto(const metadata::Container& c, pb::Container* out) {
  out->set_id(c.id);
  out->mutable_labels()->insert(c.labels.begin(), c.labels.end());
  out->set_image(c.image);
  out->mutable_runtime()->set_name(c.runtime.name);
  if (c.runtime.options) ToProto(*c.runtime.options, out->mutable_runtime()->mutable_options());
  out->set_spec(c.spec);
  out->set_snapshotter(c.snapshotter);
  out->set_snapshot_key(c.snapshot_key);
  ToProto(c.created_at, out->mutable_created_at());
  ToProto(c.updated_at, out->mutable_updated_at());
  for (const auto& [name, any] : c.extensions) ToProto(any, &(*out->mutable_extensions())[name]);
  out->set_sandbox(c.sandbox);
}

void ToProto(const metadata::Namespace& ns, pb::Namespace* out) {
  out->set_name(ns.name);
  out->mutable_labels()->insert(ns.labels.begin(), ns.labels.end());
}

metadata::Container FromProto(const pb::Container& c) {
  metadata::Container out;
  out.id = c.id();
  out.labels.insert(c.labels().begin(), c.labels().end());
  out.image = c.image();
  out.runtime.name = c.runtime().name();
  if (c.runtime().has_options()) out.runtime.options = FromProto(c.runtime().options());
  out.spec = c.spec();
  out.snapshotter = c.snapshotter();
  out.snapshot_key = c.snapshot_key();
  for (const auto& [name, any] : c.extensions()) out.extensions[name] = FromProto(any);
  out.sandbox = c.sandbox();
  return out;
}

metadata::Namespace FromProto(const pb::Namespace& ns) {
  metadata::Namespace out;
  out.name = ns.name();
  out.labels.insert(ns.labels().begin(), ns.labels().end());
  return out;
}

}  // namespace berth::containerd::services
