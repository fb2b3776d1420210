// berth-containerd's metadata services over gRPC: Version, Namespaces,
// Containers, Events, and their answers to bad input.
#include <catch2/catch.hpp>

#include "tests/integration/containerd/daemon_fixture.h"

namespace berth::testing {
namespace {

using grpc::StatusCode;

TEST_CASE("berth-containerd answers Version", "[containerd]") {
  DaemonFixture f;
  ctrpb::VersionResponse version;
  REQUIRE(f.version().Version(Ctx().get(), {}, &version).ok());
  CHECK_FALSE(version.version().empty());
  CHECK_FALSE(version.revision().empty());
}

TEST_CASE("namespaces are created, labelled, listed and deleted only when empty",
          "[containerd]") {
  DaemonFixture f;
  f.UseNamespace("team-a");
  ctrpb::CreateNamespaceRequest create;
  create.mutable_namespace_()->set_name("team-a");
  (*create.mutable_namespace_()->mutable_labels())["owner"] = "alice";
  ctrpb::CreateNamespaceResponse created;
  REQUIRE(f.namespaces().Create(Ctx().get(), create, &created).ok());
  CHECK(created.namespace_().labels().at("owner") == "alice");
  CHECK(f.namespaces().Create(Ctx().get(), create, &created).error_code() ==
        StatusCode::ALREADY_EXISTS);

  ctrpb::UpdateNamespaceRequest update;
  update.mutable_namespace_()->set_name("team-a");
  (*update.mutable_namespace_()->mutable_labels())["tier"] = "gold";
  update.mutable_update_mask()->add_paths("labels.tier");
  ctrpb::UpdateNamespaceResponse updated;
  REQUIRE(f.namespaces().Update(Ctx().get(), update, &updated).ok());
  CHECK(updated.namespace_().labels().size() == 2);

  ctrpb::ListNamespacesRequest list;
  list.set_filter("labels.tier==gold");
  ctrpb::ListNamespacesResponse listed;
  REQUIRE(f.namespaces().List(Ctx().get(), list, &listed).ok());
  REQUIRE(listed.namespaces_size() == 1);
  CHECK(listed.namespaces(0).name() == "team-a");

  // A container in it keeps it from being deleted.
  REQUIRE(f.CreateContainer("c1", {"true"}, "team-a").ok());
  ctrpb::DeleteNamespaceRequest del;
  del.set_name("team-a");
  google::protobuf::Empty empty;
  grpc::Status refused = f.namespaces().Delete(Ctx().get(), del, &empty);
  CHECK(refused.error_code() == StatusCode::FAILED_PRECONDITION);
  CHECK_THAT(refused.error_message(), Catch::Contains("containers"));
  ctrpb::DeleteContainerRequest del_container;
  del_container.set_id("c1");
  REQUIRE(f.containers().Delete(Ctx("team-a").get(), del_container, &empty).ok());
  REQUIRE(f.namespaces().Delete(Ctx().get(), del, &empty).ok());
  ctrpb::GetNamespaceRequest get;
  get.set_name("team-a");
  ctrpb::GetNamespaceResponse got;
  CHECK(f.namespaces().Get(Ctx().get(), get, &got).error_code() == StatusCode::NOT_FOUND);
}

TEST_CASE("containers are scoped by namespace, filtered, updated by mask and deleted",
          "[containerd]") {
  DaemonFixture f;
  f.UseNamespace("other");
  ctrpb::CreateContainerRequest create;
  *create.mutable_container() = f.ContainerRecord("web", {"true"});
  (*create.mutable_container()->mutable_labels())["app"] = "web";
  create.mutable_container()->set_snapshotter("overlayfs");
  create.mutable_container()->set_snapshot_key("web-snap");
  ctrpb::CreateContainerResponse created;
  REQUIRE(f.containers().Create(Ctx().get(), create, &created).ok());
  CHECK(created.container().created_at().seconds() > 0);
  CHECK(f.containers().Create(Ctx().get(), create, &created).error_code() ==
        StatusCode::ALREADY_EXISTS);
  REQUIRE(f.CreateContainer("db", {"true"}).ok());
  REQUIRE(f.CreateContainer("web", {"true"}, "other").ok());

  ctrpb::ListContainersRequest list;
  list.add_filters("labels.app==web");
  ctrpb::ListContainersResponse listed;
  REQUIRE(f.containers().List(Ctx().get(), list, &listed).ok());
  REQUIRE(listed.containers_size() == 1);
  CHECK(listed.containers(0).id() == "web");
  CHECK(listed.containers(0).snapshot_key() == "web-snap");
  list.Clear();
  list.add_filters(R"(image~="^busybox")");
  REQUIRE(f.containers().List(Ctx("other").get(), list, &listed).ok());
  CHECK(listed.containers_size() == 1);

  ctrpb::UpdateContainerRequest update;
  update.mutable_container()->set_id("web");
  update.mutable_container()->set_image("busybox:new");
  (*update.mutable_container()->mutable_labels())["app"] = "web2";
  update.mutable_update_mask()->add_paths("image");
  ctrpb::UpdateContainerResponse updated;
  REQUIRE(f.containers().Update(Ctx().get(), update, &updated).ok());
  CHECK(updated.container().image() == "busybox:new");
  CHECK(updated.container().labels().at("app") == "web");  // not in the mask
  CHECK(updated.container().spec() == created.container().spec());
  update.mutable_update_mask()->set_paths(0, "runtime");
  CHECK(f.containers().Update(Ctx().get(), update, &updated).error_code() ==
        StatusCode::INVALID_ARGUMENT);

  ctrpb::DeleteContainerRequest del;
  del.set_id("db");
  google::protobuf::Empty empty;
  REQUIRE(f.containers().Delete(Ctx().get(), del, &empty).ok());
  CHECK(f.containers().Delete(Ctx().get(), del, &empty).error_code() == StatusCode::NOT_FOUND);
  ctrpb::GetContainerRequest get;
  get.set_id("web");
  ctrpb::GetContainerResponse got;
  REQUIRE(f.containers().Get(Ctx("other").get(), get, &got).ok());
  CHECK(got.container().image() == "busybox:test");
}

TEST_CASE("bad container input gets a clear status and creates nothing", "[containerd]") {
  DaemonFixture f;
  ctrpb::CreateContainerResponse created;
  google::protobuf::Empty empty;
  auto create = [&](ctrpb::Container c, const std::string& ns = "default") {
    ctrpb::CreateContainerRequest request;
    *request.mutable_container() = std::move(c);
    return f.containers().Create(Ctx(ns).get(), request, &created);
  };
  ctrpb::Container bad_id = f.ContainerRecord("no/slashes", {"true"});
  grpc::Status s = create(bad_id);
  CHECK(s.error_code() == StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(s.error_message(), Catch::Contains("no/slashes"));
  ctrpb::Container long_id = f.ContainerRecord(std::string(77, 'a'), {"true"});
  CHECK(create(long_id).error_code() == StatusCode::INVALID_ARGUMENT);
  ctrpb::Container bad_spec = f.ContainerRecord("spec", {"true"});
  bad_spec.set_spec("{not json");
  s = create(bad_spec);
  CHECK(s.error_code() == StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(s.error_message(), Catch::Contains("spec"));
  ctrpb::Container no_runtime = f.ContainerRecord("rt", {"true"});
  no_runtime.clear_runtime();
  CHECK(create(no_runtime).error_code() == StatusCode::INVALID_ARGUMENT);
  CHECK(create(f.ContainerRecord("ok", {"true"}), "Bad_Namespace!").error_code() ==
        StatusCode::INVALID_ARGUMENT);

  ctrpb::ListContainersResponse listed;
  REQUIRE(f.containers().List(Ctx().get(), {}, &listed).ok());
  CHECK(listed.containers_size() == 0);
  ctrpb::ListContainersRequest bad_filter;
  bad_filter.add_filters("==x");
  CHECK(f.containers().List(Ctx().get(), bad_filter, &listed).error_code() ==
        StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("events are published to subscribers whose filters match", "[containerd]") {
  DaemonFixture f;
  EventCollector containers(f.events(), {R"(topic~="^/containers/")"});
  EventCollector custom(f.events(), {R"(topic=="/custom/thing",namespace==default)"});
  REQUIRE(f.CreateContainer("ev1", {"true"}).ok());
  containers.WaitFor("/containers/create", "ev1");

  ctrpb::PublishRequest publish;
  publish.set_topic("/custom/thing");
  ctrpb::ContainerDelete payload;
  payload.set_id("x");
  publish.mutable_event()->PackFrom(payload);
  google::protobuf::Empty empty;
  REQUIRE(f.events().Publish(Ctx().get(), publish, &empty).ok());
  ctrpb::Envelope got = custom.WaitFor("/custom/thing", "x");
  CHECK(got.namespace_() == "default");
  CHECK(got.timestamp().seconds() > 0);
  CHECK(containers.Snapshot().size() == 1);

  publish.set_topic("no-slash");
  CHECK(f.events().Publish(Ctx().get(), publish, &empty).error_code() ==
        StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace berth::testing
